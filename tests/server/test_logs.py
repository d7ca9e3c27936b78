"""The server's logs: one JSON line per request (method, route template, status, duration,
user id), a correlation id in the X-Request-ID header, in every error answer and in the log
line, and an unhandled exception's traceback in the log only. No personal data: not the
path as sent, no query string, no client address."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from fortress.server.app import CONTENT_SECURITY_POLICY, create_app
from fortress.server.observe import LOGGER, JsonLines
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, sign_in

PHONE = "07700900123"
SECURITY_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff",
                    "referrer-policy": "no-referrer",
                    "content-security-policy": CONTENT_SECURITY_POLICY}  # fmt: skip


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        yield caplog


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The server's records as its JSON lines."""
    formatter = JsonLines()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == LOGGER.name]


def test_an_unhandled_exception_answers_500_with_the_id_and_logs_the_traceback(
    casework: Workspace, logged: pytest.LogCaptureFixture
) -> None:
    app = create_app(casework.engine)
    broken = APIRouter()

    @broken.get("/api/v1/broken/{thing}")
    def fails(thing: str) -> dict[str, str]:
        raise RuntimeError(f"bug while handling {thing}")

    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/broken/x")
    assert answer.status_code == 500
    body = answer.json()
    assert body["request_id"] == answer.headers["x-request-id"]
    assert "bug while" not in answer.text and "Traceback" not in answer.text
    for header, value in SECURITY_HEADERS.items():  # the usual headers, even on a 500
        assert answer.headers[header] == value, header
    [line] = [line for line in _lines(logged) if line.get("request_id") == body["request_id"]]
    assert line["level"] == "error" and line["status"] == 500
    assert line["route"] == "/api/v1/broken/{thing}" and line["method"] == "GET"
    traceback = str(line["traceback"])
    assert "Traceback" in traceback and "RuntimeError: bug while handling x" in traceback


def test_every_answer_carries_its_id_and_errors_repeat_it(
    client: TestClient, logged: pytest.LogCaptureFixture
) -> None:
    given = str(uuid.uuid4())
    refused = client.get("/api/v1/me", headers={"X-Request-ID": given})
    assert refused.status_code == 401 and refused.json()["request_id"] == given
    assert refused.headers["x-request-id"] == given
    malformed = client.post("/api/v1/session", json={})
    assert malformed.status_code == 422 and malformed.json()["problems"]
    assert malformed.json()["request_id"] == malformed.headers["x-request-id"]
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["request_id"]
    ok = client.get("/api/v1/me", headers=sign_in(client, "analyst"))
    assert ok.status_code == 200 and uuid.UUID(ok.headers["x-request-id"])
    # an id that could carry anything (a phone number, a name) is replaced by a new one
    forged = client.get("/api/v1/me", headers={"X-Request-ID": PHONE})
    assert forged.headers["x-request-id"] != PHONE and PHONE not in str(_lines(logged))
    by_id = {line.get("request_id"): line for line in _lines(logged)}
    assert by_id[given]["status"] == 401 and by_id[given]["route"] == "/api/v1/me"
    me = by_id[ok.headers["x-request-id"]]
    assert isinstance(me["user_id"], int) and "analyst" not in json.dumps(me)
    assert isinstance(me["duration_ms"], float)


def test_an_error_page_shows_its_id(client: TestClient) -> None:
    answer = client.post("/report", data={"category": "cuckooing", "description": "short"})
    assert answer.status_code == 422
    assert f"Reference (if you need help with this page): {answer.headers['x-request-id']}" in (
        answer.text
    )
    assert "Reference" not in client.get("/report").text


def test_logs_hold_no_phone_number_from_the_path_or_the_query(
    client: TestClient, logged: pytest.LogCaptureFixture
) -> None:
    headers = sign_in(client, "analyst")
    client.get(f"/api/v1/people/{PHONE}", headers=headers)
    client.get(f"/api/v1/intelligence?phone={PHONE}", headers=headers)
    client.get(f"/api/v1/phones/{PHONE}", headers=headers)  # no such route
    lines = _lines(logged)
    assert {line["route"] for line in lines} >= {"/api/v1/people/{person_id}",
                                                 "/api/v1/intelligence", None}  # fmt: skip
    assert PHONE not in str(lines) and PHONE[1:] not in str(lines)
    assert all("testclient" not in json.dumps(line) for line in lines)  # the client's address


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(url: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_fortress_serve_writes_json_lines_without_the_client_address(
    casework: Workspace, tmp_path: Path
) -> None:
    """The real server over loopback: every line is JSON, none holds 127.0.0.1 (the
    client's address: the server listens on ``localhost``), a forwarded address or a phone
    number from a path."""
    port = _free_port()
    url = casework.engine.url.render_as_string(hide_password=False)
    command = [str(Path(sys.executable).with_name("fortress")), "--workspace", str(casework.root),
               "serve", "--host", "localhost", "--port", str(port)]  # fmt: skip
    env = {**os.environ, "FORTRESS_DATABASE_URL": url} if url.startswith("postgres") else None
    errors = tmp_path / "stderr"
    base = f"http://localhost:{port}"
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    with errors.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=sink, env=env)
        try:
            for _ in range(300):
                try:
                    _call(f"{base}/signin")
                    break
                except OSError:
                    time.sleep(0.1)
            signed_in = json.dumps({"name": "analyst", "password": PASSWORD}).encode()
            status, token = _call(f"{base}/api/v1/session", signed_in,
                                  **{"Content-Type": "application/json"})  # fmt: skip
            assert status == 200, token
            bearer = {"Authorization": f"Bearer {json.loads(token)['token']}"}
            status, _ = _call(f"{base}/api/v1/people/{PHONE}", **bearer, **forwarded)
            assert status == 404
            report = {"category": "cuckooing", "description": f"Call {PHONE} now"}
            form = urllib.parse.urlencode(report).encode()
            assert _call(f"{base}/report", form, **forwarded)[0] == 200
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    logged = errors.read_text()
    lines = [json.loads(line) for line in logged.splitlines() if line.strip()]
    assert lines and all(isinstance(line, dict) for line in lines)
    routes = {line.get("route") for line in lines}
    assert {"/api/v1/session", "/api/v1/people/{person_id}"} <= routes
    assert "/report" not in routes  # a public report's arrival is never timed in a log
    assert "127.0.0.1" not in logged and "203.0.113.9" not in logged
    assert PHONE not in logged and PHONE[1:] not in logged
    warned = [line["message"] for line in lines if line["level"] == "warning"]
    if env:  # served as the tables' owner, which row-level security binds but could lift
        assert any("the records' owner" in message for message in warned), warned
