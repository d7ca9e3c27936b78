"""What the server tells its operators, and the one answer every error gets.

Each request has a correlation id: the caller's ``X-Request-ID`` when it is a UUID (or 32
hex digits, as proxies such as nginx make them), else a new UUID. It is sent back in the
``X-Request-ID`` header and in the body of every error answer, and it is in the request's
log line, so an officer quoting it lets an administrator find what happened.

A log line is one JSON object (stdlib ``logging``, logger ``fortress.server``): the method,
the route's template (``/api/v1/intelligence/{item_id}``, never the path as sent, which can
hold a phone number or a registration), the status, the duration and the signed-in user's
id (not their name). No query string, no client address, no header, no body. A request that
raises answers 500 with the id and nothing else; the log gets the traceback.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import os
import queue
import random
import re
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fortress.store.workspace import is_disk_full

LOGGER: Final = logging.getLogger("fortress.server")
REQUEST_ID_HEADER: Final = "X-Request-ID"
_WELL_FORMED = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{32})$"
)
"""A caller's id is taken only in a shape that cannot carry a phone number or a name."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class ErrorOut(BaseModel):
    """Every error answer: what went wrong, for a malformed request each problem, and the
    correlation id to quote."""

    detail: str
    problems: list[str] | None = None
    request_id: str


ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    "4XX": {"model": ErrorOut, "description": "Refused: the detail says why"},
    "5XX": {"model": ErrorOut, "description": "Not done: quote the request_id"},
}
"""Documented on every operation (and replacing FastAPI's own 422 schema, which is not
what this server answers)."""


@dataclass(slots=True)
class RequestLog:
    """What the request's log line will say, filled in as the request goes."""

    request_id: str
    user_id: int | None = None


_CURRENT: ContextVar[RequestLog | None] = ContextVar("fortress_request", default=None)


def request_id() -> str | None:
    """The correlation id of the request being answered (None outside one)."""
    current = _CURRENT.get()
    return current.request_id if current else None


def note_user(user_id: int) -> None:
    """Record who is signed in, for the log line (the id only)."""
    current = _CURRENT.get()
    if current is not None:
        current.user_id = user_id


_IDS = random.Random(os.urandom(32))
"""Where new request ids come from: a correlation id is not a secret, and ``uuid4``'s
system call per request was a sixth of the event loop thread's samples under load (py-spy)."""


def new_request_id() -> str:
    """A random (version 4) UUID for a request that brought no id of its own."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


def _given_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _WELL_FORMED.match(text) else None
    return None


UNLOGGED: Final = {("POST", "/report")}
"""Requests whose arrival no log line marks: a public report's time, matched against
network logs, could find its sender (a failure is still logged, holding no report)."""


def _route(scope: Scope) -> str | None:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class Correlated:
    """ASGI middleware: the correlation id, the log line, and the 500 for an unhandled
    exception (logged with its traceback; the client gets only the id)."""

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        log = RequestLog(_given_id(scope) or new_request_id())
        token = _CURRENT.set(log)
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), log.request_id.encode()))
                message["headers"] = headers
            await send(message)

        failure: BaseException | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # every bug answers 500 and is logged
            failure = exc
            if status is None:
                answer = _error(500, "the server could not do this: quote the request id",
                                log.request_id)  # fmt: skip
                await answer(scope, receive, send_with_id)
            status = 500
        finally:
            _CURRENT.reset(token)
            fields = {
                "request_id": log.request_id,
                "method": scope.get("method"),
                "route": _route(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": log.user_id,
            }
            if failure is not None:
                LOGGER.error("unhandled exception", extra=fields, exc_info=failure)
            elif (fields["method"], fields["route"]) not in UNLOGGED:
                LOGGER.info("request", extra=fields)


def _error(status: int, detail: str, correlation: str | None, **more: Any) -> JSONResponse:
    body = ErrorOut(detail=detail, request_id=correlation or "", **more)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def refused_json(exc: StarletteHTTPException) -> JSONResponse:
    """A refusal as the API answers it: the reason and the correlation id."""
    answer = _error(exc.status_code, str(exc.detail), request_id())
    answer.headers.update(exc.headers or {})
    return answer


def install(app: FastAPI) -> None:
    """The correlation middleware (outermost but for Starlette's own error middleware, which
    it leaves nothing to do) and the handlers that put the id in every error answer."""
    app.add_middleware(Correlated)  # type: ignore[arg-type]

    @app.exception_handler(StarletteHTTPException)
    async def refused(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return refused_json(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in error.get('loc', ()) if p != 'body')}: {error.get('msg')}"
            for error in exc.errors()
        ]
        return _error(422, "invalid request", request_id(), problems=problems)

    @app.exception_handler(OSError)
    async def no_space(_: Request, exc: OSError) -> JSONResponse:
        if not is_disk_full(exc):
            raise exc
        return _full_disk(exc)

    @app.exception_handler(SQLAlchemyError)
    async def unwritable(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        # the request's transaction (the act and its audit entry together) was rolled back
        if is_disk_full(exc):
            return _full_disk(exc)
        LOGGER.error("database error", extra={"request_id": request_id()}, exc_info=exc)
        return _error(
            503,
            "the records could not be read or written (audit included); nothing was changed: "
            "try again, or tell the administrator",
            request_id(),
        )


def _full_disk(exc: BaseException) -> JSONResponse:
    """507: the server's disk is full; what the request was doing was rolled back."""
    LOGGER.error("disk full", extra={"request_id": request_id()}, exc_info=exc)
    said = "the server's disk is full: nothing was changed; tell the administrator"
    return _error(507, said, request_id())


_RECORD_FIELDS: Final = ("request_id", "method", "route", "status", "duration_ms", "user_id")


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request's fields, and
    for an exception its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _RECORD_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, default=str)


JsonLines.converter = time.gmtime  # type: ignore[assignment]


class BackgroundStderr(logging.handlers.QueueHandler):
    """JSON lines on standard error, formatted and written by a thread of their own: a
    line per request written on the event loop was a sixth of its thread's samples under
    load (py-spy). Lines still queued are written when the process exits normally (not
    when it is killed)."""

    def __init__(self) -> None:
        super().__init__(queue.SimpleQueue())
        target = logging.StreamHandler(sys.stderr)
        target.setFormatter(JsonLines())
        self.listener = logging.handlers.QueueListener(self.queue, target)
        self.listener.start()
        atexit.register(self.listener.stop)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """The record as it is (the writing thread formats it, traceback included)."""
        return record


LOG_CONFIG: Final[dict[str, Any]] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"()": f"{__name__}.BackgroundStderr"}},
    "loggers": {
        name: {"handlers": ["stderr"], "level": "INFO", "propagate": False}
        for name in ("fortress.server", "uvicorn", "uvicorn.error")
    },
}
"""``fortress serve``'s logging (uvicorn applies it in every worker process): the server's
and uvicorn's own records as JSON lines on standard error. uvicorn's access log stays off:
its lines hold the client's address and the path as sent."""
