"""The password policy (OWASP ASVS 5.0, 6.2): at least 12 characters once normalised,
not among the common passwords, not guessable from the user's own name; normalised the
same way when it is set and when it is typed to sign in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from fortress.casework.models import AuditEntry
from fortress.casework.users import UserProblem, add_user
from fortress.cli.main import app
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, sign_in


def _add(casework: Workspace, password: str, name: str = "dana") -> None:
    with casework.sessions.begin() as session:
        add_user(session, name, "analyst", password, agency=None, actor="test")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        (" " * 12, "at least 12 characters"),
        ("a" + " " * 11 + "b", "at least 12 characters"),  # a run of spaces counts as one
        ("\u3000" * 14, "at least 12 characters"),  # ideographic spaces are spaces too
        ("password1234", "among the 30,000 most common passwords"),
        ("Qwertyuiop123", "among the 30,000 most common passwords"),
        ("aaaaaaaaaaaaaaaa", "easy to guess"),
        ("1234567890123", "easy to guess"),
        ("fortressdana1", "easy to guess"),  # the user's own name and the product's
    ],
)
def test_a_weak_password_is_refused_with_the_reason(
    casework: Workspace, password: str, why: str
) -> None:
    with pytest.raises(UserProblem, match=why):
        _add(casework, password)


def test_a_password_is_normalised_alike_when_set_and_when_typed(
    casework: Workspace, client: TestClient
) -> None:
    full_width = "\uff30\uff41\uff53\uff53 phrase for the night shift"  # full-width "Pass"
    _add(casework, full_width)
    for typed in (full_width, "Pass phrase for the night shift"):  # the same under NFKC
        answer = client.post("/api/v1/session", json={"name": "dana", "password": typed})
        assert answer.status_code == 200, (typed, answer.text)


def test_a_long_passphrase_is_taken_whole(casework: Workspace, client: TestClient) -> None:
    """No truncation: a character changed at the end of a 200-character passphrase is a
    wrong password (bcrypt, unlike Argon2, would have ignored it)."""
    long_one = "correct horse battery staple " * 7
    _add(casework, long_one)
    right = client.post("/api/v1/session", json={"name": "dana", "password": long_one})
    assert right.status_code == 200
    wrong = client.post("/api/v1/session", json={"name": "dana", "password": long_one[:-1] + "!"})
    assert wrong.status_code == 401


def test_the_command_says_why_a_password_is_refused(casework: Workspace) -> None:
    url = casework.engine.url.render_as_string(hide_password=False)
    database = ["--database-url", url] if url.startswith("postgres") else []
    result = CliRunner().invoke(
        app, ["--workspace", str(casework.root), *database, "users", "add", "erin", "--role",
              "officer", "--password-stdin"], input="password1234\n",
    )  # fmt: skip
    assert result.exit_code == 2  # refused input, as every command refuses it
    assert "among the 30,000 most common passwords" in result.output
    assert "Traceback" not in result.output


def test_a_user_changes_their_own_password_and_every_session_ends(
    client: TestClient, casework: Workspace
) -> None:
    """ASVS 6.2.2 and 6.2.3: a person changes their password, giving the current one."""
    kept, changing = sign_in(client, "analyst"), sign_in(client, "analyst")
    change = "/api/v1/session/password"
    fresh = "a fresh passphrase for the analyst"
    wrong = client.put(change, json={"current": "not it at all", "new": fresh}, headers=changing)
    assert (
        wrong.status_code == 403 and wrong.json()["detail"] == "that is not your current password"
    )
    weak = client.put(change, json={"current": PASSWORD, "new": " " * 12}, headers=changing)
    assert weak.status_code == 422 and "at least 12 characters" in weak.json()["detail"]
    same = client.put(change, json={"current": PASSWORD, "new": PASSWORD}, headers=changing)
    assert same.status_code == 422 and "the one in use" in same.json()["detail"]
    assert client.put(change, json={"current": PASSWORD, "new": fresh},
                      headers=changing).status_code == 204  # fmt: skip
    for ended in (kept, changing):
        assert client.get("/api/v1/me", headers=ended).status_code == 401
    old = client.post("/api/v1/session", json={"name": "analyst", "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/v1/session", json={"name": "analyst", "password": fresh})
    assert new.status_code == 200
    with casework.sessions() as session:
        actions = [
            (e.actor, e.action, e.record_type)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.actor == "analyst").order_by(AuditEntry.seq)
            )
        ]
    assert ("analyst", "sign-in failure", "password.change 403") in actions
    assert ("analyst", "alteration", "user") in actions


def test_an_administrator_sets_a_forgotten_password_from_the_command_line(
    client: TestClient, casework: Workspace
) -> None:
    held = sign_in(client, "analyst")
    where = ["--workspace", str(casework.root)]
    if casework.engine.dialect.name == "postgresql":
        where += ["--database-url", casework.engine.url.render_as_string(hide_password=False)]
    fresh = "a fresh passphrase set by the administrator"
    done = CliRunner().invoke(app, [*where, "users", "password", "analyst", "--password-stdin"],
                              input=fresh + "\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout == "analyst's password is set: signed out everywhere\n"
    assert client.get("/api/v1/me", headers=held).status_code == 401
    assert client.post("/api/v1/session",
                       json={"name": "analyst", "password": fresh}).status_code == 200  # fmt: skip
    nobody = CliRunner().invoke(app, [*where, "users", "password", "nobody", "--password-stdin"],
                                input=fresh + "\n")  # fmt: skip
    assert nobody.exit_code == 2 and "there is no user 'nobody'" in nobody.output
