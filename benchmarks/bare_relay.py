"""The least a relay on our server can do: the floor ``benchmarks.virtuoso`` measures stancegraph against.

    BARE_RELAY_ENDPOINT=http://127.0.0.1:8890/sparql python -m uvicorn benchmarks.bare_relay:app

One raw ASGI app under uvicorn (as ``stancegraph serve`` runs it: uvloop,
httptools) that POSTs each request's body to the endpoint with the relay's own
client (``api.execution.endpoint_client``) and sends back the answer's status,
type and bytes: no protocol, no checks, no row limit, no log. With
``BARE_RELAY_CACHE=1`` it keeps each answer by request body and ``Accept``
and answers a repeat from memory: the least an answer cache can do. What it
adds to the endpoint's time is what any relay on this server, client and
machine pays; what stancegraph adds beyond it is its own.

With ``BARE_RELAY_RECORD=FILE`` it also appends each request's ``Accept`` and
body to ``FILE`` (a JSON line each): put in front of the endpoint of a
``stancegraph serve --endpoint``, it shows which queries a JSON API route
sends, for the benchmark to send them to the endpoint itself.
"""

from __future__ import annotations

import json
import os

from starlette.types import Receive, Scope, Send

from stancegraph.api.execution.endpoint_client import EndpointClient

Answer = tuple[int, bytes, bytes]  # status, content type, body

_kept: dict[tuple[bytes, bytes], Answer] = {}
_clients: list[EndpointClient] = []  # made on the first request, inside the server's event loop


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    accept = next((value for name, value in scope["headers"] if name == b"accept"), b"*/*")
    if record := os.environ.get("BARE_RELAY_RECORD"):
        with open(record, "a", encoding="utf-8") as recording:
            print(
                json.dumps({"accept": accept.decode("latin-1"), "body": body.decode("utf-8")}), file=recording
            )
    answer = _kept.get((body, accept)) or await _relayed(body, accept)
    status, media_type, content = answer
    headers = [(b"content-type", media_type), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def _relayed(body: bytes, accept: bytes) -> Answer:
    if not _clients:
        _clients.append(EndpointClient(os.environ["BARE_RELAY_ENDPOINT"], timeout=120))
    response = await _clients[0].post(body, accept=accept.decode("latin-1"))
    answer = (response.status, response.headers.get("content-type", "").encode(), await response.read())
    if os.environ.get("BARE_RELAY_CACHE") == "1":
        _kept[(body, accept)] = answer
    return answer
