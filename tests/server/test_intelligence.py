"""Graded intelligence: grades kept in their own model, links that meet in searches,
public reports graded into intelligence, and disclosures that wait for a supervisor."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fortress.casework import audit
from fortress.casework.models import AuditEntry
from fortress.store.workspace import Workspace
from helpers.casework import sign_in

API = "/api/v1"


def _item(grade: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"text": "Runner seen at the flat", "grade": grade, **extra}


def test_3x5x2_and_legacy_5x5x5_grades_are_stored_as_given(client: TestClient) -> None:
    headers = sign_in(client, "analyst")
    new = _item({"source_evaluation": "3", "assessment": "E", "handling_code": "P"})
    made = client.post(f"{API}/intelligence", json=new, headers=headers).json()
    assert made["grade_label"] == "3/E/P"
    legacy = _item({"model": "5x5x5", "source_evaluation": "B", "assessment": "2",
                    "handling_code": "4"})  # fmt: skip
    old = client.post(f"{API}/intelligence", json=legacy, headers=headers).json()
    assert old["grade"] == {"model": "5x5x5", "source_evaluation": "B", "assessment": "2",
                            "handling_code": "4", "conditions": None}  # fmt: skip
    assert old["grade_label"] == "B/2/4 (5x5x5)"
    again = client.get(f"{API}/intelligence/{old['id']}", headers=headers).json()
    assert again["grade"] == old["grade"]  # never converted


@pytest.mark.parametrize(
    ("grade", "says"),
    [
        ({"source_evaluation": "4", "assessment": "A", "handling_code": "P"}, "source evaluation"),
        ({"source_evaluation": "1", "assessment": "F", "handling_code": "P"}, "assessment"),
        ({"source_evaluation": "1", "assessment": "A", "handling_code": "4"}, "handling code"),
        ({"source_evaluation": "1", "assessment": "A", "handling_code": "C"}, "conditions"),
        ({"model": "5x5x5", "source_evaluation": "1", "assessment": "A", "handling_code": "1"},
         "source evaluation"),
    ],
)  # fmt: skip
def test_a_grade_its_model_does_not_allow_is_refused(
    client: TestClient, grade: dict[str, str], says: str
) -> None:
    answer = client.post(f"{API}/intelligence", json=_item(grade),
                         headers=sign_in(client, "analyst"))  # fmt: skip
    assert answer.status_code == 422 and says in answer.json()["detail"]


def test_links_are_normalised_so_searches_meet(client: TestClient) -> None:
    headers = sign_in(client, "analyst")
    grade = {"source_evaluation": "2", "assessment": "B", "handling_code": "P"}
    links = [
        {"type": "phone", "value": "+44 7700 900123"},
        {"type": "vehicle", "value": "ab12 cde"},
        {"type": "address", "value": "4  Example   Road"},
        {"type": "person", "value": "2"},
    ]
    made = client.post(f"{API}/intelligence", json=_item(grade, links=links), headers=headers)
    assert made.status_code == 201, made.text
    item_id = made.json()["id"]
    by_phone = client.get(f"{API}/intelligence?phone=07700900123", headers=headers).json()
    assert [i["id"] for i in by_phone] == [item_id, 1]  # newest first; seed item 1 too
    both = client.get(f"{API}/intelligence?phone=07700900123&vehicle=AB12CDE", headers=headers)
    assert [i["id"] for i in both.json()] == [item_id]
    assert [i["id"] for i in client.get(f"{API}/intelligence?address=4 example road&q=RUNNER",
                                        headers=headers).json()] == [item_id]  # fmt: skip
    assert client.get(f"{API}/intelligence?q=100%25", headers=headers).json() == []


@pytest.mark.parametrize(
    ("link", "says"),
    [({"type": "phone", "value": "not a number"}, "not a phone number"),
     ({"type": "person", "value": "999"}, "no casework person"),
     ({"type": "imei", "value": "12345"}, "IMEI"),
     ({"type": "vehicle", "value": "<script>"}, "registration")],
)  # fmt: skip
def test_a_bad_link_is_refused_and_nothing_is_kept(
    client: TestClient, casework: Workspace, link: dict[str, str], says: str
) -> None:
    grade = {"source_evaluation": "2", "assessment": "B", "handling_code": "P"}
    answer = client.post(f"{API}/intelligence", json=_item(grade, links=[link]),
                         headers=sign_in(client, "analyst"))  # fmt: skip
    assert answer.status_code == 422 and says in answer.json()["detail"]
    headers = sign_in(client, "supervisor")
    assert len(client.get(f"{API}/intelligence", headers=headers).json()) == 2  # seeds only


def test_a_public_report_becomes_graded_intelligence_once(client: TestClient) -> None:
    headers = sign_in(client, "analyst")
    queue = client.get(f"{API}/reports", headers=headers).json()
    assert [r["id"] for r in queue] == [1]
    body = {"grade": {"source_evaluation": "2", "assessment": "C", "handling_code": "P"},
            "links": [{"type": "address", "value": "4 Example Road"}]}  # fmt: skip
    made = client.post(f"{API}/reports/1/intelligence", json=body, headers=headers)
    assert made.status_code == 201
    assert made.json()["public_report_id"] == 1
    assert made.json()["text"].startswith("Strangers at number 4")
    assert client.get(f"{API}/reports", headers=headers).json() == []  # left the queue
    again = client.post(f"{API}/reports/1/intelligence", json=body, headers=headers)
    assert again.status_code == 422 and "already intelligence" in again.json()["detail"]
    assert client.post(f"{API}/reports/99/intelligence", json=body,
                       headers=headers).status_code == 404  # fmt: skip


def test_handling_code_c_waits_for_another_supervisors_decision(
    client: TestClient, casework: Workspace
) -> None:
    analyst, supervisor = sign_in(client, "analyst"), sign_in(client, "supervisor")
    # seed: disclosure 2 of intelligence 2 (code C) awaits a decision
    early = client.get(f"{API}/disclosures/2", headers=analyst)
    assert early.status_code == 409 and "awaiting" in early.json()["detail"]
    assert "Informant" not in early.text
    assert [d["id"] for d in client.get(f"{API}/disclosures", headers=supervisor).json()] == [2]
    # a supervisor's own request waits for another supervisor
    own = client.post(f"{API}/intelligence/2/disclosures",
                      json={"recipient": "Met Police", "purpose": "joint op"},
                      headers=supervisor).json()  # fmt: skip
    assert own["status"] == "awaiting"
    refused = client.post(f"{API}/disclosures/{own['id']}/decision",
                          json={"approve": True, "reason": "ok"}, headers=supervisor)  # fmt: skip
    assert refused.status_code == 409 and "own request" in refused.json()["detail"]
    decided = client.post(f"{API}/disclosures/2/decision",
                          json={"approve": True, "reason": "joint operation, CPS aware"},
                          headers=supervisor)  # fmt: skip
    assert decided.json()["status"] == "approved" and decided.json()["decided_by"] == "supervisor"
    sent = client.get(f"{API}/disclosures/2", headers=analyst).json()
    assert sent["intelligence"]["grade"]["conditions"] == "Not beyond CPS"
    undo = {"approve": False, "reason": "changed mind"}
    twice = client.post(f"{API}/disclosures/2/decision", json=undo, headers=supervisor)
    assert twice.status_code == 409
    with casework.sessions() as session:
        assert audit.verify(session).ok
        entries = session.scalars(select(AuditEntry)).all()
    disclosed = [e for e in entries if e.action == "disclosure"]
    assert [(e.record_ids, e.recipient) for e in disclosed] == [('["2"]', "Other force")]


def test_a_refused_disclosure_never_sends_anything(client: TestClient) -> None:
    client.post(f"{API}/disclosures/2/decision", json={"approve": False, "reason": "source risk"},
                headers=sign_in(client, "supervisor"))  # fmt: skip
    answer = client.get(f"{API}/disclosures/2", headers=sign_in(client, "analyst"))
    assert answer.status_code == 409 and "refused" in answer.json()["detail"]
    assert "Informant" not in answer.text


def test_legacy_handling_codes_beyond_1_need_a_supervisor(client: TestClient) -> None:
    headers = sign_in(client, "analyst")
    for code, status in (("1", "approved"), ("3", "awaiting")):
        legacy = _item({"model": "5x5x5", "source_evaluation": "A", "assessment": "1",
                        "handling_code": code})  # fmt: skip
        item = client.post(f"{API}/intelligence", json=legacy, headers=headers).json()
        ask = {"recipient": "NCA", "purpose": "threat"}
        asked = client.post(f"{API}/intelligence/{item['id']}/disclosures", json=ask,
                            headers=headers)  # fmt: skip
        assert asked.json()["status"] == status
