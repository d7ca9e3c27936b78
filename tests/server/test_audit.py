"""The audit log: every kind of tampering is found, the auditor's own reads are audited,
and a database not at the head revision is refused with the reason."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from fortress.casework import audit
from fortress.casework.db import CaseworkDatabaseError, check_ready, head_revision, migrate
from fortress.casework.users import add_user
from fortress.cli.main import app
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import sign_in

runner = CliRunner()


def _filled(casework: Workspace) -> None:
    """Ten more entries of every kind of act (after the six users', the operation's and the
    nine of ``seed_records``: 26 in all)."""
    with casework.sessions.begin() as session:
        for k, action in enumerate((audit.ACTIONS * 2)[:10]):
            recipient = "CPS" if action == "disclosure" else None
            audit.record(session, "analyst", action, "intelligence", [k], recipient=recipient)


TAMPERING: dict[str, tuple[str, str]] = {  # what is done -> (SQL, what verify must say)
    "modified": ("UPDATE casework_audit SET actor = 'someone else' WHERE seq = 5", "changed"),
    "deleted": ("DELETE FROM casework_audit WHERE seq = 7", "missing"),
    "reordered": (  # entries 3 and 4 swap places
        "UPDATE casework_audit SET seq = -3 WHERE seq = 3; "
        "UPDATE casework_audit SET seq = 3 WHERE seq = 4; "
        "UPDATE casework_audit SET seq = 4 WHERE seq = -3",
        "does not follow",
    ),
    "inserted": (
        "INSERT INTO casework_audit SELECT 100, at, actor, action, record_type, record_ids, "
        "recipient, hash, hash FROM casework_audit WHERE seq = 25",
        "truncated or the head was altered",
    ),
    "truncated": ("DELETE FROM casework_audit WHERE seq >= 24", "truncated"),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERING))
def test_verify_finds_every_kind_of_tampering(casework: Workspace, tampering: str) -> None:
    _filled(casework)
    with casework.sessions() as session:
        before = audit.verify(session)
    assert before.ok and before.entries == 25
    sql, says = TAMPERING[tampering]
    with casework.engine.begin() as connection:
        for statement in sql.split(";"):
            connection.execute(text(statement))
    with casework.sessions() as session:
        after = audit.verify(session)
    assert not after.ok
    assert any(says in problem for problem in after.problems), after.problems
    url = casework.engine.url.render_as_string(hide_password=False)
    where = ["--workspace", str(casework.root), "--database-url", url]
    result = runner.invoke(app, [*where, "audit", "verify"])
    assert result.exit_code == 1 and "TAMPERED" in result.stderr


def test_the_auditors_reads_are_audited_and_disclosures_need_a_recipient(
    casework: Workspace, client: TestClient
) -> None:
    headers = sign_in(client, "auditor")
    first = client.get("/api/v1/audit", headers=headers).json()
    assert [e["action"] for e in first].count("consultation") == 0  # only the seeding so far
    assert len(first) == 17  # six users, one operation, nine seeded records, the sign-in
    assert ("auditor", "sign-in") in [(e["actor"], e["action"]) for e in first]
    second = client.get("/api/v1/audit?after=17", headers=headers).json()
    assert [(e["actor"], e["action"], e["record_type"]) for e in second] == [
        ("auditor", "consultation", "audit")
    ]
    with casework.sessions() as session:
        assert audit.verify(session).ok
        with pytest.raises(ValueError, match="recipient"):
            audit.record(session, "analyst", "disclosure", "intelligence", [1])


def test_a_database_not_at_the_head_revision_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'half.db'}")
    with pytest.raises(CaseworkDatabaseError, match="no casework tables yet"):
        create_app(engine)
    migrate(engine)
    check_ready(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM casework_alembic_version"))
    with pytest.raises(CaseworkDatabaseError, match="half-migrated"):
        create_app(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO casework_alembic_version VALUES ('0000')"))
    needs = f"revision 0000, this Fortress needs {head_revision()}"
    with pytest.raises(CaseworkDatabaseError, match=needs):
        check_ready(engine)
    served = runner.invoke(app, ["--workspace", str(tmp_path / "ws"), "serve", "--port", "9"])
    assert served.exit_code == 2 and "casework migrate" in served.stderr


def test_an_older_database_is_upgraded_keeping_its_records(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    assert migrate(workspace.engine, "0001") == "0001"
    with workspace.sessions.begin() as session:
        add_user(session, "ann", "analyst", "a long enough password", agency=None, actor="t")
    with pytest.raises(CaseworkDatabaseError, match="casework migrate"):
        check_ready(workspace.engine)
    assert migrate(workspace.engine) == head_revision()
    check_ready(workspace.engine)
    with workspace.sessions() as session:
        assert audit.verify(session).ok and audit.verify(session).entries == 1


def test_an_anchor_outside_the_database_finds_a_consistent_rewrite(casework: Workspace) -> None:
    _filled(casework)
    where = ["--workspace", str(casework.root), "--database-url",
             casework.engine.url.render_as_string(hide_password=False)]  # fmt: skip
    assert runner.invoke(app, [*where, "audit", "anchor"]).exit_code == 0
    intact = runner.invoke(app, [*where, "audit", "verify"])
    assert intact.exit_code == 0 and "and 1 anchors" in intact.stdout
    # the tail cut off and the head moved back to match: the chain alone looks whole
    with casework.engine.begin() as connection:
        connection.execute(text("DELETE FROM casework_audit WHERE seq > 20"))
        connection.execute(text(
            "UPDATE casework_audit_head SET seq = 20, "
            "hash = (SELECT hash FROM casework_audit WHERE seq = 20)"
        ))  # fmt: skip
    with casework.sessions() as session:
        assert audit.verify(session).ok
    found = runner.invoke(app, [*where, "audit", "verify", "--json"])
    assert found.exit_code == 1 and "anchored entry 25 is gone" in found.stdout


def test_a_damaged_anchors_file_is_named(casework: Workspace, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text('{"seq": 1, "hash": "x"}\nnot json\n')
    where = ["--workspace", str(casework.root), "--database-url",
             casework.engine.url.render_as_string(hide_password=False)]  # fmt: skip
    result = runner.invoke(app, [*where, "audit", "verify", "--anchors", str(anchors)])
    assert result.exit_code == 2 and "line 2 is not an anchor" in result.output


REFUSE_AUDIT = {  # a trigger that makes every audit insert fail, as a full disk would;
    # on PostgreSQL only when the transaction commits
    "sqlite": [
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON casework_audit "
        "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'audit store unavailable'; END $$ LANGUAGE plpgsql",
        # deferred: it fires at COMMIT, after the endpoint has done its work
        "CREATE CONSTRAINT TRIGGER refuse_audit AFTER INSERT ON casework_audit "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    ],
}


def test_an_act_whose_audit_cannot_be_written_is_not_done(
    casework: Workspace, client: TestClient
) -> None:
    headers = sign_in(client, "analyst")
    with casework.engine.begin() as connection:
        for statement in REFUSE_AUDIT[casework.engine.dialect.name]:
            connection.execute(text(statement))
    body = {"text": "Should not be kept", "grade": {"source_evaluation": "1", "assessment": "A",
            "handling_code": "P"}}  # fmt: skip
    answer = client.post("/api/v1/intelligence", json=body, headers=headers)
    assert answer.status_code == 503 and "nothing was changed" in answer.json()["detail"]
    assert "audit store unavailable" not in answer.text and "Traceback" not in answer.text
    reading = client.get("/api/v1/intelligence/1", headers=headers)  # a read is audited too
    assert reading.status_code == 503 and "Deal line" not in reading.text
    with casework.engine.connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM casework_intelligence")).scalar()
    assert kept == 2  # the two seeded reports only


def test_concurrent_writers_never_share_a_place_in_the_chain(casework: Workspace) -> None:
    with casework.sessions() as session:
        before = audit.verify(session).entries

    def write(worker: int) -> None:
        for k in range(25):
            with casework.sessions.begin() as session:
                session.execute(text("SELECT 1"))  # a read first, as every endpoint does
                audit.record(session, f"worker {worker}", "consultation", "intelligence", [k])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))  # re-raises any writer's failure
    with casework.sessions() as session:
        found = audit.verify(session)
    assert found.ok, found.problems
    assert found.entries == before + 8 * 25
