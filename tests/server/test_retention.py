"""Retention: the MoPI review queue, reviews that retain, legal holds that stop disposal,
and disposal that leaves no copy of the record in the SQLite files."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fortress.casework import audit
from fortress.casework.models import AuditEntry
from fortress.casework.retention import in_years
from fortress.store.workspace import Workspace, now_utc
from helpers.casework import sign_in

API = "/api/v1"
MARKER = "Zebra-Quince-8841 lives at the flat"


def test_the_review_queue_lists_what_is_due(client: TestClient) -> None:
    headers = sign_in(client, "supervisor")
    assert client.get(f"{API}/retention/due", headers=headers).json() == []  # all new today
    today = now_utc().date()
    due = client.get(f"{API}/retention/due?on={in_years(today, 10)}", headers=headers).json()
    assert {(d["record_type"], d["record_id"]) for d in due} == {
        ("public_report", 1), ("intelligence", 1), ("intelligence", 2), ("person", 1),
        ("person", 2), ("referral", 1),
    }  # fmt: skip
    assert [d["hold"] for d in due if d["record_id"] == 2 and d["record_type"] == "intelligence"
            ] == ["R v Example"]  # fmt: skip
    in_six = client.get(f"{API}/retention/due?on={in_years(today, 6)}", headers=headers).json()
    assert ("referral", 1) not in {(d["record_type"], d["record_id"]) for d in in_six}


def test_retaining_sets_the_next_review(client: TestClient) -> None:
    headers = sign_in(client, "supervisor")
    retain = {"decision": "retain", "reason": "open case"}
    answer = client.post(f"{API}/retention/referral/1/review", json=retain, headers=headers)
    assert answer.json()["review_on"] == in_years(now_utc().date(), 10).isoformat()


def test_a_legal_hold_stops_disposal_until_released(
    client: TestClient, casework: Workspace
) -> None:
    headers = sign_in(client, "supervisor")
    dispose = {"decision": "dispose", "reason": "review: no longer needed"}
    held = client.post(f"{API}/retention/intelligence/2/review", json=dispose, headers=headers)
    assert held.status_code == 409 and "R v Example" in held.json()["detail"]
    assert client.get(f"{API}/intelligence/2", headers=headers).status_code == 200
    assert (
        client.delete(f"{API}/retention/intelligence/2/hold", headers=headers).json()["hold"]
        is None
    )
    gone = client.post(f"{API}/retention/intelligence/2/review", json=dispose, headers=headers)
    assert gone.status_code == 200
    assert client.get(f"{API}/intelligence/2", headers=headers).status_code == 404
    again = client.post(f"{API}/retention/intelligence/2/review", json=dispose, headers=headers)
    assert again.status_code == 404
    with casework.sessions() as session:
        assert audit.verify(session).ok
        erased = session.scalars(select(AuditEntry).where(AuditEntry.action == "erasure")).all()
    assert [(e.record_type, e.record_ids, e.actor) for e in erased] == [
        ("intelligence", '["2"]', "supervisor")
    ]


def test_a_person_still_named_elsewhere_is_not_disposed_of(client: TestClient) -> None:
    headers = sign_in(client, "supervisor")
    dispose = {"decision": "dispose", "reason": "review"}
    refused = client.post(f"{API}/retention/person/2/review", json=dispose, headers=headers)
    assert refused.status_code == 409 and "referral 1" in refused.json()["detail"]
    for record in ("referral/1", "person/2", "person/1"):
        answer = client.post(f"{API}/retention/{record}/review", json=dispose, headers=headers)
        assert answer.status_code == 200, (record, answer.text)


@pytest.mark.parametrize("path", ["unknown/1", "intelligence/0", "intelligence/99"])
def test_reviewing_what_is_not_there_is_a_4xx(client: TestClient, path: str) -> None:
    answer = client.post(f"{API}/retention/{path}/review", json={"decision": "retain",
                         "reason": "x"}, headers=sign_in(client, "supervisor"))  # fmt: skip
    assert answer.status_code in (404, 422)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_disposal_leaves_no_trace_in_the_sqlite_files(
    client: TestClient, casework: Workspace
) -> None:
    headers = sign_in(client, "analyst")
    body = {"text": MARKER, "grade": {"source_evaluation": "2", "assessment": "B",
            "handling_code": "P"}, "links": [{"type": "vehicle", "value": "ZQ88XYZ"}]}  # fmt: skip
    item = client.post(f"{API}/intelligence", json=body, headers=headers).json()["id"]
    files = sorted(casework.root.glob("records.db*"))

    def on_disk(text: str) -> bool:
        return any(text.encode() in path.read_bytes() for path in files if path.exists())

    assert on_disk(MARKER) and on_disk("ZQ88XYZ")  # the check can see it before disposal
    answer = client.post(f"{API}/retention/intelligence/{item}/review",
                         json={"decision": "dispose", "reason": "review"},
                         headers=sign_in(client, "supervisor"))  # fmt: skip
    assert answer.status_code == 200
    assert not on_disk(MARKER) and not on_disk("ZQ88XYZ")


def test_review_dates_move_29_february_to_the_28th() -> None:
    assert in_years(date(2024, 2, 29), 6) == date(2030, 2, 28)
