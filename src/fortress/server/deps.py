"""What every endpoint depends on: a transaction for the request and the policy check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from fortress.casework.models import User
from fortress.casework.policy import allowed
from fortress.casework.users import user_for_token

API = "/api/v1"
MAX_ID = 2**31 - 1


def _session(request: Request) -> Iterator[Session]:
    """A transaction for one request: committed if the request succeeds."""
    with request.app.state.sessions.begin() as opened:
        yield opened


Db = Annotated[Session, Depends(_session)]


def _signed_in(request: Request, db: Db) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return user_for_token(db, token.strip())


def requires(endpoint: str) -> Callable[..., User | None]:
    """A dependency that lets the request through only if the policy allows ``endpoint``
    to the signed-in user's role (or to the public)."""

    def check(user: Annotated[User | None, Depends(_signed_in)]) -> User | None:
        if allowed(endpoint, user.role if user else None):
            return user
        if user is None:
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        raise HTTPException(403, "your role may not do this")

    return check


def not_found(what: str, record_id: int) -> HTTPException:
    """The 404 for a record that does not exist or may not be seen (the same answer)."""
    return HTTPException(404, f"no {what} {record_id}")


def check_id(what: str, record_id: int) -> int:
    """A path id, 404 if it cannot be a record's."""
    if not 1 <= record_id <= MAX_ID:
        raise not_found(what, record_id)
    return record_id
