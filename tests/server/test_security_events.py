"""Security events in the audit log: a refused request for a record (401, 403 or 404 on an
address that names one) and every failed or throttled sign-in, each in the hash chain
with who asked (a name only when it is a user's) and what for."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from fortress.casework import audit
from fortress.casework.models import AuditEntry
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, sign_in, signin_form


def _events(casework: Workspace) -> list[tuple[str, str, str, list[str]]]:
    with casework.sessions() as session:
        assert audit.verify(session).ok
        found = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_(audit.SECURITY_ACTIONS))
            .order_by(AuditEntry.seq)
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
