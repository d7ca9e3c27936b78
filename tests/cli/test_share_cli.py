"""``fortress share``: three forces find what they share through a matcher, two forces by
private set intersection; tables, JSON and refusals. Numbers are in the drama range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app

runner = CliRunner()

HELD = {
    "a": ["07700 900001", "07700 900002", "07700 900003"],
    "b": ["+447700900002", "+447700900003", "07700900004"],
    "c": ["07700 900003", "07700 900005"],
}


def share(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["share", *args])
    return result.exit_code, result.output


@pytest.fixture
def forces(tmp_path: Path) -> Path:
    """Each force's selectors as a CSV, and the exercise's key."""
    for force, values in HELD.items():
        rows = "".join(f"number,{v}\n" for v in values)
        (tmp_path / f"{force}.csv").write_text("kind,value\n" + rows)
    assert share("key", "week-49", "--out", str(tmp_path / "ex.key"))[0] == 0
    return tmp_path


def test_three_forces_learn_only_what_they_share_and_whom_to_ask(forces: Path) -> None:
    for force in HELD:
        code, _ = share(
            "tokens", "--key", str(forces / "ex.key"), "--force", force.upper(),
            "--selectors", str(forces / f"{force}.csv"), "--out", str(forces / f"{force}.json"),
        )  # fmt: skip
        assert code == 0
        sent = (forces / f"{force}.json").read_text()
        assert "+44" not in sent and "07700 " not in sent  # tokens and a name, no number
    tokens = [str(forces / f"{force}.json") for force in HELD]
    code, out = share("match", *tokens, "--out-dir", str(forces / "matched"), "--json")
    assert code == 0
    assert [(r["force"], r["tokens"], r["hits"]) for r in json.loads(out)] == [
        ("A", 3, 2),
        ("B", 3, 2),
        ("C", 2, 1),
    ]
    code, table = share("match", *tokens, "--out-dir", str(forces / "again"))
    assert code == 0 and "│ C " in table and (forces / "again/hits-c.json").exists()
    code, out = share(
        "hits", str(forces / "matched/hits-a.json"), "--key", str(forces / "ex.key"),
        "--selectors", str(forces / "a.csv"), "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == [
        {"kind": "number", "value": "+447700900002", "ask": ["B"]},
        {"kind": "number", "value": "+447700900003", "ask": ["B", "C"]},
    ]
    code, table = share(
        "hits", str(forces / "matched/hits-c.json"), "--key", str(forces / "ex.key"),
        "--selectors", str(forces / "c.csv"),
    )  # fmt: skip
    assert code == 0 and "+447700900003 │ A, B" in table and "900005" not in table


def test_two_forces_alone_by_private_set_intersection(forces: Path) -> None:
    secret, request, answer = (str(forces / n) for n in ("a.secret", "req.json", "ans.json"))
    a, b = str(forces / "a.csv"), str(forces / "b.csv")
    assert share("psi-request", "--secret", secret, "--out", request, "--selectors", a)[0] == 0
    code, out = share("psi-answer", request, "--out", answer, "--selectors", b, "--most-asked", "2")
    assert code == 2 and "asks about 3 selectors, more than the 2 this answer allows" in out
    code, out = share("psi-answer", request, "--out", answer, "--selectors", b, "--json")
    assert code == 0 and json.loads(out)["asked_about"] == 3
    code, out = share("psi-result", answer, "--secret", secret, "--selectors", a, "--json")
    assert code == 0
    assert json.loads(out) == [
        {"kind": "number", "value": "+447700900002"},
        {"kind": "number", "value": "+447700900003"},
    ]


def test_refusals_say_why_and_write_nothing(forces: Path) -> None:
    code, out = share("key", "week-49", "--out", str(forces / "ex.key"))
    assert code == 2 and "never overwritten" in out
    (forces / "bad.csv").write_text(
        "kind,value\nnumber,07700 900001\nnumber,ring me\nvrm,AB12CDE\n"
    )
    code, out = share(
        "tokens", "--key", str(forces / "ex.key"), "--force", "A",
        "--selectors", str(forces / "bad.csv"), "--out", str(forces / "bad.json"),
    )  # fmt: skip
    assert code == 2
    assert "2 bad rows, nothing used: row 3:" in out and "row 4: unknown selector kind" in out
    assert not (forces / "bad.json").exists()
    share("key", "week-50", "--out", str(forces / "other.key"))
    for key, force in (("ex.key", "a"), ("other.key", "b")):
        share(
            "tokens", "--key", str(forces / key), "--force", force,
            "--selectors", str(forces / f"{force}.csv"), "--out", str(forces / f"{force}.json"),
        )  # fmt: skip
    code, out = share(
        "match", str(forces / "a.json"), str(forces / "b.json"), "--out-dir", str(forces / "m")
    )
    assert code == 2 and "different exercises: week-49, week-50" in out
    assert not (forces / "m").exists()


def test_a_file_that_cannot_be_written_is_a_clear_error(forces: Path) -> None:
    (forces / "a-file").write_text("")
    code, out = share(
        "psi-request", "--secret", str(forces / "a.secret"), "--selectors", str(forces / "a.csv"),
        "--out", str(forces / "a-file" / "req.json"),
    )  # fmt: skip
    assert code == 2 and "req.json cannot be written: " in out and "a-file is not a folder" in out
    assert not (forces / "a.secret").exists()
