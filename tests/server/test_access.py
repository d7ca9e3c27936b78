"""Access control, generated from the policy table: every role (and no sign-in) against
every endpoint; a refusal carries no record data."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from typer.testing import CliRunner

from fortress.casework.policy import POLICY, PUBLIC
from fortress.casework.public_reports import RateLimit
from fortress.casework.users import ROLES
from fortress.cli.main import app
from fortress.server.app import UPLOADS, create_app
from fortress.server.cache import ResultCache
from fortress.store.workspace import RECORDS, Workspace
from helpers.casework import PASSWORD, sign_in, signin_form

OPERATION = "/api/v1/operations/1"
FORM = {"category": "cuckooing", "description": "Strangers at number 4 every night."}
ITEM = {
    "text": "Seen at the flat",
    "grade": {"source_evaluation": "2", "assessment": "B", "handling_code": "P"},
    "links": [{"type": "vehicle", "value": "ab12 cde"}],
}
GRADE = {"grade": {"source_evaluation": "2", "assessment": "C", "handling_code": "P"}}
NEEDS_DETECTION = {  # this database has no comms workspace, so no line
    "app.line", "app.line_verdict", "app.link_verdict", "lines.list", "lines.read", "lines.judge",
    "lines.judge_link", "numbers.read", "numbers.profile", "schedules.read", "app.schedule",
    "app.schedule_file", "app.number", "app.number_profile", "app.places_geojson",
    "app.upload",
    "app.detect", "app.job", "app.places_points", "app.map_tile", "app.line_map",
    "network.chart", "network.expand", "network.measures", "network.whatif", "network.export",
    "app.network_upload", "shares.request", "shares.decide", "shares.bundle", "shares.import",
    "shares.review", "app.share_request", "app.share_decide", "app.share_bundle",
    "app.share_import", "app.share_received", "app.share_review",
}  # fmt: skip
FORMS = {"report.submit", "reports.grade_form", "reports.dismiss_form", "signin.submit", "signout",
         "app.line_verdict", "app.link_verdict", "app.help_save", "app.upload",
         "app.detect", "app.retention_review", "app.disclosure_decide",
         "app.network_upload", "app.intelligence_create",
         "app.disclosure_request", "app.share_request", "app.share_decide",
         "app.share_bundle", "app.share_import", "app.share_review"}  # HTML forms  # fmt: skip


@pytest.fixture(scope="module")
def shared_sqlite(
    seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Path, Path]]:
    """One server over a copy of the seeded SQLite workspace for the whole module: FastAPI
    builds each app's routes on its first request, which cost more than the tests
    themselves when every test made its own app. Each test restores the database."""
    live = tmp_path_factory.mktemp("access") / "ws"
    shutil.copytree(seeded_sqlite, live)
    workspace = Workspace.open(live)
    with TestClient(create_app(workspace.engine), raise_server_exceptions=False) as opened:
        yield opened, seeded_sqlite / RECORDS, live / RECORDS
    workspace.engine.dispose()


@pytest.fixture
def client(database_url: str | None, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """On SQLite, the module's server with the seeded records restored (SQLite's online
    backup, which the pooled connections see) and its sign-in and report limits reset, as
    a new server has them; on PostgreSQL, or for a test that changes the records itself, a
    new server over new records."""
    if database_url is not None or "casework" in request.fixturenames:
        casework: Workspace = request.getfixturevalue("casework")
        with TestClient(create_app(casework.engine), raise_server_exceptions=False) as opened:
            yield opened
        return
    opened, template, live = request.getfixturevalue("shared_sqlite")
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(live)) as target:
        source.backup(target)
    state = opened.app.state  # type: ignore[attr-defined]
    state.report_limit = RateLimit()
    state.results = ResultCache()
    opened.cookies.clear()
    yield opened


LINE = "line-0123456789"
BUNDLE = "00000000-0000-4000-8000-000000000001"
CALLS = {  # endpoint name -> (method, path, JSON body); the records of seed_records exist
    "session.create": ("POST", "/api/v1/session", {"name": "analyst", "password": PASSWORD}),
    "me.read": ("GET", "/api/v1/me", None),
    "session.delete": ("DELETE", "/api/v1/session", None),
    "password.change": ("PUT", "/api/v1/session/password",
                        {"current": PASSWORD, "new": "a fresh passphrase for the change test"}),
    "users.list": ("GET", "/api/v1/users", None),
    "audit.read": ("GET", "/api/v1/audit", None),
    "operations.create": (
        "POST", "/api/v1/operations",
        {"name": "Op", "starts_on": "2025-03-04", "ends_on": "2025-03-10"},
    ),
    "operations.read": ("GET", OPERATION, None),
    "operations.record": ("POST", OPERATION + "/results", {"kind": "arrest"}),
    "operations.summary": ("GET", OPERATION + "/summary", None),
    "operations.phones": ("GET", OPERATION + "/phones", None),
    "report.form": ("GET", "/report", None),
    "report.submit": ("POST", "/report", FORM),
    "help.page": ("GET", "/help", None),
    "favicon": ("GET", "/favicon.ico", None),
    "reports.triage": ("GET", "/triage", None),
    "reports.grade_form": (
        "POST", "/triage/1", {"source_evaluation": "2", "assessment": "C", "handling_code": "P"},
    ),
    "signin.form": ("GET", "/signin", None),
    "signin.submit": ("POST", "/signin", {"name": "analyst", "password": PASSWORD}),
    "signout": ("POST", "/signout", {}),
    "reports.list": ("GET", "/api/v1/reports", None),
    "reports.grade": ("POST", "/api/v1/reports/1/intelligence", GRADE),
    "reports.dismiss": ("POST", "/api/v1/reports/1/dismissal", {"reason": "spam"}),
    "reports.dismiss_form": ("POST", "/triage/1/dismissal", {"reason": "spam"}),
    "intelligence.create": ("POST", "/api/v1/intelligence", ITEM),
    "intelligence.search": ("GET", "/api/v1/intelligence?phone=07700900123", None),
    "intelligence.read": ("GET", "/api/v1/intelligence/1", None),
    "intelligence.export": ("GET", "/api/v1/exports/intelligence?format=xlsx", None),
    "disclosures.request": (
        "POST", "/api/v1/intelligence/1/disclosures", {"recipient": "HMRC", "purpose": "tax"},
    ),
    "disclosures.list": ("GET", "/api/v1/disclosures", None),
    "disclosures.decide": (
        "POST", "/api/v1/disclosures/2/decision", {"approve": True, "reason": "needed"},
    ),
    "disclosures.send": ("GET", "/api/v1/disclosures/1", None),
    "people.create": ("POST", "/api/v1/people", {"name": "Three", "victim": "exploited_adult"}),
    "people.read": ("GET", "/api/v1/people/1", None),
    "referrals.create": (
        "POST", "/api/v1/referrals",
        {"person_id": 1, "agency": "Treatment service", "reason": "uses crack"},
    ),
    "referrals.list": ("GET", "/api/v1/referrals", None),
    "referrals.read": ("GET", "/api/v1/referrals/1", None),
    "referrals.update": ("PATCH", "/api/v1/referrals/1", {"status": "accepted"}),
    "referrals.export": ("GET", "/api/v1/exports/referrals?format=csv", None),
    "retention.queue": ("GET", "/api/v1/retention/due?on=2040-01-01", None),
    "retention.review": (
        "POST", "/api/v1/retention/intelligence/1/review",
        {"decision": "retain", "reason": "live line"},
    ),
    "retention.hold": ("PUT", "/api/v1/retention/intelligence/1/hold", {"reason": "R v X"}),
    "retention.release": ("DELETE", "/api/v1/retention/intelligence/2/hold", None),
    "lines.list": ("GET", "/api/v1/lines", None),
    "lines.read": ("GET", f"/api/v1/lines/{LINE}", None),
    "lines.judge": ("POST", f"/api/v1/lines/{LINE}/verdict", {"verdict": "confirmed"}),
    "lines.judge_link": (
        "POST", f"/api/v1/lines/{LINE}/links", {"old": "+447700900001", "new": "+447700900002",
                                                 "verdict": "unsure"},
    ),
    "numbers.read": ("GET", "/api/v1/numbers/07700900123", None),
    "numbers.profile": ("GET", "/api/v1/numbers/07700900123/profile?from=2025-01-06", None),
    "schedules.read": ("GET", "/api/v1/schedules?numbers=07700900123&format=csv", None),
    "shares.request": (
        "POST", "/api/v1/line-exports",
        {"lines": [LINE], "recipient": "Sussex", "purpose": "joint operation",
         "grade": {"source_evaluation": "2", "assessment": "B", "handling_code": "P"}},
    ),
    "shares.list": ("GET", "/api/v1/line-exports", None),
    "shares.decide": (
        "POST", "/api/v1/line-exports/1/decision", {"approve": True, "reason": "needed"},
    ),
    "shares.bundle": ("GET", "/api/v1/line-exports/1/bundle", None),
    "shares.import": ("POST", "/api/v1/received-bundles", None),
    "shares.received": ("GET", "/api/v1/received-bundles", None),
    "shares.review": (
        "POST", f"/api/v1/received-bundles/{BUNDLE}/decision",
        {"approve": True, "reason": "checked"},
    ),
    "app.home": ("GET", "/", None),
    "app.lines": ("GET", "/app/lines", None),
    "app.line": ("GET", f"/app/lines/{LINE}", None),
    "app.line_verdict": ("POST", f"/app/lines/{LINE}/verdict", {"verdict": "confirmed"}),
    "app.link_verdict": (
        "POST", f"/app/lines/{LINE}/links", {"old": "+447700900001", "new": "+447700900002",
                                              "verdict": "unsure"},
    ),
    "app.number": ("GET", "/app/numbers/07700900123", None),
    "app.schedule": ("GET", "/app/schedule?numbers=07700900123", None),
    "app.number_profile": ("GET", "/app/numbers/07700900123/profile", None),
    "app.schedule_file": ("GET", "/app/schedule/file?numbers=07700900123&format=xlsx", None),
    "app.intelligence": ("GET", "/app/intelligence?kind=phone&value=07700900123", None),
    "app.intelligence_item": ("GET", "/app/intelligence/1", None),
    "app.disclosure_request": (
        "POST", "/app/intelligence/1/disclosures", {"recipient": "HMRC", "purpose": "tax"},
    ),
    "app.intelligence_create": (
        "POST", "/app/intelligence",
        {"text": "Seen at the flat", "source_evaluation": "2", "assessment": "B",
         "handling_code": "P"},
    ),
    "app.operations": ("GET", "/app/operations", None),
    "app.operation": ("GET", "/app/operations/1", None),
    "app.places": ("GET", "/app/places", None),
    "app.work": ("GET", "/app/work", None),
    "app.upload": ("POST", "/app/work/uploads", {"kind": "comms"}),
    "app.detect": ("POST", "/app/work/detection", {}),
    "app.job": ("GET", "/app/work/jobs/0123456789ab", None),
    "app.places_geojson": ("GET", "/app/places/hotspots.geojson?area=Gosport", None),
    "app.places_points": ("GET", "/app/places/points.geojson?area=Gosport", None),
    "app.map_style": ("GET", "/app/map/style.json", None),
    "app.line_map": ("GET", f"/app/lines/{LINE}/cells.geojson", None),
    "app.network": ("GET", "/app/network", None),
    "app.network_upload": ("POST", "/app/network/files", {}),
    "network.chart": ("GET", "/api/v1/network/chart?number=07700900123", None),
    "network.expand": ("POST", "/api/v1/network/expansion", {"numbers": ["07700900123"]}),
    "network.measures": ("POST", "/api/v1/network/measures", {"nodes": ["07700900123"]}),
    "network.whatif": ("POST", "/api/v1/network/whatif", {"nodes": ["07700900123"]}),
    "network.export": ("POST", "/api/v1/network/export", {"nodes": ["07700900123"]}),
    "app.map_tile": ("GET", "/app/map/tiles/14/8139/5499.pbf", None),
    "app.map_glyphs": ("GET", "/app/map/glyphs/Noto Sans Regular/0-255.pbf", None),
    "app.disclosures": ("GET", "/app/disclosures", None),
    "app.disclosure_decide": (
        "POST", "/app/disclosures/2", {"decision": "approve", "reason": "needed"},
    ),
    "app.help": ("GET", "/app/help", None),
    "app.retention": ("GET", "/app/retention", None),
    "app.retention_review": ("POST", "/app/retention/intelligence/1", {"decision": "retain"}),
    "app.help_save": (
        "POST", "/app/help", {"name": "Local", "helps": "Anyone", "contact": "01632 960000"},
    ),
    "app.referrals": ("GET", "/app/referrals", None),
    "app.sharing": ("GET", "/app/sharing", None),
    "app.share_request": (
        "POST", "/app/sharing/exports",
        {"lines": LINE, "recipient": "Sussex", "purpose": "joint operation",
         "source_evaluation": "2", "assessment": "B", "handling_code": "P",
         "marking": "OFFICIAL"},
    ),
    "app.share_decide": (
        "POST", "/app/sharing/exports/1/decision", {"decision": "approve", "reason": "needed"},
    ),
    "app.share_bundle": ("POST", "/app/sharing/exports/1/bundle", {}),
    "app.share_import": ("POST", "/app/sharing/received", {}),
    "app.share_received": ("GET", f"/app/sharing/received/{BUNDLE}", None),
    "app.share_review": (
        "POST", f"/app/sharing/received/{BUNDLE}/decision",
        {"decision": "accept", "reason": "checked"},
    ),
    "app.audit": ("GET", "/app/audit", None),
    "app.users": ("GET", "/app/users", None),
}  # fmt: skip


def test_every_endpoint_is_in_the_policy_and_in_these_tests(client: TestClient) -> None:
    assert set(CALLS) == set(POLICY)
    served = {  # every route is in the OpenAPI document (none is hidden from it)
        (method.upper(), path)
        for path, methods in client.get("/openapi.json").json()["paths"].items()
        for method in methods
    }
    assert served == {(method, _template(path)) for method, path, _ in CALLS.values()}


def _template(path: str) -> str:
    """A called path as its route's template (``/x/1/y`` -> ``/x/{id}/y``)."""
    templates = {
        "operations": "operation_id", "intelligence": "item_id", "reports": "report_id",
        "disclosures": "disclosure_id", "people": "person_id", "referrals": "referral_id",
        "triage": "report_id", "line-exports": "export_id", "exports": "export_id",
    }  # fmt: skip
    if path.startswith("/app/map/"):
        kind = path.split("/")[3]
        return {"tiles": "/app/map/tiles/{z}/{x}/{y}.pbf",
                "glyphs": "/app/map/glyphs/{fontstack}/{glyphs}.pbf"}.get(kind, path)  # fmt: skip
    parts = path.split("?")[0].split("/")
    for i, part in enumerate(parts[1:], start=1):
        if parts[i - 1] == "lines":
            parts[i] = "{line_id}"
        elif parts[i - 1] == "numbers":
            parts[i] = "{number}"
        elif parts[i - 1] == "jobs":
            parts[i] = "{job_id}"
        elif parts[i - 1] in ("received-bundles", "received"):
            parts[i] = "{bundle_id}"
        elif part.isdigit():
            if parts[i - 2] == "retention":  # /api/v1/retention/{type}/{id}, /app/retention/...
                parts[i - 1], parts[i] = "{record_type}", "{record_id}"
            else:
                parts[i] = "{" + templates[parts[i - 1]] + "}"
    return "/".join(parts)


def _call(client: TestClient, endpoint: str, role: str | None) -> Response:
    method, path, body = CALLS[endpoint]
    headers = sign_in(client, role) if role else {}
    if endpoint == "signin.submit":  # from the sign-in page, as a browser sends it
        body = {**(body or {}), **signin_form(client)}
    if endpoint in FORMS:  # a form answers a page, or a redirect (303) to the next one
        return client.request(method, path, data=body, headers=headers, follow_redirects=False)
    return client.request(method, path, json=body, headers=headers)


def _may(role: str | None, endpoint: str) -> bool:
    return PUBLIC in POLICY[endpoint] or role in POLICY[endpoint]


ALLOWED = [(e, r) for e in sorted(POLICY) for r in (None, *ROLES) if _may(r, e)]
ROLES_ALLOWED = {e: [r for endpoint, r in ALLOWED if endpoint == e] for e in POLICY}
ONE_ALLOWED = [  # per API endpoint, one role allowed it; the roles taken in turn (the app's
    (e, ROLES_ALLOWED[e][i % len(ROLES_ALLOWED[e])])  # pages call the same functions: their
    for i, e in enumerate(sorted(POLICY))  # database work is the API's, on PostgreSQL too)
    if not e.startswith("app.")
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("endpoint", "role"), ALLOWED)
def test_allowed_role_is_served(client: TestClient, endpoint: str, role: str | None) -> None:
    _check_served(client, endpoint, role)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("endpoint", "role"), ONE_ALLOWED)
def test_every_endpoint_is_served_on_postgresql(
    client: TestClient, endpoint: str, role: str | None
) -> None:
    """The whole matrix runs on SQLite; the policy does not depend on the database, so
    PostgreSQL serves each endpoint once (the database's own behaviour)."""
    _check_served(client, endpoint, role)


def _check_served(client: TestClient, endpoint: str, role: str | None) -> None:
    answer = _call(client, endpoint, role)
    if endpoint in NEEDS_DETECTION:  # past the policy: the line is not there (tested served
        assert answer.status_code == 404, answer.text  # in test_app_pages.py)
        return
    assert answer.status_code in (200, 201, 204, 303), answer.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the policy's own work
@pytest.mark.parametrize("endpoint", sorted(e for e in POLICY if PUBLIC not in POLICY[e]))
def test_every_other_role_is_refused(client: TestClient, endpoint: str) -> None:
    for role in (None, *ROLES):  # refusals change nothing, so one database serves them all
        if _may(role, endpoint):
            continue
        answer = _call(client, endpoint, role)
        assert answer.status_code == (401 if role is None else 403), (role, answer.text)
        assert set(answer.json()) == {"detail", "request_id"}  # a reason, no record data
        for name in ROLES:
            assert name not in answer.text.replace("your role may not do this", "")


def test_tokens_and_sign_in_failures(client: TestClient) -> None:
    wrong = client.post("/api/v1/session", json={"name": "analyst", "password": "not it at all"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong name or password"
    nobody = client.post("/api/v1/session", json={"name": "nobody", "password": PASSWORD})
    assert (
        nobody.status_code == 401 and nobody.json()["detail"] == wrong.json()["detail"]
    )  # no hint
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    me = client.get("/api/v1/me", headers=sign_in(client, "safeguarding_partner")).json()
    assert me == {"name": "safeguarding_partner", "role": "safeguarding_partner",
                  "agency": "Children's Services"}  # fmt: skip


def test_a_user_can_revoke_their_own_bearer_token(client: TestClient) -> None:
    """A probe found no API sign-out, and ``POST /signout`` with a bearer answering 303
    while the token went on working."""
    kept, revoked = sign_in(client, "analyst"), sign_in(client, "analyst")
    assert client.delete("/api/v1/session", headers=revoked).status_code == 204
    assert client.get("/api/v1/me", headers=revoked).status_code == 401
    assert client.delete("/api/v1/session", headers=revoked).status_code == 401
    assert client.get("/api/v1/me", headers=kept).status_code == 200  # only that one
    by_form = sign_in(client, "analyst")
    answer = client.post("/signout", headers=by_form, follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/api/v1/me", headers=by_form).status_code == 401
    assert client.get("/api/v1/me", headers=kept).status_code == 200


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "analyst"}, "password"),
        ({"name": "", "password": "x"}, "name"),
        ("not json", ""),
        ({"name": ["analyst"], "password": PASSWORD}, "name"),
    ],
)
def test_malformed_input_is_a_clear_4xx(client: TestClient, body: object, where: str) -> None:
    answer = client.post("/api/v1/session", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"] == "invalid request"
    assert where in " ".join(answer.json()["problems"])
    assert "Traceback" not in answer.text


def test_a_body_is_read_no_further_than_its_address_allows(client: TestClient) -> None:
    """A probe's anonymous 50 MB JSON sign-in was read whole: now a declared length over
    1 MiB is refused before reading, and an undeclared (chunked) body once 1 MiB is in."""
    huge = b'{"name": "analyst", "password": "' + b"x" * (50 << 20) + b'"}'
    declared = client.post("/api/v1/session", content=huge,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    chunks = (huge[i : i + (64 << 10)] for i in range(0, len(huge), 64 << 10))
    chunked = client.post("/api/v1/session", content=chunks,
                          headers={"Content-Type": "application/json"})  # fmt: skip
    form = client.post("/report", data={"category": "cuckooing", "description": "x" * (2 << 20)},
                       headers={"Accept": "text/html"})  # fmt: skip
    for answer in (declared, chunked):
        assert answer.status_code == 413, answer.text[:200]
        assert answer.json()["detail"] == (
            "the request's body is over 1 MiB, the most this address takes"
        )
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert form.status_code == 413 and "the most this address takes" in form.text
    assert "<html" in form.text  # a person in a browser is answered with a page
    fine = client.post("/api/v1/session", json={"name": "analyst", "password": PASSWORD})
    assert fine.status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stranger_is_refused_before_a_large_upload_is_read(client: TestClient) -> None:
    """FastAPI reads a form before the policy check: an anonymous upload of up to 4 GiB
    was read and spooled to disk before it was told to sign in. Now a body over 1 MiB to
    an upload address is refused before any of it is read unless its sender may upload."""
    asgi = client.app
    officer, analyst = sign_in(client, "officer"), sign_in(client, "analyst")
    for address, allowance in UPLOADS.items():  # as large as each address takes
        assert asyncio.run(_stream(asgi, address, {}, allowance.most)) == (401, 0), address
        assert asyncio.run(_stream(asgi, address, officer, allowance.most)) == (403, 0), address
    head = (b'--soak\r\nContent-Disposition: form-data; name="data"; filename="x.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n")  # fmt: skip
    status, pulled = asyncio.run(_stream(asgi, "/app/work/uploads", analyst, 4 << 20, head,
                                         b"\r\n--soak--\r\n"))  # fmt: skip
    assert pulled == 4 << 20 and status not in (401, 403, 413)  # read whole, as it may be


async def _stream(app: Any, path: str, headers: dict[str, str], size: int, head: bytes = b"",
                  tail: bytes = b"") -> tuple[int, int]:  # fmt: skip
    """POST ``size`` bytes (``head``, filler, ``tail``) to ``path`` straight through the
    ASGI app, 64 KiB a message: the answer's status and how many bytes the app pulled."""
    sent = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-length", str(size).encode()),
                    (b"content-type", b"multipart/form-data; boundary=soak"), *sent],
    }  # fmt: skip
    pulled, statuses = 0, []
    chunks = _filled(size, head, tail)

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, b"")
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < size}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0], pulled


def _filled(size: int, head: bytes, tail: bytes) -> Iterator[bytes]:
    """``head``, filler to ``size`` bytes in all, ``tail``: 64 KiB at most at a time."""
    yield head
    left = size - len(head) - len(tail)
    while left > 0:
        yield b"a" * min(1 << 16, left)
        left -= 1 << 16
    yield tail


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_over_https_a_browser_is_told_to_keep_to_it(casework: Workspace) -> None:
    """ASVS 3.4.1: HSTS when the outside scheme is https (a trusted proxy's), never over
    plain http, where a browser would ignore it."""
    served = create_app(casework.engine)
    with TestClient(served, base_url="https://testserver") as secure:
        assert secure.get("/signin").headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(served) as plain:
        assert "strict-transport-security" not in plain.get("/signin").headers


def test_bad_query_values_are_4xx(client: TestClient) -> None:
    headers = sign_in(client, "auditor")
    for after in ("-1", "ten", "1e99", "99999999999999999999"):
        answer = client.get(f"/api/v1/audit?after={after}", headers=headers)
        assert answer.status_code == 422, (after, answer.text)


def test_pages_and_answers_carry_protective_headers(client: TestClient) -> None:
    for answer in (
        client.get("/report"),
        client.get("/api/v1/me", headers=sign_in(client, "analyst")),
    ):
        assert answer.headers["cache-control"] == "no-store"
        assert "script-src" not in answer.headers["content-security-policy"]  # none allowed
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_disabled_user_is_signed_out_at_once(client: TestClient, casework: Workspace) -> None:
    headers = sign_in(client, "officer")
    where = ["--workspace", str(casework.root), "--database-url",
             casework.engine.url.render_as_string(hide_password=False)]  # fmt: skip
    assert CliRunner().invoke(app, [*where, "users", "disable", "officer"]).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    signed = client.post("/api/v1/session", json={"name": "officer", "password": PASSWORD})
    assert signed.status_code == 401
    listed = CliRunner().invoke(app, [*where, "users", "list", "--json"])
    assert {"name": "officer", "role": "officer", "agency": None, "disabled": True} in (
        json.loads(listed.stdout)
    )
    assert CliRunner().invoke(app, [*where, "users", "enable", "officer"]).exit_code == 0
    assert client.get("/api/v1/me", headers=sign_in(client, "officer")).is_success
    nobody = CliRunner().invoke(app, [*where, "users", "disable", "nobody"])
    assert nobody.exit_code == 2 and "no user 'nobody'" in nobody.output


def _elsewhere(path: str) -> str | None:
    """``path`` naming a record no one has (another agency's looks the same); None when
    it names no record."""
    if path.startswith("/app/map/"):  # tiles and glyphs: public map data, not records
        return None
    address, _, query = path.partition("?")
    for given, absent in ((LINE, "line-ffffffffff"), (BUNDLE, BUNDLE[:-2] + "ff"),
                          ("/numbers/07700900123", "/numbers/07700900999"),
                          ("/jobs/0123456789ab", "/jobs/ffffffffffff")):  # fmt: skip
        address = address.replace(given, absent)
    address = re.sub(r"/\d+(?=/|$)", "/999999", address)
    changed = address + (f"?{query}" if query else "")
    return changed if changed != path else None


OBJECT_ENDPOINTS = sorted(e for e, (_, path, _) in CALLS.items() if _elsewhere(path))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS)
def test_every_record_address_answers_404_for_a_record_no_one_may_see(
    client: TestClient, endpoint: str
) -> None:
    """Generated from the policy table: every address that names a record, asked by each
    role allowed it for a record that is not there, answers 404 with no record data
    (another agency's referral answers the same: tests/server/test_safeguarding.py)."""
    method, path, body = CALLS[endpoint]
    absent = _elsewhere(path)
    assert absent is not None
    for role in ROLES_ALLOWED[endpoint]:
        headers = sign_in(client, role) if role in ROLES else {}
        if endpoint in FORMS:
            answer = client.request(method, absent, data=body, headers=headers,
                                    follow_redirects=False)  # fmt: skip
        else:
            answer = client.request(method, absent, json=body, headers=headers)
        assert answer.status_code == 404, (role, absent, answer.status_code, answer.text[:300])
        assert "Child One" not in answer.text and "Deal line texts" not in answer.text
