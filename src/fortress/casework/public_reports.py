"""Reports from the public: what may be reported, checks that say what is wrong, and a
rate limit that keeps no addresses.

The rate limit counts reports per sender in memory only, keyed by an HMAC of the
connection's address under a random key that is never written anywhere and is replaced
every hour (so yesterday's keys cannot be recomputed): nothing on disk or in a log can tie
a report to an address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Final

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit, retention
from fortress.casework.models import PublicReport
from fortress.store.workspace import now_utc

CATEGORIES: Final = {
    "cuckooing": "Someone's home taken over by dealers (cuckooing)",
    "county_lines": "Drug dealing, or a county line",
    "child_exploitation": "A child being exploited or trafficked",
    "adult_exploitation": "An adult being exploited or trafficked",
    "cannabis_factory": "A cannabis factory",
    "card_skimming": "Card skimming",
    "cyber_crime": "Cyber crime",
}
LIMITS: Final = {"description": (10, 5_000), "location": (0, 500), "contact_name": (0, 200),
                 "contact_phone": (0, 40), "contact_email": (0, 200)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReportForm:
    """What the form sends."""

    category: str
    description: str
    location: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


def problems(form: ReportForm) -> list[str]:
    """What is wrong with the form, in words for the person filling it in (empty: fine)."""
    found = []
    if form.category not in CATEGORIES:
        found.append("Choose what you are reporting from the list.")
    for field, (low, high) in LIMITS.items():
        value = getattr(form, field).strip()
        label = field.replace("_", " ")
        if len(value) < low:
            found.append(f"Please describe what you saw in at least {low} characters.")
        elif len(value) > high:
            found.append(f"The {label} can be at most {high:,} characters.")
    return found


def receive(session: Session, form: ReportForm) -> PublicReport:
    """Store a report for triage. Nothing that times its arrival is written: its
    collection is audited when staff first touch the public's reports."""
    report = PublicReport(
        category=form.category,
        description=form.description.strip(),
        location=form.location.strip() or None,
        contact_name=form.contact_name.strip() or None,
        contact_phone=form.contact_phone.strip() or None,
        contact_email=form.contact_email.strip() or None,
        received_on=now_utc().date(),
        status="new",
    )
    session.add(report)
    session.flush()
    retention.schedule(session, "public_report", report.id, report.received_on)
    return report  # its collection is audited later, in a batch (``audit.collect_public_reports``)


def awaiting_triage(session: Session, *, actor: str) -> list[PublicReport]:
    """Reports not yet triaged, oldest first (audited as a consultation of their ids)."""
    waiting = list(
        session.scalars(
            select(PublicReport).where(PublicReport.status == "new").order_by(PublicReport.id)
        )
    )
    audit.record(session, actor, "consultation", "public_report", [r.id for r in waiting])
    return waiting


class ReportProblem(ValueError):
    """A triage decision that cannot be recorded; the message says why."""


class Dismissed(BaseModel):
    """A report dismissed at triage, and why."""

    id: int
    status: str
    reason: str


def dismiss(session: Session, report_id: int, reason: str, *, actor: str) -> Dismissed:
    """Dismiss a report awaiting triage (spam, a duplicate, nothing to act on) with the
    reason, audited as an alteration; ``LookupError`` if there is no such report."""
    report = session.get(PublicReport, report_id)
    if report is None:
        raise LookupError(f"no public report {report_id}")
    if report.status != "new":
        raise ReportProblem(f"public report {report_id} was already triaged ({report.status})")
    cleaned = " ".join(reason.split())
    if not 3 <= len(cleaned) <= 500:
        raise ReportProblem("say why the report is dismissed, in 3 to 500 characters")
    report.status, report.dismissal = "dismissed", cleaned
    audit.record(session, actor, "alteration", "public_report", [report.id])
    return Dismissed(id=report.id, status=report.status, reason=cleaned)


class TriageItem(BaseModel):
    """A report awaiting triage, as analysts see it (with the contact details given)."""

    id: int
    category: str
    description: str
    location: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    received_on: date


def triage_queue(*, session: Session, actor: str) -> list[TriageItem]:
    """``awaiting_triage`` as it is shown."""
    return [
        TriageItem(id=r.id, category=r.category, description=r.description,
                   location=r.location, contact_name=r.contact_name,
                   contact_phone=r.contact_phone, contact_email=r.contact_email,
                   received_on=r.received_on)
        for r in awaiting_triage(session, actor=actor)
    ]  # fmt: skip


class RateLimit:
    """At most ``per_hour`` reports per sender per hour, remembered in memory only."""

    def __init__(self, per_hour: int = 10) -> None:
        self.per_hour = per_hour
        self._lock = threading.Lock()
        self._hour = -1
        self._key = b""
        self._counts: dict[str, int] = {}

    def allow(self, address: str) -> bool:
        """Count one report from ``address``; False when over the limit."""
        hour = int(time.time() // 3600)
        with self._lock:
            if hour != self._hour:  # a new hour: new key, counts forgotten
                self._hour, self._key, self._counts = hour, secrets.token_bytes(32), {}
            tag = hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()
            self._counts[tag] = self._counts.get(tag, 0) + 1
            return self._counts[tag] <= self.per_hour
