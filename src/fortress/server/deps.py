"""What every endpoint depends on: a transaction for the request and the policy check."""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import math
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.types import Scope

from fortress.casework import audit, throttle
from fortress.casework.audit import SecurityAction
from fortress.casework.exports import FORMATS
from fortress.casework.models import User
from fortress.casework.policy import BROWSER, allowed
from fortress.casework.safeguarding import row_scope
from fortress.casework.users import authenticate, issue_token, revoke_token, user_for_token
from fortress.model.values import MAX_RECORD_ID
from fortress.server.observe import note_user
from fortress.store.row_security import NO_AGENCY, set_scope

API = "/api/v1"


async def _session(request: Request) -> AsyncIterator[Session]:
    """The request's session. ``CommittingRoute`` commits it when the endpoint returns;
    anything not committed (the endpoint raised) is rolled back when it closes.

    Opened and closed on the event loop, not in a worker thread: making a session touches
    no database, and a committed one holds no connection, so there is nothing to wait for
    (a rollback after a failure is one short round trip), while a synchronous dependency
    costs two thread hops, each work for the event loop, the busiest thread under load."""
    with request.app.state.sessions() as opened:
        yield opened


class CommittingRoute(APIRoute):
    """A route whose endpoint commits the request's session itself, in its own thread,
    before the answer is made.

    Committing in the session dependency's exit instead would (a) happen after the answer
    was sent, so a failed commit (an audit entry that cannot be written) would still have
    answered 200; and (b) need a second worker thread while the transaction holds the
    audit chain's lock: under load every worker can be waiting for that lock, and the
    holder never gets a thread to commit in.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        answer = endpoint(*args, **kwargs)
        db = kwargs.get("db")
        if isinstance(db, Session):
            db.commit()
        return answer

    return run


Db = Annotated[Session, Depends(_session)]


SESSION_COOKIE = "fortress_session"
"""The browser pages' sign-in: the same kind of token as the API's bearer token, in an
HttpOnly, SameSite=Strict cookie that only the endpoints in ``policy.BROWSER`` accept."""


def _bearer(request: Request) -> str:
    """The token of the request's ``Authorization: Bearer`` header ("" without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token(request: Request, endpoint: str) -> tuple[str | None, bool]:
    """The request's token and whether it came from the cookie."""
    if bearer := _bearer(request):
        return bearer, False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and endpoint in BROWSER:
        return cookie, True
    return None, False


def requires(endpoint: str) -> Callable[..., User | None]:
    """A dependency that lets the request through only if the policy allows ``endpoint``
    to the signed-in user's role (or to the public).

    The check ends its read-only transaction (the user stays loaded) so that its
    connection goes back to the pool before the endpoint's turn in the thread pool: a
    connection kept across the two hops deadlocks a busy server, every worker thread
    waiting for a connection while every connection's request waits for a thread."""

    def check(request: Request, db: Db) -> User | None:
        token, by_cookie = _token(request, endpoint)
        user = user_for_token(db, token) if token else None
        db.commit()  # hands the connection back (see the docstring)
        request.state.row_scope = row_scope(user)
        set_scope(db, request.state.row_scope)  # the endpoint's transactions: what user may
        request.state.by_cookie = by_cookie and user is not None
        request.state.token = token if user is not None else None
        request.state.endpoint, request.state.user_name = endpoint, user.name if user else None
        if user is not None:
            note_user(user.id)
        if allowed(endpoint, user.role if user else None):
            return user
        if user is None:
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        raise HTTPException(403, "your role may not do this")

    return check


def own_session(request: Request) -> Session:
    """A session apart from the request's (for work committed before the answer is made),
    reaching the rows the signed-in user may (``store/row_security.py``)."""
    session: Session = request.app.state.sessions()
    set_scope(session, getattr(request.state, "row_scope", NO_AGENCY))
    return session


async def vouch_for_sender(scope: Scope, endpoint: str) -> None:
    """Refuse (401, 403) a request whose sender may not call ``endpoint``: asked before a
    large body is read (``bodies.BoundedBodies``), which FastAPI reads before ``requires``."""
    request = Request(scope)
    token, _ = _token(request, endpoint)
    role = await run_in_threadpool(_role_of, request, token) if token else None
    if role is None:
        raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    if not allowed(endpoint, role):
        raise HTTPException(403, "your role may not do this")


def _role_of(request: Request, token: str) -> str | None:
    with request.app.state.sessions() as db:
        user = user_for_token(db, token)
        return user.role if user else None


def revoke_own_token(request: Request, db: Session, user: User) -> None:
    """End the session the request was signed in with (its cookie's or its bearer's
    token stops working at once; the user's other sessions go on), audited."""
    token = getattr(request.state, "token", None)
    if token:
        revoke_token(db, token)
        audit.record(db, user.name, "sign-out", request.state.endpoint, [f"user:{user.id}"])


def csrf_token(session_token: str) -> str:
    """The value a page's forms carry to prove they came from a page Fortress served to
    this session (a cross-site form cannot know it)."""
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()[:32]


def check_csrf(request: Request, given: str) -> None:
    """Refuse a form sent with the sign-in cookie but without this session's CSRF value."""
    if not getattr(request.state, "by_cookie", False):
        return  # a bearer token is never sent by a browser on its own
    expected = csrf_token(request.cookies.get(SESSION_COOKIE, ""))
    if not hmac.compare_digest(given, expected):
        raise HTTPException(403, "this form is out of date: reload the page and try again")


def checked_sign_in(
    request: Request, db: Session, name: str, password: str, *,
    wrong: tuple[int, str] = (401, "wrong name or password"),
) -> User:  # fmt: skip
    """The user these credentials belong to; ``wrong`` (401) if they are not, 429 (with
    ``Retry-After``) while the throttle holds this name or this address back
    (``casework/throttle.py``)."""
    attempt = throttle.begin(db, name, client_address(request))
    if attempt.wait > 0:
        seconds = math.ceil(attempt.wait)
        _sign_in_failed(request, db, name, 429)
        raise HTTPException(429, "too many sign-ins for this name or from this address that "
                            f"failed or are still being checked: try again in {seconds} "
                            "seconds", headers={"Retry-After": str(seconds)})  # fmt: skip
    user = authenticate(db, name, password)
    if user is None:
        _sign_in_failed(request, db, name, wrong[0])
        raise HTTPException(*wrong)
    throttle.succeeded(db, attempt)
    return user


def open_session(request: Request, db: Session, user: User, *, by_cookie: bool) -> str:
    """A new session's token for ``user`` (audited). The session it replaces, the cookie's
    for a browser's sign-in or the bearer's for the API's, ends: a sign-in never leaves an
    old token alive beside the new one."""
    replaced = request.cookies.get(SESSION_COOKIE, "") if by_cookie else _bearer(request)
    if replaced:
        revoke_token(db, replaced)
    audit.record(db, user.name, "sign-in", request.state.endpoint, [f"user:{user.id}"])
    return issue_token(db, user)


def _sign_in_failed(request: Request, db: Session, name: str, status: int) -> None:
    """Audit a failed sign-in as a security event: the user's name when there is one,
    never what was typed otherwise (it is sometimes a password)."""
    user_id = db.scalar(select(User.id).where(User.name == name))
    actor = name if user_id is not None else "unknown name"
    ids = [f"user:{user_id}"] if user_id is not None else []
    audit_security_event(request, actor, "sign-in failure", f"{request.state.endpoint} {status}",
                         ids)  # fmt: skip


def audit_security_event(
    request: Request, actor: str, action: SecurityAction, what: str, ids: list[str]
) -> None:
    """Write a security event in a transaction of its own: the request's, refused, is
    rolled back."""
    with request.app.state.sessions() as session:
        audit.record(session, actor, action, what, ids)
        session.commit()


def audit_refusal(request: Request, status: int) -> None:
    """Audit a refused request for a record (an address naming one: ``…_id`` or a
    number) as a security event; other refusals are not events."""
    named = {key: value for key, value in request.path_params.items()
             if key.endswith("_id") or key == "number"}  # fmt: skip
    endpoint = getattr(request.state, "endpoint", None)
    if not named or endpoint is None:
        return
    actor = getattr(request.state, "user_name", None) or "anonymous"
    audit_security_event(request, actor, "refusal", f"{endpoint} {status}",
                         [f"{key}:{value}" for key, value in sorted(named.items())])  # fmt: skip


def client_address(request: Request) -> str:
    """The address the request came from: the connection's, or the one a proxy that
    ``serve --trusted-proxy`` names forwarded (uvicorn puts it in the request's scope;
    a forwarded header from anyone else is ignored, so it cannot dodge a limit)."""
    return request.client.host if request.client else ""


def export_responses(
    formats: Mapping[str, str] = FORMATS, description: str = "The file"
) -> dict[int | str, dict[str, Any]]:
    """How an export's answer is documented: a file of one of ``formats`` (by default a
    CSV or an XLSX file), not JSON."""
    file = {"schema": {"type": "string", "format": "binary"}}
    content = {media.split(";")[0]: file for media in formats.values()}
    return {200: {"description": description, "content": content}}


def not_found(what: str, record_id: int) -> HTTPException:
    """The 404 for a record that does not exist or may not be seen (the same answer)."""
    return HTTPException(404, f"no {what} {record_id}")


def check_id(what: str, record_id: int) -> int:
    """A path id, 404 if it cannot be a record's."""
    if not 1 <= record_id <= MAX_RECORD_ID:
        raise not_found(what, record_id)
    return record_id
