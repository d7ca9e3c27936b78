"""The casework server (``fortress serve``): a REST API under ``/api/v1`` with its OpenAPI
document at ``/openapi.json``.

Every endpoint is named in the access policy (``casework/policy.py``) and checked against
it before it runs; a refusal is 401 (not signed in) or 403 (not allowed) with no record data
in the body. Malformed input is a 4xx with a clear message; no stack trace ever reaches a
client.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fortress.casework import audit
from fortress.casework.audit import SEALER, AuditSealer
from fortress.casework.db import check_ready, row_security_warnings
from fortress.casework.models import AuditEntry, Operation, User
from fortress.casework.operations import (
    OperationProblem,
    OperationSummary,
    ResultInput,
    create_operation,
    get_operation,
    record_result,
    summary,
)
from fortress.casework.phones import SeizedPhones, seized_phones
from fortress.casework.public_reports import (
    RateLimit,
)
from fortress.casework.users import UserProblem, every_user, set_password
from fortress.server import (
    app_pages,
    intelligence_api,
    line_pages,
    lines_api,
    map_pages,
    network_pages,
    numbers_api,
    observe,
    pages,
    retention_api,
    safeguarding_api,
    schedules_api,
    sharing_api,
    sharing_pages,
    work_pages,
)
from fortress.server.bodies import MULTIPART_SLACK, Allowance, BoundedBodies
from fortress.server.cache import ResultCache
from fortress.server.deps import (
    API,
    CommittingRoute,
    Db,
    audit_refusal,
    check_id,
    checked_sign_in,
    open_session,
    requires,
    revoke_own_token,
    vouch_for_sender,
)
from fortress.server.jobs import JOBS_FOLDER, Jobs
from fortress.server.network_pages import NETWORK_MOST
from fortress.server.pages import SCRIPTED_POLICY, STATIC
from fortress.server.work_pages import UPLOAD_MOST
from fortress.sharing.bundles import MOST_BYTES
from fortress.store import row_security
from fortress.store.settings import DATABASE_ENV, WORKSPACE_ENV
from fortress.store.workspace import Workspace, own_engine


class Credentials(BaseModel):
    """A sign-in."""

    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1_000)


class PasswordChange(BaseModel):
    """Your current password and the new one."""

    current: str = Field(min_length=1, max_length=1_000)
    new: str = Field(min_length=1, max_length=1_000)


class TokenOut(BaseModel):
    """A bearer token for the ``Authorization`` header."""

    token: str
    token_type: str = "bearer"
    role: str


class Me(BaseModel):
    """The signed-in user."""

    name: str
    role: str
    agency: str | None


class UserOut(BaseModel):
    """A user as administrators see them (no password hash)."""

    id: int
    name: str
    role: str
    agency: str | None
    disabled: bool


class AuditOut(BaseModel):
    """An audit entry (ids, never content)."""

    seq: int
    at: str
    actor: str
    action: str
    record_type: str
    record_ids: str
    recipient: str | None


class OperationIn(BaseModel):
    """A new operation."""

    name: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date


class OperationOut(BaseModel):
    """An operation."""

    id: int
    name: str
    starts_on: date
    ends_on: date
    created_by: str


class ResultIn(BaseModel):
    """One result of an operation (see ``casework/operations.py`` for the kinds)."""

    kind: str = Field(max_length=32)
    count: int = Field(default=1, ge=1, le=100_000)
    label: str | None = Field(default=None, max_length=100)
    grams: str | None = Field(default=None, max_length=20, description="e.g. 12.5")
    pounds: str | None = Field(default=None, max_length=20, description="e.g. 1,240.50")
    imei: str | None = Field(
        default=None, max_length=40, description="14-16 digits; 15 with its Luhn check digit"
    )
    number: str | None = Field(default=None, max_length=32)
    age_band: str | None = Field(default=None, max_length=16, description="a stop-search's")
    on: date | None = None


class ResultOut(BaseModel):
    """A recorded result."""

    id: int
    kind: str
    count: int


def _warn_unless_bound(engine: Engine) -> None:
    """Log, at each server process's start, why row-level security would not bind the
    role the server connects as (PostgreSQL)."""
    for warning in row_security_warnings(engine):
        observe.LOGGER.warning(warning)


def create_app(engine: Engine, comms: Workspace | None = None) -> FastAPI:
    """The application over ``engine``'s casework tables (refused if not migrated);
    ``comms``: the workspace whose comms data and detection runs the pages read (over a
    connection pool of its own when it shares the casework database)."""
    check_ready(engine)
    app = FastAPI(
        title="Fortress casework",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=observe.ERROR_RESPONSES,
    )
    app.router.route_class = CommittingRoute
    app.state.engine = engine
    sealer = AuditSealer(own_engine(engine))
    app.state.sessions = sessionmaker(engine, expire_on_commit=False, info={SEALER: sealer})
    row_security.scope_sessions(app.state.sessions)
    app.router.on_shutdown.append(sealer.close)
    app.router.on_startup.append(functools.partial(_warn_unless_bound, engine))
    app.state.report_limit = RateLimit()
    app.state.comms = comms.with_own_pool() if comms and comms.engine is engine else comms
    app.state.results = ResultCache()
    app.state.jobs = Jobs(comms.root / JOBS_FOLDER if comms else None)
    observe.install(app)
    _refusals_as_pages(app)
    _security_headers(app)
    app.add_middleware(BoundedBodies, allowances=UPLOADS, vouch=vouch_for_sender)  # type: ignore[arg-type]
    routers = (intelligence_api.router, safeguarding_api.router, retention_api.router,
               lines_api.router, numbers_api.router, pages.router, app_pages.router,
               line_pages.router, work_pages.router, map_pages.router,
               network_pages.router, sharing_api.router, sharing_pages.router,
               schedules_api.router)  # fmt: skip
    for router in routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.post(f"{API}/session", response_model=TokenOut, tags=["session"])
    def sign_in(
        credentials: Credentials,
        request: Request,
        db: Db,
        _: Annotated[Any, Depends(requires("session.create"))],
    ) -> TokenOut:
        """Sign in with a name and password; answers a bearer token. Failures slow the
        next attempts at the name and from the address (429 with ``Retry-After``)."""
        user = checked_sign_in(request, db, credentials.name, credentials.password)
        return TokenOut(token=open_session(request, db, user, by_cookie=False), role=user.role)

    @app.put(f"{API}/session/password", status_code=204, response_class=Response,
             tags=["session"])  # fmt: skip
    def change_password(
        change: PasswordChange,
        request: Request,
        db: Db,
        user: Annotated[User, Depends(requires("password.change"))],
    ) -> Response:
        """Change your own password, giving the current one (checked and slowed as a
        sign-in is; 403 if wrong). Every session of yours ends, this one too: sign in again
        with the new password. 422 says which rule a new password breaks."""
        checked_sign_in(request, db, user.name, change.current,
                        wrong=(403, "that is not your current password"))  # fmt: skip
        try:
            set_password(db, user, change.new, actor=user.name)
        except UserProblem as exc:
            raise HTTPException(422, str(exc)) from exc
        return Response(status_code=204)

    @app.delete(f"{API}/session", status_code=204, response_class=Response, tags=["session"])
    def sign_out(
        request: Request, db: Db, user: Annotated[User, Depends(requires("session.delete"))]
    ) -> Response:
        """Sign out: the bearer token this request carries stops working at once (the
        user's other tokens go on)."""
        revoke_own_token(request, db, user)
        return Response(status_code=204)

    @app.get(f"{API}/me", response_model=Me, tags=["session"])
    def me(user: Annotated[User, Depends(requires("me.read"))]) -> Me:
        """Who is signed in."""
        return Me(name=user.name, role=user.role, agency=user.agency)

    @app.get(f"{API}/users", response_model=list[UserOut], tags=["users"])
    def users(db: Db, user: Annotated[User, Depends(requires("users.list"))]) -> list[UserOut]:
        """Every user (administrators)."""
        return [
            UserOut(id=u.id, name=u.name, role=u.role, agency=u.agency, disabled=u.disabled)
            for u in every_user(db, actor=user.name)
        ]

    @app.get(f"{API}/audit", response_model=list[AuditOut], tags=["audit"])
    def audit_log(
        db: Db,
        user: Annotated[User, Depends(requires("audit.read"))],
        after: Annotated[int, Query(ge=0, le=(1 << 63) - 1)] = 0,
    ) -> list[AuditOut]:
        """Audit entries after sequence number ``after`` (auditors; this read is audited)."""
        audit.collect_public_reports(db)
        db.commit()  # so that the log read has every report collected so far
        found = db.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(1000)
        ).all()
        audit.record(db, user.name, "consultation", "audit", [e.seq for e in found])
        return [
            AuditOut(
                seq=e.seq,
                at=e.at.isoformat(),
                actor=e.actor,
                action=e.action,
                record_type=e.record_type,
                record_ids=e.record_ids,
                recipient=e.recipient,
            )
            for e in found
        ]

    @app.post(
        f"{API}/operations", response_model=OperationOut, status_code=201, tags=["operations"]
    )
    def new_operation(
        body: OperationIn, db: Db, user: Annotated[User, Depends(requires("operations.create"))]
    ) -> OperationOut:
        """Open an operation."""
        try:
            made = create_operation(db, body.name, body.starts_on, body.ends_on, actor=user.name)
        except OperationProblem as exc:
            raise HTTPException(422, str(exc)) from exc
        return _operation_out(made)

    @app.get(f"{API}/operations/{{operation_id}}", response_model=OperationOut, tags=["operations"])
    def read_operation(
        operation_id: int, db: Db, user: Annotated[User, Depends(requires("operations.read"))]
    ) -> OperationOut:
        """One operation."""
        return _operation_out(_found(db, operation_id, user))

    @app.post(
        f"{API}/operations/{{operation_id}}/results", response_model=ResultOut, status_code=201,
        tags=["operations"],
    )  # fmt: skip
    def new_result(
        operation_id: int,
        body: ResultIn,
        db: Db,
        user: Annotated[User, Depends(requires("operations.record"))],
    ) -> ResultOut:
        """Record one action or result of the operation."""
        operation = _found(db, operation_id, user)
        try:
            made = record_result(db, operation, ResultInput(**body.model_dump()), actor=user.name)
        except OperationProblem as exc:
            raise HTTPException(422, str(exc)) from exc
        return ResultOut(id=made.id, kind=made.kind, count=made.count)

    @app.get(
        f"{API}/operations/{{operation_id}}/summary", response_model=OperationSummary,
        tags=["operations"],
    )  # fmt: skip
    def operation_summary(
        operation_id: int, db: Db, user: Annotated[User, Depends(requires("operations.summary"))]
    ) -> OperationSummary:
        """Totals and a press-ready paragraph, from the recorded results only."""
        return summary(session=db, operation=_found(db, operation_id, user), actor=user.name)

    @app.get(
        f"{API}/operations/{{operation_id}}/phones", response_model=SeizedPhones,
        tags=["operations"],
    )  # fmt: skip
    def operation_phones(
        operation_id: int, db: Db, user: Annotated[User, Depends(requires("operations.phones"))]
    ) -> SeizedPhones:
        """The phones the operation seized, against the workspace's comms data: the deal
        line a number belongs to (latest detection run) and its handsets with dates."""
        return seized_phones(session=db, operation=_found(db, operation_id, user), comms=comms,
                             actor=user.name)  # fmt: skip

    return app


UPLOADS: Final = {
    "/app/work/uploads": Allowance(UPLOAD_MOST + MULTIPART_SLACK, "app.upload"),
    "/app/network/files": Allowance(NETWORK_MOST + MULTIPART_SLACK, "app.network_upload"),
    "/app/sharing/received": Allowance(MOST_BYTES + MULTIPART_SLACK, "app.share_import"),
    f"{API}/received-bundles": Allowance(MOST_BYTES + 1, "shares.import"),  # its own check
}  # fmt: skip
"""The addresses that take a file, how large a body each reads, and (as its policy
endpoint) who may send one larger than an ordinary body."""


def _refusals_as_pages(app: FastAPI) -> None:
    """A person in a browser asking for a page gets a refusal as a page; the API and
    every other caller get the JSON answer. A refused request for a record is audited as
    a security event first."""

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (401, 403, 404):
            await run_in_threadpool(audit_refusal, request, exc.status_code)
        if pages.wants_page(request):
            answer: Response = pages.refusal_page(exc.status_code, str(exc.detail))
            answer.headers.update(exc.headers or {})
            return answer
        return observe.refused_json(exc)


def from_environment() -> FastAPI:
    """The app for a worker process of ``fortress serve --workers N``: the workspace and
    database that ``serve`` checked, passed in its environment."""
    import os

    workspace = Workspace.open(
        Path(os.environ[WORKSPACE_ENV]), database_url=os.environ.get(DATABASE_ENV) or None
    )
    return create_app(workspace.engine, comms=workspace)


def _found(db: Session, operation_id: int, user: User) -> Operation:
    try:
        return get_operation(db, check_id("operation", operation_id), actor=user.name)
    except LookupError as exc:
        raise HTTPException(404, "no such operation") from exc


def _operation_out(operation: Operation) -> OperationOut:
    return OperationOut(
        id=operation.id, name=operation.name, starts_on=operation.starts_on,
        ends_on=operation.ends_on, created_by=operation.created_by,
    )  # fmt: skip


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
"""Pages run no script and load nothing: even text that escaped escaping could not."""


def _security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)  # type: ignore[arg-type]


class SecurityHeaders:
    """ASGI middleware adding the security headers to every answer. Plain ASGI rather than
    ``@app.middleware("http")``, whose task group and memory stream per request showed in
    profiles of the server under load."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        https = scope.get("scheme") == "https"  # the outside scheme, behind a trusted proxy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # personal data: no copies in caches (map tiles and glyphs, public data,
                # set their own)
                headers.setdefault("Cache-Control", "no-store")
                if static:  # a worker runs under its script's policy
                    headers["Content-Security-Policy"] = SCRIPTED_POLICY
                elif "Content-Security-Policy" not in headers:  # a scripted page sets its own
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if https:  # a browser that once met the server over https keeps to it
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, send_with_headers)
