"""How much of a request's body the server reads: at most ``MOST_BODY`` bytes, or the
allowance of the few addresses that take a file, counted as the body arrives (a declared
``Content-Length`` over the allowance is refused before anything is read).

FastAPI reads a body before it checks who is asking, so without this an anonymous sign-in
could make the server hold a body of any size in memory (a probe sent 50 MB).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MOST_BODY: Final = 1 << 20
"""A JSON body or a form: the longest field any of them takes is 20,000 characters."""
MULTIPART_SLACK: Final = 1 << 20
"""A file's allowance over its own limit, for the form's other fields and boundaries: the
address then refuses a file too large with its own words."""


class BoundedBodies:
    """ASGI middleware refusing (413) a body larger than its address allows. The refusal
    is raised where the endpoint reads the body, so it is answered like any other (as a
    page to a browser, with the correlation id and the security headers)."""

    def __init__(self, app: ASGIApp, allowances: Mapping[str, int]) -> None:
        self.app = app
        self.allowances = dict(allowances)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        most = self.allowances.get(scope.get("path", ""), MOST_BODY)
        declared = _content_length(scope)
        received = 0

        async def bounded() -> Message:
            nonlocal received
            if declared is not None and declared > most:
                raise _too_large(most)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > most:
                    raise _too_large(most)
            return message

        await self.app(scope, bounded, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
    return None


def _too_large(most: int) -> HTTPException:
    size = f"{most >> 20:,} MiB" if most >= 1 << 20 else f"{most:,} bytes"
    return HTTPException(413, f"the request's body is over {size}, the most this address takes")
