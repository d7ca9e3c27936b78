"""A migrated casework database with one user per role, and a client for its server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fortress.casework import intelligence, retention, safeguarding, users
from fortress.casework.db import migrate
from fortress.casework.intelligence import Grade
from fortress.casework.operations import create_operation
from fortress.casework.public_reports import ReportForm, receive
from fortress.casework.users import ROLES, add_user
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs (the hash records its costs, so sign-in checks it the
    same way): the default costs take a tenth of a second per user, for hundreds of tests."""
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def casework(tmp_path: Path, database_url: str | None) -> Workspace:
    """A migrated casework database (SQLite, and PostgreSQL) with one user per role, each
    named after their role, and one record of each kind (see ``seed_records``)."""
    workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        for role in ROLES:
            agency = "Children's Services" if role == "safeguarding_partner" else None
            add_user(session, role, role, PASSWORD, agency=agency, actor="test")
        create_operation(session, "Week of action", date(2025, 3, 4), date(2025, 3, 10),
                         actor="supervisor")  # fmt: skip
        seed_records(session)
    return workspace


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


@pytest.fixture
def client(casework: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(casework.engine), raise_server_exceptions=False) as opened:
        yield opened
