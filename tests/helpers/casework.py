"""Signing in to the casework server in tests, and the records every casework test has."""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fortress.casework import intelligence, retention, safeguarding
from fortress.casework.intelligence import Grade
from fortress.casework.operations import create_operation
from fortress.casework.public_reports import ReportForm, receive
from fortress.casework.users import ROLES, add_user
from fortress.store.workspace import Workspace

PASSWORD = "a long enough test password"
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=1024)
"""Argon2id with small costs (the hash records its costs, so sign-in checks it the same
way): the default costs take a tenth of a second per user, for hundreds of tests."""


class Board(NamedTuple):
    """A client of a server over a detected world's workspace (``detected``)."""

    client: TestClient
    workspace: Workspace


def sign_in(client: TestClient, name: str) -> dict[str, str]:
    """Headers for ``name`` (a user named after their role)."""
    answer = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def signin_form(client: TestClient) -> dict[str, str]:
    """The sign-in page's hidden field, as a browser that opened the page sends it (the
    page also sets the cookie the value is tied to)."""
    page = client.get("/signin")
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None, "the sign-in form carries no CSRF value"
    return {"csrf": found.group(1)}


def browser_sign_in(client: TestClient, name: str) -> str:
    """Sign in with the page's form, as a browser does (the client keeps the cookie, any
    earlier one dropped); the CSRF value of this browser session."""
    from fortress.server.deps import SESSION_COOKIE, csrf_token

    client.cookies.clear()
    signing_in = {"name": name, "password": PASSWORD, **signin_form(client)}
    answer = client.post("/signin", data=signing_in, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    return csrf_token(client.cookies[SESSION_COOKIE])


def seed_casework(session: Session) -> None:
    """One user per role, named after the role (the partner in Children's Services),
    operation 1 ("Week of action", 4-10 March 2025) and ``seed_records``."""
    for role in ROLES:
        agency = "Children's Services" if role == "safeguarding_partner" else None
        add_user(session, role, role, PASSWORD, agency=agency, actor="test")
    create_operation(session, "Week of action", date(2025, 3, 4), date(2025, 3, 10),
                     actor="supervisor")  # fmt: skip
    seed_records(session)


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
