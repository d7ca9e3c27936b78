"""The demo's casework, so that the app opens on something to work with: one user per role
(passwords made for this demo, written to a file only its owner may read), an operation
with results, intelligence naming the first line's number, a public report waiting for
triage, and a safeguarding referral. All of it invented: the people are fictional and the
numbers are in Ofcom's drama range, like the rest of the demo world."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from fortress.casework import intelligence, safeguarding
from fortress.casework.db import migrate
from fortress.casework.intelligence import Grade
from fortress.casework.operations import ResultInput, create_operation, record_result
from fortress.casework.public_reports import ReportForm, receive
from fortress.casework.users import ROLES, add_user
from fortress.model.lines import LineSummary
from fortress.store.workspace import Workspace

PARTNER_AGENCY = "Children's Services"
ACTOR = "demo"


@dataclass(frozen=True, slots=True)
class DemoApp:
    """How to open the app on the demo workspace."""

    users: tuple[str, ...]
    passwords_file: str
    serve: str
    address: str

    def to_dict(self) -> dict[str, object]:
        """For ``--json``."""
        return {"users": list(self.users), "passwords_file": self.passwords_file,
                "serve": self.serve, "address": self.address}  # fmt: skip


def prepare_app(workspace: Workspace, folder: Path, lines: list[LineSummary]) -> DemoApp:
    """Migrate the workspace's casework tables and record the demo's users and casework."""
    migrate(workspace.engine)
    passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
    with workspace.sessions.begin() as session:
        for role, password in passwords.items():
            agency = PARTNER_AGENCY if role == "safeguarding_partner" else None
            add_user(session, role, role, password, agency=agency, actor=ACTOR)
        if lines:
            _casework(session, lines[0])
    listed = folder / "app-users.txt"
    listed.touch(mode=0o600)
    listed.write_text(
        "".join(f"{role}\t{password}\n" for role, password in passwords.items()), encoding="utf-8"
    )
    return DemoApp(
        users=tuple(ROLES),
        passwords_file=str(listed),
        serve=f"fortress --workspace {workspace.root} serve",
        address="http://127.0.0.1:8000/",
    )


def _casework(session: Session, line: LineSummary) -> None:
    number = line.numbers[-1]
    ends = date.fromisoformat(line.last_seen_utc[:10]) + timedelta(days=7)
    operation = create_operation(session, "Week of action", ends - timedelta(days=6), ends,
                                 actor=ACTOR)  # fmt: skip
    for given in (
        ResultInput(kind="arrest", count=3),
        ResultInput(kind="drug_seizure", label="crack cocaine", grams="28.5"),
        ResultInput(kind="cash_seizure", pounds="2340.00"),
        ResultInput(kind="phone_seizure", number=number),
        ResultInput(kind="line_closed"),
    ):
        record_result(session, operation, given, actor=ACTOR)
    intelligence.create(session, f"The line texting from {number} sends a runner from London "
                        "to a flat near the station most evenings.",
                        Grade("3x5x2", "2", "B", "P"), [("phone", number), ("line", number)],
                        actor=ACTOR)  # fmt: skip
    seen = (
        "Young lads in and out of the flat above the bookmaker at all hours; the old man "
        "who lives there looks scared."
    )
    receive(session, ReportForm("cuckooing", seen))
    child = safeguarding.add_person(session, "Demo Child", born_on=date(2009, 4, 1),
                                    victim="child", suspect=False, actor=ACTOR)  # fmt: skip
    safeguarding.make_referral(session, child.id, PARTNER_AGENCY,
                               "Found carrying the line's phone far from home", [],
                               actor=ACTOR)  # fmt: skip
