"""The public "get help" page's services: who each helps and how to reach them. The list
starts with national services (``STARTING``, as published by each service) and is kept by
supervisors; every change is audited."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.models import HelpEntry
from fortress.store.workspace import now_utc

STARTING: Final = (
    ("FRANK", "Honest information about drugs, for anyone, and for families worried about "
     "someone's drug use. Confidential.", "Call 0300 123 6600 (any time), text 82111, or "
     "talktofrank.com"),
    ("Your local drug and alcohol treatment service", "Free, confidential treatment and "
     "support for people who use drugs, and for their families.", "Ask your GP, or search "
     "for \"find drug addiction support services\" on nhs.uk"),
    ("Crimestoppers", "Tell them what you know about crime, 100% anonymously: they never ask "
     "your name and cannot trace your call.", "Call 0800 555 111, or crimestoppers-uk.org"),
    ("Childline", "For children and young people under 19, about anything, including being "
     "made to carry or sell drugs.", "Call 0800 1111, or childline.org.uk"),
    ("Missing People's SafeCall", "For young people who are being exploited or have run "
     "away, and their families: confidential, and they will not tell the police without "
     "your agreement unless someone is in danger.", "Call or text 116 000, or "
     "missingpeople.org.uk/safecall"),
    ("NSPCC helpline", "For adults worried about a child, including a child who may be "
     "exploited by a county line.", "Call 0808 800 5000, or nspcc.org.uk"),
    ("Adfam", "Support for families affected by someone else's drug or alcohol use, "
     "including parents.", "adfam.org.uk"),
)  # fmt: skip
LIMITS: Final = {"name": 200, "helps": 1_000, "contact": 500}


class HelpProblem(ValueError):
    """A service that cannot be saved as given; the message says why."""


class HelpService(BaseModel):
    """A service as the page shows it."""

    id: int
    name: str
    helps: str
    contact: str


def services(session: Session) -> list[HelpService]:
    """Every service, in the page's order (public information: not audited)."""
    rows = session.scalars(select(HelpEntry).order_by(HelpEntry.position, HelpEntry.id))
    return [HelpService(id=r.id, name=r.name, helps=r.helps, contact=r.contact) for r in rows]


def save_service(
    session: Session, entry_id: int | None, name: str, helps: str, contact: str, *, actor: str
) -> HelpService:
    """Add a service (``entry_id`` None, at the end) or change one; audited."""
    given = {"name": " ".join(name.split()), "helps": " ".join(helps.split()),
             "contact": " ".join(contact.split())}  # fmt: skip
    for field, most in LIMITS.items():
        if not 1 <= len(given[field]) <= most:
            raise HelpProblem(f"{field} is 1 to {most:,} characters")
    if entry_id is None:
        last = session.scalar(select(func.max(HelpEntry.position))) or 0
        row = HelpEntry(position=last + 1, updated_by=actor, updated_at=now_utc(), **given)
        session.add(row)
        session.flush()
        audit.record(session, actor, "collection", "help_entry", [row.id])
    else:
        found = session.get(HelpEntry, entry_id)
        if found is None:
            raise LookupError(f"no service {entry_id}")
        row = found
        row.name, row.helps, row.contact = given["name"], given["helps"], given["contact"]
        row.updated_by, row.updated_at = actor, now_utc()
        audit.record(session, actor, "alteration", "help_entry", [row.id])
    return HelpService(id=row.id, name=row.name, helps=row.helps, contact=row.contact)


def remove_service(session: Session, entry_id: int, *, actor: str) -> None:
    """Take a service off the page; audited as an erasure."""
    row = session.get(HelpEntry, entry_id)
    if row is None:
        raise LookupError(f"no service {entry_id}")
    session.delete(row)
    audit.record(session, actor, "erasure", "help_entry", [entry_id])
