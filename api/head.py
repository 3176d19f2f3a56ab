"""``HEAD`` wherever ``GET``: FastAPI routes answer only the methods they declare, so ``HEAD /`` was a 405.

One middleware, outside all the others, answers a ``HEAD`` as the ``GET`` it
stands for and drops the body: the status and headers (``Content-Length``,
``ETag``, ``Content-Type``) are exactly those of ``GET``, for every route,
mounted file or router, with nothing to add per route and nothing in the
OpenAPI description (HTTP defines ``HEAD`` by ``GET``). The ``GET`` is run in
full, as Starlette's own routes do it: a client asking for headers only costs
what the page costs.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Answer ``HEAD`` with the headers of ``GET`` and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)
