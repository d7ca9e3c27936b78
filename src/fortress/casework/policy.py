"""Who may call what: one table, the single source of truth for access control. The
server checks every request against it, and the tests are generated from it (every role
against every endpoint)."""

from __future__ import annotations

from typing import Final

from fortress.casework.users import ROLES

PUBLIC: Final = "public"
"""Anyone, signed in or not (the public report page, signing in)."""

POLICY: Final[dict[str, frozenset[str]]] = {
    "session.create": frozenset({PUBLIC}),
    "me.read": frozenset(ROLES),
    "users.list": frozenset({"administrator"}),
    "audit.read": frozenset({"auditor"}),
    "operations.create": frozenset({"officer", "supervisor"}),
    "operations.read": frozenset({"analyst", "officer", "supervisor"}),
    "operations.record": frozenset({"officer", "supervisor"}),
    "operations.summary": frozenset({"analyst", "officer", "supervisor"}),
    "report.form": frozenset({PUBLIC}),
    "report.submit": frozenset({PUBLIC}),
    "reports.triage": frozenset({"analyst", "supervisor"}),
}
"""Endpoint name -> the roles allowed (``public``: no sign-in needed). Administrators
manage users and see no casework content by default."""


def allowed(endpoint: str, role: str | None) -> bool:
    """Whether ``role`` (None: not signed in) may call ``endpoint``; unknown ones: no."""
    roles = POLICY.get(endpoint, frozenset())
    return PUBLIC in roles or (role is not None and role in roles)
