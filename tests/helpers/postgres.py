"""The PostgreSQL roles tests connect as."""

from __future__ import annotations

import sqlalchemy as sa

OWNER_ROLE, SERVER_ROLE = "fortress_test_owner", "fortress_test_server"
"""Tests run as a deployment does: the records' tables owned by a role that is not a
superuser (so the row-level security forced on them binds it), and the server connected as
another that owns nothing (``fortress casework grant-server``). Roles belong to the whole
PostgreSQL cluster: these two are made once and kept, shared by every test schema."""


def as_role(url: str, role: str) -> str:
    """``url`` signing in as ``role`` (trust authentication: no password)."""
    return sa.make_url(url).set(username=role).render_as_string(hide_password=False)
