"""How much of a request's body the server reads: at most ``MOST_BODY`` bytes, or the
allowance of the few addresses that take a file, counted as the body arrives (a declared
``Content-Length`` over the allowance is refused before anything is read).

FastAPI reads a body before it checks who is asking, so without this an anonymous sign-in
could make the server hold a body of any size in memory (a probe sent 50 MB). For the same
reason an address's larger allowance is given only once the sender is vouched for (signed
in, with a role that may use the address): otherwise a stranger could make the server
spool gigabytes to disk before being told to sign in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MOST_BODY: Final = 1 << 20
"""A JSON body or a form: the longest field any of them takes is 20,000 characters."""
MULTIPART_SLACK: Final = 1 << 20
"""A file's allowance over its own limit, for the form's other fields and boundaries: the
address then refuses a file too large with its own words."""


@dataclass(frozen=True)
class Allowance:
    """How large a body an address reads, and the policy endpoint whose users may send
    more than ``MOST_BODY`` to it."""

    most: int
    endpoint: str


Vouch = Callable[[Scope, str], Awaitable[None]]
"""Raises an ``HTTPException`` (401, 403) unless the request's sender may call the endpoint."""


class BoundedBodies:
    """ASGI middleware refusing (413) a body larger than its address allows, and (401,
    403) a body over ``MOST_BODY`` from a sender ``vouch`` does not let through, before any
    of it is read. A refusal is raised where the endpoint reads the body, so it is answered
    like any other (as a page to a browser, with the correlation id and the headers)."""

    def __init__(self, app: ASGIApp, allowances: Mapping[str, Allowance], vouch: Vouch) -> None:
        self.app = app
        self.allowances = dict(allowances)
        self.vouch = vouch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowance = self.allowances.get(scope.get("path", ""))
        most = allowance.most if allowance else MOST_BODY
        declared = _content_length(scope)
        received, vouched = 0, False

        async def bounded() -> Message:
            nonlocal received, vouched
            if declared is not None and declared > most:
                raise _too_large(most)
            if allowance and not vouched and max(received, declared or 0) > MOST_BODY:
                await self.vouch(scope, allowance.endpoint)
                vouched = True
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
