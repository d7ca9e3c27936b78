"""PostgreSQL's row-level security, forced on the tables' owner, as a second wall behind
the partner views: with the application's own agency filter broken on purpose, a partner
still reaches only their agency's referrals, the people those refer and no intelligence.

The server connects as a role that owns nothing and is no superuser (``SERVER_ROLE``,
given its rights by ``grant_server_role``); the tables belong to ``OWNER_ROLE``, also no
superuser, so ``FORCE`` is what binds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fortress.casework import safeguarding
from fortress.casework.db import CaseworkDatabaseError, grant_server_role, row_security_warnings
from fortress.cli.main import app
from fortress.store.row_security import EVERY_AGENCY, NO_AGENCY, RowScope, set_scope
from fortress.store.workspace import Workspace
from helpers.casework import sign_in
from helpers.postgres import SERVER_ROLE, as_role

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

API = "/api/v1"
CHILDREN, TREATMENT = "Children's Services", "Treatment service"


@pytest.fixture
def two_agencies(client: TestClient) -> TestClient:
    """Referral 1 (seeded) to Children's Services for person 1; referral 2 to the
    treatment service for person 2, naming person 1."""
    officer = sign_in(client, "officer")
    body = {"person_id": 2, "agency": TREATMENT, "reason": "using",
            "others": [{"person_id": 1, "relation": "sibling"}]}  # fmt: skip
    assert client.post(f"{API}/referrals", json=body, headers=officer).status_code == 201
    return client


@pytest.fixture
def server_sessions(client: TestClient) -> Iterator[sa.orm.sessionmaker[Session]]:
    """The running server's own sessions (connected as ``SERVER_ROLE``)."""
    yield client.app.state.sessions  # type: ignore[attr-defined]


def _partner(agency: str) -> RowScope:
    return RowScope(sees_all=False, agency=agency)


def _scalars(sessions: sa.orm.sessionmaker[Session], scope: RowScope, sql: str) -> list[object]:
    with sessions() as session:
        set_scope(session, scope)
        return list(session.scalars(text(sql)))


@pytest.mark.postgres
@ON_POSTGRESQL
def test_with_its_filter_broken_the_server_still_keeps_a_partner_to_their_agency(
    two_agencies: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = two_agencies
    every = client.get(f"{API}/referrals", headers=sign_in(client, "officer")).json()
    reference = {r["agency"]: r["reference"] for r in every}
    monkeypatch.setattr(safeguarding, "_scope", lambda _user: None)  # "an officer": no filter
    partner = sign_in(client, "safeguarding_partner")
    seen = client.get(f"{API}/referrals", headers=partner).json()
    assert [r["reference"] for r in seen] == [reference[CHILDREN]]
    for given in (reference[TREATMENT], str(every[0]["id"])):  # the other agency's, both ways
        assert client.get(f"{API}/referrals/{given}", headers=partner).status_code == 404
        answer = client.patch(f"{API}/referrals/{given}", json={"status": "accepted"},
                              headers=partner)  # fmt: skip
        assert answer.status_code == 404
    exported = client.get(f"{API}/exports/referrals?format=csv", headers=partner).text
    assert reference[CHILDREN] in exported and reference[TREATMENT] not in exported


@pytest.mark.postgres
@ON_POSTGRESQL
def test_a_partners_transaction_reaches_only_their_rows_whatever_it_asks(
    two_agencies: TestClient, server_sessions: sa.orm.sessionmaker[Session]
) -> None:
    children = _partner(CHILDREN)
    every = "SELECT agency FROM casework_referrals ORDER BY id"
    assert _scalars(server_sessions, EVERY_AGENCY, every) == [CHILDREN, TREATMENT]
    assert _scalars(server_sessions, children, every) == [CHILDREN]
    assert _scalars(server_sessions, _partner(TREATMENT), every) == [TREATMENT]
    people = "SELECT name FROM casework_people ORDER BY id"
    assert _scalars(server_sessions, children, people) == ["Child One"]  # not person 2
    named = "SELECT person_id FROM casework_referral_people ORDER BY referral_id"
    assert _scalars(server_sessions, EVERY_AGENCY, named) == [2, 1]
    assert _scalars(server_sessions, children, named) == [2]
    for table in ("casework_intelligence", "casework_intelligence_links", "casework_disclosures"):
        assert _scalars(server_sessions, EVERY_AGENCY, f"SELECT count(*) FROM {table}") != [0]
        assert _scalars(server_sessions, children, f"SELECT count(*) FROM {table}") == [0]
    with server_sessions() as session:
        set_scope(session, children)
        changed = session.execute(text("UPDATE casework_referrals SET status = 'closed'"))
        assert changed.rowcount == 1  # its own only
        session.rollback()


@pytest.mark.postgres
@ON_POSTGRESQL
def test_a_partner_cannot_write_a_row_outside_their_agency(
    two_agencies: TestClient, server_sessions: sa.orm.sessionmaker[Session]
) -> None:
    with server_sessions() as session:
        set_scope(session, _partner(CHILDREN))
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            session.execute(text(f"UPDATE casework_referrals SET agency = '{TREATMENT}'"))
        session.rollback()
        set_scope(session, _partner(CHILDREN))
        with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
            session.execute(text(
                "INSERT INTO casework_referrals (person_id, agency, reason, status, made_by, "
                f"made_on, reference) VALUES (1, '{TREATMENT}', 'x', 'made', 'x', "
                "CURRENT_DATE, 'R-0000000000')"
            ))  # fmt: skip


@pytest.mark.postgres
@ON_POSTGRESQL
def test_no_one_signed_in_and_a_client_that_says_nothing_reach_no_referral(
    two_agencies: TestClient, server_sessions: sa.orm.sessionmaker[Session], casework: Workspace
) -> None:
    count = "SELECT count(*) FROM casework_referrals"
    assert _scalars(server_sessions, NO_AGENCY, count) == [0]
    assert _scalars(server_sessions, _partner(""), count) == [0]  # a partner with no agency
    url = as_role(casework.engine.url.render_as_string(hide_password=False), SERVER_ROLE)
    plain = sa.create_engine(url)  # not Fortress's engine: no setting made on connecting
    try:
        with plain.connect() as connection:
            assert connection.scalar(text(count)) == 0
            assert connection.scalar(text("SELECT count(*) FROM casework_people")) == 0
    finally:
        plain.dispose()


@pytest.mark.postgres
@ON_POSTGRESQL
def test_the_owner_is_bound_too_because_it_is_forced(
    two_agencies: TestClient, casework: Workspace
) -> None:
    with casework.sessions() as session:  # the owner's connection, which sees every agency
        assert session.scalar(text("SELECT count(*) FROM casework_referrals")) == 2
        session.execute(text("SELECT set_config('fortress.sees_all', 'off', true), "
                             f"set_config('fortress.agency', '{TREATMENT}', true)"))  # fmt: skip
        assert list(session.scalars(text("SELECT agency FROM casework_referrals"))) == [TREATMENT]


@pytest.mark.postgres
@ON_POSTGRESQL
def test_only_a_role_that_is_bound_may_be_granted_and_serve_says_when_it_is_not(
    client: TestClient, casework: Workspace
) -> None:
    served = client.app.state.engine  # type: ignore[attr-defined]
    assert row_security_warnings(served) == []
    assert "the records' owner" in row_security_warnings(casework.engine)[0]
    owner = casework.engine.url.username
    with pytest.raises(CaseworkDatabaseError, match="owns the records' tables"):
        grant_server_role(casework.engine, str(owner))
    with pytest.raises(CaseworkDatabaseError, match="superuser or bypasses"):
        grant_server_role(casework.engine, "postgres")
    with pytest.raises(CaseworkDatabaseError, match="no role nobody_at_all"):
        grant_server_role(casework.engine, "nobody_at_all")
    with pytest.raises(CaseworkDatabaseError, match="not a plain role name"):
        grant_server_role(casework.engine, 'x"; DROP TABLE casework_referrals; --')


@pytest.mark.postgres
@ON_POSTGRESQL
@pytest.mark.parametrize(
    "statement",
    ["UPDATE casework_audit SET actor = 'someone else'", "DELETE FROM casework_audit",
     "DELETE FROM casework_audit_head", "UPDATE casework_keys SET secret = 'known'",
     "DELETE FROM casework_keys", "UPDATE casework_alembic_version SET version_num = '0001'"],
)  # fmt: skip
def test_the_server_can_only_append_to_the_audit_log_and_read_the_keys(
    two_agencies: TestClient, server_sessions: sa.orm.sessionmaker[Session], statement: str
) -> None:
    with server_sessions() as session:
        set_scope(session, EVERY_AGENCY)
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(text(statement))


@pytest.mark.postgres
@ON_POSTGRESQL
def test_the_command_grants_a_role_and_refuses_where_there_is_no_row_security(
    casework: Workspace,
) -> None:
    url = casework.engine.url.render_as_string(hide_password=False)
    where = ["--workspace", str(casework.root), "--database-url", url]
    granted = CliRunner().invoke(app, [*where, "casework", "grant-server", SERVER_ROLE])
    assert granted.exit_code == 0, granted.output
    schema = casework.engine.url.query["options"].partition("=")[2]  # type: ignore[union-attr]
    assert granted.stdout == (
        f"{SERVER_ROLE} may read and write the records in schema {schema}, "
        "within row-level security; serve with --database-url naming it\n"
    )
    refused = CliRunner().invoke(app, [*where, "casework", "grant-server", "postgres"])
    assert refused.exit_code == 2 and "superuser" in refused.output
    assert "Traceback" not in refused.output


def test_on_sqlite_the_command_says_there_are_no_roles(tmp_path: Path) -> None:
    where = ["--workspace", str(tmp_path / "ws")]
    assert CliRunner().invoke(app, [*where, "casework", "migrate"]).exit_code == 0
    refused = CliRunner().invoke(app, [*where, "casework", "grant-server", "server"])
    assert refused.exit_code == 2 and "SQLite has no roles" in refused.output
