"""Security events in the audit log: a refused request for a record (401, 403 or 404 on an
address that names one) and every failed or throttled sign-in, each in the hash chain
with who asked (a name only when it is a user's) and what for."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from fortress.casework import audit
from fortress.casework.models import AuditEntry
from fortress.server.deps import SESSION_COOKIE, csrf_token
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, browser_sign_in, sign_in, signin_form


def _events(
    casework: Workspace, actions: tuple[str, ...] = ("refusal", "sign-in failure")
) -> list[tuple[str, str, str, list[str]]]:
    assert set(actions) <= set(audit.SECURITY_ACTIONS)
    with casework.sessions() as session:
        assert audit.verify(session).ok
        found = session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.seq)
        )
        return [(e.actor, e.action, e.record_type, json.loads(e.record_ids)) for e in found]


def test_refused_requests_for_records_are_audited(client: TestClient, casework: Workspace) -> None:
    analyst, officer = sign_in(client, "analyst"), sign_in(client, "officer")
    assert client.get("/api/v1/referrals/1", headers=analyst).status_code == 403
    assert client.get("/api/v1/referrals/999", headers=officer).status_code == 404
    assert client.get("/api/v1/referrals/1").status_code == 401
    assert client.get("/api/v1/operations/1", headers=officer).status_code == 200  # not one
    assert client.get("/api/v1/lines").status_code == 401  # no record named: not one
    assert _events(casework) == [
        ("analyst", "refusal", "referrals.read 403", ["referral_id:1"]),
        ("officer", "refusal", "referrals.read 404", ["referral_id:999"]),
        ("anonymous", "refusal", "referrals.read 401", ["referral_id:1"]),
    ]


def test_failed_and_throttled_sign_ins_are_audited(client: TestClient, casework: Workspace) -> None:
    for _ in range(5):
        wrong = client.post("/api/v1/session", json={"name": "officer", "password": "no no no"})
        assert wrong.status_code == 401
    right = client.post("/api/v1/session", json={"name": "officer", "password": PASSWORD})
    assert right.status_code == 429
    typed = {"name": "my password is hunter2", "password": PASSWORD, **signin_form(client)}
    assert client.post("/signin", data=typed).status_code == 401
    events = _events(casework)
    officer_id = events[0][3]
    assert events == [
        *[("officer", "sign-in failure", "session.create 401", officer_id)] * 5,
        ("officer", "sign-in failure", "session.create 429", officer_id),
        ("unknown name", "sign-in failure", "signin.submit 401", []),  # what was typed: never
    ]
    assert officer_id and officer_id[0].startswith("user:")


def test_sessions_begun_and_ended_are_audited_and_a_new_one_ends_the_old(
    client: TestClient, casework: Workspace
) -> None:
    """ASVS 7.2.4: a sign-in by a client that still holds a session ended none (the old
    token lived on for its 8 hours); ASVS 16.3.1: successful sign-ins and sign-outs were
    not in the log."""
    first = sign_in(client, "analyst")
    again = client.post("/api/v1/session", json={"name": "analyst", "password": PASSWORD},
                        headers=first)  # fmt: skip
    assert again.status_code == 200
    assert client.get("/api/v1/me", headers=first).status_code == 401
    second = {"Authorization": f"Bearer {again.json()['token']}"}
    assert client.delete("/api/v1/session", headers=second).status_code == 204
    browser_sign_in(client, "analyst")
    old_cookie = client.cookies[SESSION_COOKIE]  # signing in again from the same browser
    page = {"name": "analyst", "password": PASSWORD, **signin_form(client)}
    assert client.post("/signin", data=page, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_cookie}"}
                      ).status_code == 401  # fmt: skip
    csrf = csrf_token(client.cookies[SESSION_COOKIE])
    left = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert left.status_code == 303
    assert left.headers["clear-site-data"] == '"cache", "storage"'
    events = _events(casework, ("sign-in", "sign-out"))
    user = events[0][3]
    assert user and user[0].startswith("user:")
    assert events == [("analyst", "sign-in", "session.create", user)] * 2 + [
        ("analyst", "sign-out", "session.delete", user),
        ("analyst", "sign-in", "signin.submit", user),
        ("analyst", "sign-in", "signin.submit", user),
        ("analyst", "sign-out", "signout", user),
    ]
