"""A worker's socket, one end of it: messages as length-prefixed pickles, each sent in one write.

``multiprocessing``'s :class:`~multiprocessing.connection.Connection` frames
its messages the same way, but in Python on both sides: two reads a message,
a pickler object built for each, checks on every call. On an ``ASK {}`` that
was a tenth of the round trip. A channel writes a message with one
``os.write`` and reads whatever has arrived with one ``os.read`` into a
buffer, from which whole messages are taken; so the event loop can read a
worker's answer when its descriptor says so, without blocking (the pool's
end is non-blocking), and a thread can wait for it with ``poll``.

This module imports nothing of the service: a worker process loads it.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import time
from multiprocessing.connection import Connection

_LENGTH = struct.Struct("!I")
# A 64 kB chunk of answer in one read, and below malloc's mmap threshold (128 kB): os.read allocates
# its buffer each time, and one of 256 kB was mapped and unmapped on every read (34 µs, not 2).
READ_BYTES = 96 * 1024
NOTHING = object()  # what :meth:`Channel.take` gives when no whole message has arrived


class Channel:
    """One end of a worker's socket (a :class:`Connection`'s, which it keeps open), as messages.

    ``blocking=False`` (the pool's end): reads never block and a send that finds
    the socket full waits for room. Only one side reads at a time: whoever holds
    the worker (a lease, or the pool between queries).

    >>> from multiprocessing import Pipe
    >>> ours, theirs = (Channel(end) for end in Pipe())
    >>> theirs.send(("a", 1)); theirs.send(b"x" * 30_000)
    >>> ours.receive(1.0), len(ours.receive(1.0))
    (('a', 1), 30000)
    """

    def __init__(self, connection: Connection, *, blocking: bool = True) -> None:
        self._connection = connection
        self.fd = connection.fileno()
        os.set_blocking(self.fd, blocking)
        self._blocking = blocking
        self._buffer = bytearray()
        self._poll = select.poll()
        self._poll.register(self.fd, select.POLLIN)

    def send(self, message: object) -> None:
        """Write ``message`` whole, in one write unless the socket is full."""
        if self._connection.closed:  # its descriptor's number may be another file's by now
            raise ValueError("the channel is closed")
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        data = memoryview(_LENGTH.pack(len(payload)) + payload)
        while data:
            try:
                data = data[os.write(self.fd, data) :]
            except BlockingIOError:  # the pool's end, and a job bigger than the socket holds
                _writable(self.fd)

    def read(self, descriptor: int | None = None) -> bool:
        """Read what has arrived (blocking only on a blocking end with nothing there); whether a whole message is in.

        ``descriptor``: a duplicate of this end's to read through (an event loop's, see
        :class:`~.lease.Watches`). Raises :class:`EOFError` once the other end is closed.
        """
        try:
            data = os.read(self.fd if descriptor is None else descriptor, READ_BYTES)
        except BlockingIOError:
            return self.has_message()
        if not data:
            raise EOFError
        self._buffer += data
        return self.has_message()

    def has_message(self) -> bool:
        buffer = self._buffer
        return len(buffer) >= _LENGTH.size and len(buffer) >= _LENGTH.size + _LENGTH.unpack_from(buffer)[0]

    def take(self) -> object:
        """The next whole message read, or :data:`NOTHING`."""
        if not self.has_message():
            return NOTHING
        end = _LENGTH.size + _LENGTH.unpack_from(self._buffer)[0]
        with memoryview(self._buffer) as view, view[_LENGTH.size : end] as payload:
            message = pickle.loads(payload)
        del self._buffer[:end]  # the views are released: the buffer may shrink
        return message

    def receive(self, timeout: float | None = None) -> object:
        """The next message, waited for in this thread for at most ``timeout`` seconds (``None``: for ever).

        Raises :class:`TimeoutError` when it does not come in time, :class:`EOFError` when the other end closed.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while (message := self.take()) is NOTHING:
            if deadline is None:
                if not self._blocking:  # a blocking end waits in its read: one system call, not two
                    self._poll.poll()
            elif (left := deadline - time.monotonic()) <= 0 or not self._poll.poll(left * 1000):
                raise TimeoutError
            self.read()
        return message

    def close(self) -> None:
        self._connection.close()


def _writable(descriptor: int) -> None:
    waiting = select.poll()
    waiting.register(descriptor, select.POLLOUT)
    waiting.poll()
