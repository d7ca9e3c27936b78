"""Who may call what: one table, the single source of truth for access control. The
server checks every request against it, and the tests are generated from it (every role
against every endpoint)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework.models import User
from fortress.casework.users import ROLES

PUBLIC: Final = "public"
"""Anyone, signed in or not (the public report page, signing in)."""

POLICY: Final[dict[str, frozenset[str]]] = {
    "session.create": frozenset({PUBLIC}),
    "me.read": frozenset(ROLES),
    "session.delete": frozenset(ROLES),
    "password.change": frozenset(ROLES),
    "users.list": frozenset({"administrator"}),
    "audit.read": frozenset({"auditor"}),
    "operations.create": frozenset({"officer", "supervisor"}),
    "operations.read": frozenset({"analyst", "officer", "supervisor"}),
    "operations.record": frozenset({"officer", "supervisor"}),
    "operations.summary": frozenset({"analyst", "officer", "supervisor"}),
    "operations.phones": frozenset({"analyst", "officer", "supervisor"}),
    "report.form": frozenset({PUBLIC}),
    "report.submit": frozenset({PUBLIC}),
    "help.page": frozenset({PUBLIC}),
    "favicon": frozenset({PUBLIC}),
    "reports.triage": frozenset({"analyst", "supervisor"}),
    "reports.grade_form": frozenset({"analyst", "supervisor"}),
    "signin.form": frozenset({PUBLIC}),
    "signin.submit": frozenset({PUBLIC}),
    "signout": frozenset(ROLES),
    "reports.list": frozenset({"analyst", "supervisor"}),
    "reports.grade": frozenset({"analyst", "supervisor"}),
    "reports.dismiss": frozenset({"analyst", "supervisor"}),
    "reports.dismiss_form": frozenset({"analyst", "supervisor"}),
    "intelligence.create": frozenset({"analyst", "officer", "supervisor"}),
    "intelligence.search": frozenset({"analyst", "officer", "supervisor"}),
    "intelligence.read": frozenset({"analyst", "officer", "supervisor"}),
    "intelligence.export": frozenset({"analyst", "supervisor"}),
    "disclosures.request": frozenset({"analyst", "officer", "supervisor"}),
    "disclosures.list": frozenset({"supervisor"}),
    "disclosures.decide": frozenset({"supervisor"}),
    "disclosures.send": frozenset({"analyst", "officer", "supervisor"}),
    "people.create": frozenset({"analyst", "officer", "supervisor"}),
    "people.read": frozenset({"analyst", "officer", "supervisor"}),
    "referrals.create": frozenset({"officer", "supervisor"}),
    "referrals.list": frozenset({"officer", "supervisor", "safeguarding_partner"}),
    "referrals.read": frozenset({"officer", "supervisor", "safeguarding_partner"}),
    "referrals.update": frozenset({"officer", "supervisor", "safeguarding_partner"}),
    "referrals.export": frozenset({"officer", "supervisor", "safeguarding_partner"}),
    "retention.queue": frozenset({"supervisor"}),
    "retention.review": frozenset({"supervisor"}),
    "retention.hold": frozenset({"supervisor"}),
    "retention.release": frozenset({"supervisor"}),
    "lines.list": frozenset({"analyst", "officer", "supervisor"}),
    "lines.read": frozenset({"analyst", "officer", "supervisor"}),
    "lines.judge": frozenset({"analyst", "supervisor"}),
    "lines.judge_link": frozenset({"analyst", "supervisor"}),
    "numbers.read": frozenset({"analyst", "officer", "supervisor"}),
    "numbers.profile": frozenset({"analyst", "officer", "supervisor"}),
    "schedules.read": frozenset({"analyst", "officer", "supervisor"}),
    "network.chart": frozenset({"analyst", "officer", "supervisor"}),
    "network.expand": frozenset({"analyst", "officer", "supervisor"}),
    "network.measures": frozenset({"analyst", "officer", "supervisor"}),
    "network.whatif": frozenset({"analyst", "officer", "supervisor"}),
    "network.export": frozenset({"analyst", "supervisor"}),
    "shares.request": frozenset({"analyst", "supervisor"}),
    "shares.list": frozenset({"analyst", "supervisor"}),
    "shares.decide": frozenset({"supervisor"}),
    "shares.bundle": frozenset({"analyst", "supervisor"}),
    "shares.import": frozenset({"analyst", "supervisor"}),
    "shares.received": frozenset({"analyst", "supervisor"}),
    "shares.review": frozenset({"analyst", "supervisor"}),
    "app.home": frozenset({PUBLIC}),
    "app.lines": frozenset({"analyst", "officer", "supervisor"}),
    "app.line": frozenset({"analyst", "officer", "supervisor"}),
    "app.line_map": frozenset({"analyst", "officer", "supervisor"}),
    "app.line_verdict": frozenset({"analyst", "supervisor"}),
    "app.link_verdict": frozenset({"analyst", "supervisor"}),
    "app.number": frozenset({"analyst", "officer", "supervisor"}),
    "app.number_profile": frozenset({"analyst", "officer", "supervisor"}),
    "app.schedule": frozenset({"analyst", "officer", "supervisor"}),
    "app.schedule_file": frozenset({"analyst", "officer", "supervisor"}),
    "app.intelligence": frozenset({"analyst", "officer", "supervisor"}),
    "app.intelligence_item": frozenset({"analyst", "officer", "supervisor"}),
    "app.intelligence_create": frozenset({"analyst", "officer", "supervisor"}),
    "app.disclosure_request": frozenset({"analyst", "officer", "supervisor"}),
    "app.operations": frozenset({"analyst", "officer", "supervisor"}),
    "app.work": frozenset({"analyst", "supervisor"}),
    "app.upload": frozenset({"analyst", "supervisor"}),
    "app.detect": frozenset({"analyst", "supervisor"}),
    "app.job": frozenset({"analyst", "supervisor"}),
    "app.places": frozenset({"analyst", "officer", "supervisor"}),
    "app.network": frozenset({"analyst", "officer", "supervisor"}),
    "app.network_upload": frozenset({"analyst", "supervisor"}),
    "app.places_geojson": frozenset({"analyst", "officer", "supervisor"}),
    "app.places_points": frozenset({"analyst", "officer", "supervisor"}),
    "app.map_style": frozenset({"analyst", "officer", "supervisor"}),
    "app.map_tile": frozenset({"analyst", "officer", "supervisor"}),
    "app.map_glyphs": frozenset({"analyst", "officer", "supervisor"}),
    "app.operation": frozenset({"analyst", "officer", "supervisor"}),
    "app.disclosures": frozenset({"supervisor"}),
    "app.disclosure_decide": frozenset({"supervisor"}),
    "app.help": frozenset({"supervisor"}),
    "app.retention": frozenset({"supervisor"}),
    "app.retention_review": frozenset({"supervisor"}),
    "app.help_save": frozenset({"supervisor"}),
    "app.referrals": frozenset({"officer", "supervisor", "safeguarding_partner"}),
    "app.sharing": frozenset({"analyst", "supervisor"}),
    "app.share_request": frozenset({"analyst", "supervisor"}),
    "app.share_decide": frozenset({"supervisor"}),
    "app.share_bundle": frozenset({"analyst", "supervisor"}),
    "app.share_import": frozenset({"analyst", "supervisor"}),
    "app.share_received": frozenset({"analyst", "supervisor"}),
    "app.share_review": frozenset({"analyst", "supervisor"}),
    "app.audit": frozenset({"auditor"}),
    "app.users": frozenset({"administrator"}),
}
"""Endpoint name -> the roles allowed (``public``: no sign-in needed). Administrators
manage users and see no casework content by default; auditors read only the audit log;
safeguarding partners only referrals, and only within ``AGENCY_SCOPED``."""

AGENCY_SCOPED: Final = frozenset(
    {"referrals.list", "referrals.read", "referrals.update", "referrals.export", "app.referrals"}
)
"""Endpoints where a safeguarding partner sees only their own agency's records (another
agency's record answers 404, as if it did not exist) and other people as pseudonyms."""


BROWSER: Final = frozenset(
    {"reports.triage", "reports.grade_form", "reports.dismiss_form", "signout"}
    | {endpoint for endpoint in POLICY if endpoint.startswith("network.")}
    | {endpoint for endpoint in POLICY if endpoint.startswith("app.")}
)
"""The HTML pages that also accept the sign-in cookie (forms there carry a CSRF value);
every other endpoint needs the bearer token."""


def allowed(endpoint: str, role: str | None) -> bool:
    """Whether ``role`` (None: not signed in) may call ``endpoint``; unknown ones: no."""
    roles = POLICY.get(endpoint, frozenset())
    return PUBLIC in roles or (role is not None and role in roles)


class NotAllowed(PermissionError):
    """A named user who may not do what was asked; the message says why."""


def acting_user(session: Session, name: str, endpoint: str) -> User:
    """The enabled user ``name``, allowed ``endpoint`` by this table: how a command line
    acts for a person. Whoever runs it can already read the workspace's files, so this
    records who acts and holds them to their role; it does not prove who they are."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None or user.disabled:
        raise NotAllowed(f"no enabled casework user {name.strip()[:100]!r}")
    if not allowed(endpoint, user.role):
        may = sorted(POLICY.get(endpoint, frozenset()) - {PUBLIC})
        raise NotAllowed(f"{user.name} is a {user.role}: this needs a {' or '.join(may)}")
    return user
