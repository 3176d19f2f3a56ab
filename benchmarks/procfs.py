"""What a server process and all its descendants use, read from /proc (Linux).

Our service answers queries in worker processes, so the memory and CPU a
request costs are the whole process tree's: the server, its query workers,
and whatever they started. Children forked by any thread are found (through
every thread's ``children`` file), and a child that appears mid-request
(a worker replacing one that was killed) is picked up on the next refresh.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
GREW_BYTES = 1024 * 1024  # a process that rose by less than this did not take the growth


def process_tree(pid: int) -> list[int]:
    """``pid`` and its living descendants; empty if ``pid`` is gone."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        tasks = Path(f"/proc/{current}/task")
        try:
            children = [child.read_text() for child in tasks.glob("*/children")]
        except OSError:  # exited while we looked
            continue
        found.append(current)
        pending += [int(child) for text in children for child in text.split()]
    return found


def rss_by_process(pids: list[int]) -> dict[int, int]:
    """Resident memory of each of these processes that is still there, in bytes.

    Read from ``statm``, which costs microseconds: cheap enough to sample a
    process tree every 10 ms. Summed over a tree, pages shared between its
    processes (the interpreter, libraries) count once per process.
    """
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            found[pid] = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    return found


def pss_bytes(pids: list[int]) -> int:
    """Proportional set size of these processes, added up: a page shared by n processes counts 1/n in each.

    So a tree's sum counts its shared pages once. Read from ``smaps_rollup``,
    which walks every mapping: 5-70 ms for a server tree, too slow to sample
    every 10 ms, fine once.
    """
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, StopIteration, ValueError):
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            total += int(next(line for line in lines if line.startswith("Pss:")).split()[1]) * 1024
    return total


def _cpu_seconds(pid: int) -> float:
    """User and system time of ``pid`` and of its children that exited and were waited for."""
    try:
        # the fields after the command name, which is in parentheses and may hold spaces
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:15]) / TICKS_PER_SECOND  # utime stime cutime cstime
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user plus system) so far of ``pid``'s process tree, and of ``pid`` alone.

    A query worker killed at its deadline still counts once it is waited for.
    """
    return sum(_cpu_seconds(member) for member in process_tree(pid)), _cpu_seconds(pid)


def running_seconds(pid: int) -> float:
    """Time ``pid``'s threads have spent on a CPU, to the nanosecond (``schedstat``; ``stat`` counts 10 ms ticks).

    Fine enough to charge a request of a millisecond or two its own CPU time.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def wait_until_idle(pid: int, *, seconds: float, cores: float = 0.1, window: float = 0.5) -> float | None:
    """Wait until ``pid``'s process tree uses less than ``cores`` over ``window`` s; return how long it took.

    ``None`` if it was still busy after ``seconds``: work a client gave up on
    (a server without a deadline keeps computing it) would slow what comes next.
    """
    start = time.monotonic()
    while True:
        before = cpu_seconds(pid)[0]
        time.sleep(window)
        if (cpu_seconds(pid)[0] - before) / window < cores:
            return time.monotonic() - start
        if time.monotonic() - start > seconds:
            return None


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent not idle (nor waiting for I/O), all cores added up, since boot.

    Steal time counts as busy: on a shared host it is CPU this machine could not have.
    """
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already within user and nice]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS_PER_SECOND


class RssSampler:
    """Samples the RSS of ``pid``'s process tree every ``interval`` seconds in a thread, while in ``with``.

    ``before`` is the tree's RSS when sampling started, ``peak`` its highest
    sample; the process list is refreshed every ``refresh`` seconds. Each
    process's own peak is kept too, to tell which one grew.

    RSS, not PSS, because growth is what is sampled: the pages a request adds
    (buffers, the engine's block cache) are private to the process that reads,
    so RSS and PSS grow alike (measured: 52 and 52 MB for `oxigraph serve`, 56
    and 56 MB for our service's tree), and RSS can be read every 10 ms.
    """

    def __init__(self, pid: int, *, interval: float = 0.01, refresh: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.refresh = refresh
        self.samples = 0
        self.before = 0
        self.peak = 0
        self._start: dict[int, int] = {}
        self._peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.before)

    @property
    def grew_in(self) -> int | None:
        """The process whose RSS rose most above its own at the start (a new one's from 0).

        None if none rose by ``GREW_BYTES``: an allocator's churn says nothing about where memory went.
        """
        rises = {pid: peak - self._start.get(pid, 0) for pid, peak in self._peaks.items()}
        pid = max(rises, key=rises.__getitem__, default=None)
        return pid if pid is not None and rises[pid] >= GREW_BYTES else None

    def _sample(self, pids: list[int]) -> int:
        rss = rss_by_process(pids)
        for pid, size in rss.items():
            self._peaks[pid] = max(self._peaks.get(pid, 0), size)
        return sum(rss.values())

    def __enter__(self) -> RssSampler:
        self._start = rss_by_process(process_tree(self.pid))
        self._peaks = dict(self._start)
        self.before = self.peak = sum(self._start.values())
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        pids = process_tree(self.pid)
        refreshed = time.monotonic()
        while not self._stop.wait(self.interval):
            if time.monotonic() - refreshed >= self.refresh:
                pids, refreshed = process_tree(self.pid), time.monotonic()
            self.peak = max(self.peak, self._sample(pids))
            self.samples += 1
