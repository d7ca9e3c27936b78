"""What every signed-in page shows at its top: who is signed in, the pages their role may
open (from the policy table), and the sign-out form's CSRF value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi import Request

from fortress.casework.models import User
from fortress.casework.policy import allowed
from fortress.server.deps import SESSION_COOKIE, csrf_token


@dataclass(frozen=True, slots=True)
class Link:
    """A page in the navigation, shown to the roles its endpoint allows."""

    path: str
    label: str
    endpoint: str


PAGES: Final = (
    Link("/app/lines", "Deal lines", "app.lines"),
    Link("/triage", "Public reports", "reports.triage"),
    Link("/app/intelligence", "Intelligence", "app.intelligence"),
    Link("/app/operations", "Operations", "app.operations"),
    Link("/app/network", "Network", "app.network"),
    Link("/app/places", "Places", "app.places"),
    Link("/app/work", "Upload and detect", "app.work"),
    Link("/app/disclosures", "Disclosures waiting", "app.disclosures"),
    Link("/app/sharing", "Other forces", "app.sharing"),
    Link("/app/referrals", "Referrals", "app.referrals"),
    Link("/app/retention", "Retention review", "app.retention"),
    Link("/app/help", "Help page", "app.help"),
    Link("/app/audit", "Audit log", "app.audit"),
    Link("/app/users", "Users", "app.users"),
)


@dataclass(frozen=True, slots=True)
class Navigation:
    """What every signed-in page shows at its top: who is signed in, the pages their role
    may open, and the sign-out form's CSRF value (none when signed in by bearer token)."""

    user: User
    links: list[Link]
    csrf: str


def navigation(request: Request, user: User) -> Navigation:
    """The navigation for ``user`` on this request."""
    session_token = request.cookies.get(SESSION_COOKIE, "")
    links = [link for link in PAGES if allowed(link.endpoint, user.role)]
    return Navigation(user, links, csrf_token(session_token) if session_token else "")
