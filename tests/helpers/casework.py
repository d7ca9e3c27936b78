"""Signing in to the casework server in tests, and the records every casework test has."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fortress.casework import intelligence, retention, safeguarding
from fortress.casework.intelligence import Grade
from fortress.casework.public_reports import ReportForm, receive

PASSWORD = "a long enough test password"


def sign_in(client: TestClient, name: str) -> dict[str, str]:
    """Headers for ``name`` (a user named after their role)."""
    answer = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def seed_records(session: Session) -> None:
    """Person 1 (a child, exploited) referred to Children's Services (referral 1) naming
    person 2 (a suspect); intelligence 1 (1/B/P, about a drama-range phone) with disclosure
    1 (approved: code P); intelligence 2 (2/C/C, on legal hold) with disclosure 2 awaiting
    a supervisor; public report 1 awaiting triage."""
    child = safeguarding.add_person(session, "Child One", born_on=date(2010, 5, 1),
                                    victim="child", suspect=True, actor="officer")  # fmt: skip
    adult = safeguarding.add_person(session, "Adult Two", born_on=None, victim=None,
                                    suspect=True, actor="officer")  # fmt: skip
    safeguarding.make_referral(session, child.id, "Children's Services", "Found running drugs",
                               [(adult.id, "exploiter")], actor="officer")  # fmt: skip
    open_item = intelligence.create(session, "Deal line texts customers nightly",
                                    Grade("3x5x2", "1", "B", "P"),
                                    [("phone", "07700 900123")], actor="analyst")  # fmt: skip
    intelligence.request_disclosure(session, open_item, "HMRC", "tax inquiry", actor="analyst")
    closed_item = intelligence.create(session, "Informant says the line moved",
                                      Grade("3x5x2", "2", "C", "C", "Not beyond CPS"), [],
                                      actor="analyst")  # fmt: skip
    intelligence.request_disclosure(session, closed_item, "Other force", "joint op",
                                    actor="analyst")  # fmt: skip
    retention.hold(session, "intelligence", closed_item.id, "R v Example", actor="supervisor")
    receive(session, ReportForm("cuckooing", "Strangers at number 4 every night."))
