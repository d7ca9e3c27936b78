"""Signed line bundles between two forces, through the CLI: Hampshire (the demo world's
workspace) sends a line to Sussex (an empty workspace), which imports it, reviews it and
accepts it. A C-coded line waits for a supervisor; a tampered, cut, re-signed or
untrusted bundle is refused; every step is audited."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from followthemoney import model
from sqlalchemy import select
from typer.testing import CliRunner

from fortress.casework.db import migrate
from fortress.casework.models import AuditEntry
from fortress.casework.users import add_user
from fortress.cli.main import app
from fortress.comms.lines import list_lines, run_detection, show_line
from fortress.store.workspace import Workspace
from helpers.worlds import World

runner = CliRunner()
PASSWORD = "a long enough test password"


@dataclass(frozen=True)
class Forces:
    """Two forces' workspaces, with the line Hampshire shares."""

    hampshire: Path
    sussex: Path
    line: str
    folder: Path


def _casework(root: Path, users: dict[str, str]) -> None:
    workspace = Workspace.open(root, create=True)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        for name, role in users.items():
            add_user(session, name, role, PASSWORD, agency=None, actor="test")


def run(workspace: Path, *args: str) -> tuple[int, str]:
    """``fortress --workspace WORKSPACE ARGS``: the exit code and what it printed."""
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def detected(demo_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo world's workspace with its lines detected (once for the module)."""
    root = tmp_path_factory.mktemp("detected") / "workspace"
    shutil.copytree(demo_world.workspace.root, root)
    run_detection(Workspace.open(root))
    return root


@pytest.fixture
def forces(detected: Path, tmp_path: Path) -> Forces:
    """Hampshire with an analyst, a supervisor and an officer and its signing key; Sussex
    with an analyst, trusting Hampshire's public key."""
    hampshire, sussex = tmp_path / "hampshire", tmp_path / "sussex"
    shutil.copytree(detected, hampshire)
    _casework(hampshire, {"ann": "analyst", "sue": "supervisor", "oli": "officer"})
    _casework(sussex, {"sam": "analyst"})
    code, out = run(hampshire, "share", "signing-key", "--force", "Hampshire", "--json")
    assert code == 0, out
    public = json.loads(out)["public_key"]
    assert run(sussex, "share", "trust", public)[0] == 0
    line = list_lines(Workspace.open(hampshire))[0].line_id
    assert line is not None
    return Forces(hampshire, sussex, line, tmp_path)


def _export(forces: Forces, grade: str, *more: str) -> tuple[int, str]:
    return run(
        forces.hampshire, "share", "export", "--lines", forces.line, "--to", "Sussex",
        "--purpose", "Operation Fortress: the line sells in both forces", "--grade", grade,
        "--as", "ann", "--out", str(forces.folder / "line.bundle"), *more,
    )  # fmt: skip


def _records(bundle: Path) -> list[dict[str, object]]:
    lines = bundle.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[1:-1]]


def _audit(root: Path) -> list[tuple[str, str, str, str | None]]:
    with Workspace.open(root).sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(e.actor, e.action, e.record_type, e.recipient) for e in rows]


def test_a_line_travels_from_export_to_acceptance(forces: Forces) -> None:
    code, out = _export(forces, "2/B/P", "--json")
    assert code == 0, out
    sent = json.loads(out)
    assert sent["status"] == "approved" and sent["grade"] == "2/B/P"
    assert sent["bundle_id"] and sent["line_ids"] == [forces.line]
    bundle = forces.folder / "line.bundle"
    code, out = run(forces.sussex, "share", "import", str(bundle), "--as", "sam", "--json")
    assert code == 0, out
    imported = json.loads(out)
    assert imported["bundle_id"] == sent["bundle_id"] and imported["from"] == "Hampshire"
    assert imported["status"] == "held for review" and imported["lines"] == 1
    code, out = run(forces.sussex, "share", "received", "--as", "sam", "--status", "held")
    assert code == 0 and "Hampshire" in out and "held" in out
    code, out = run(forces.sussex, "share", "received", sent["bundle_id"], "--as", "sam",
                    "--json")  # fmt: skip
    [held] = json.loads(out)["lines"]
    detail = show_line(Workspace.open(forces.hampshire), forces.line)
    assert held["line"]["numbers"] == detail.numbers and held["line"]["grade"] == "2/B/P"
    assert held["held_here"] == []  # Sussex has found no line of its own
    code, out = run(forces.sussex, "share", "received", sent["bundle_id"], "--as", "sam")
    assert code == 0 and detail.numbers[0] in out and "2/B/P" in out
    code, out = run(forces.sussex, "share", "received", "no-such-bundle", "--as", "sam")
    assert code == 2 and "no received bundle 'no-such-bundle'" in out
    code, out = run(
        forces.sussex, "share", "review", sent["bundle_id"], "--accept",
        "--reason", "matches our intelligence on the line", "--as", "sam", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["status"] == "accepted"
    code, out = run(forces.sussex, "share", "received", "--as", "sam", "--json")
    assert [(b["status"], b["lines"]) for b in json.loads(out)] == [("accepted", [forces.line])]
    assert ("ann", "disclosure", "deal_line", "Sussex") in _audit(forces.hampshire)
    received = _audit(forces.sussex)
    assert ("sam", "collection", "received_bundle", None) in received
    assert ("sam", "alteration", "received_bundle", None) in received


def test_every_record_is_a_followthemoney_entity_with_its_grade_and_marking(
    forces: Forces,
) -> None:
    assert _export(forces, "1/A/P", "--marking", "OFFICIAL")[0] == 0
    records = _records(forces.folder / "line.bundle")
    detail = show_line(Workspace.open(forces.hampshire), forces.line)
    schemata = [model.get_proxy(r).schema.name for r in records]
    assert schemata[0] == "Organization"
    assert {"Note", "UserAccount", "UnknownLink"} <= set(schemata)
    for record in records:
        assert record["fortress"] == {
            "sender": "Hampshire", "line_id": forces.line, "grade": "1/A/P",
            "grading_model": "3x5x2", "handling_code": "P", "handling_conditions": None,
            "marking": "OFFICIAL",
        }  # fmt: skip
    phones = {p for r in records for p in r["properties"].get("phone", [])}  # type: ignore[attr-defined]
    assert set(detail.numbers) | {r.number for r in detail.runners.numbers} <= phones
    roles = {role for r in records for role in r["properties"].get("role", [])}  # type: ignore[attr-defined]
    assert any(role.startswith("runner: ") for role in roles)
    assert any(role.startswith("controller") for role in roles) == bool(detail.controllers.numbers)
    handsets = {h.imei for h in detail.handsets}
    assert handsets and all(
        any(imei in name for r in records for name in r["properties"].get("name", []))  # type: ignore[attr-defined]
        for imei in handsets
    )
    text = (forces.folder / "line.bundle").read_text()
    assert not [c for c in detail.customers.numbers if c in text]  # customers never leave


def test_a_c_coded_line_leaves_only_with_a_supervisors_approval(forces: Forces) -> None:
    code, out = _export(forces, "2/B/C", "--conditions", "Sussex intelligence unit only")
    assert code == 0 and "awaiting" in out and "fortress share decide 1" in out
    bundle = forces.folder / "line.bundle"
    assert not bundle.exists()
    again = ["share", "export", "--request", "1", "--as", "ann", "--out", str(bundle)]
    code, out = run(forces.hampshire, *again)
    assert code == 2 and "line export 1 is awaiting: nothing may be sent" in out
    code, out = run(forces.hampshire, "share", "decide", "1", "--approve", "--reason", "ok",
                    "--as", "ann")  # fmt: skip
    assert code == 2 and "ann is a analyst: this needs a supervisor" in out
    code, out = run(forces.hampshire, "share", "exports", "--as", "sue", "--status", "awaiting")
    assert code == 0 and "Sussex" in out and "2/B/C" in out
    code, out = run(
        forces.hampshire, "share", "decide", "1", "--approve", "--as", "sue",
        "--reason", "the line is active in Sussex; conditions set", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["status"] == "approved"
    code, out = run(forces.hampshire, *again, "--json")
    assert code == 0 and json.loads(out)["bundle_id"]
    records = _records(bundle)
    assert {r["fortress"]["handling_conditions"] for r in records} == {  # type: ignore[index]
        "Sussex intelligence unit only"
    }
    code, out = run(forces.hampshire, "share", "exports", "--as", "sue", "--json")
    assert [(e["status"], e["decided_by"]) for e in json.loads(out)] == [("approved", "sue")]


def test_a_refused_line_never_leaves(forces: Forces) -> None:
    assert _export(forces, "3/C/C", "--conditions", "not yet")[0] == 0
    code, _ = run(forces.hampshire, "share", "decide", "1", "--refuse", "--as", "sue",
                  "--reason", "source not yet tested")  # fmt: skip
    assert code == 0
    args = ["share", "export", "--request", "1", "--as", "ann", "--out", str(forces.folder / "b")]
    code, out = run(forces.hampshire, *args)
    assert code == 2 and "is refused: nothing may be sent" in out
    assert not (forces.folder / "b").exists()


def test_who_may_share_is_the_role_table(forces: Forces) -> None:
    code, out = run(
        forces.hampshire, "share", "export", "--lines", forces.line, "--to", "Sussex",
        "--purpose", "x", "--grade", "2/B/P", "--as", "oli", "--out", str(forces.folder / "b"),
    )  # fmt: skip
    assert code == 2 and "oli is a officer: this needs a analyst or supervisor" in out
    code, out = run(forces.hampshire, "share", "exports", "--as", "nobody")
    assert code == 2 and "no enabled casework user 'nobody'" in out


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda t: t.replace("Deal line", "Deal lines", 1), "was changed after Hampshire signed"),
        (lambda t: t.replace('"Hampshire"', '"Kent"', 1), "was changed after Hampshire signed"),
        (
            lambda t: "".join(t.splitlines(True)[:-2] + t.splitlines(True)[-1:]),
            "was changed after Hampshire signed",
        ),
        (lambda t: "".join(t.splitlines(True)[:-1]), "ends without a signature"),
        (lambda t: "not a bundle\n", "does not start with a bundle header"),
    ],
    ids=["record", "sender", "record-dropped", "signature-cut", "not-a-bundle"],
)
def test_a_tampered_bundle_is_refused_and_nothing_is_held(
    forces: Forces, change: object, refusal: str
) -> None:
    assert _export(forces, "2/B/P")[0] == 0
    bundle = forces.folder / "line.bundle"
    bundle.write_text(change(bundle.read_text()))  # type: ignore[operator]
    code, out = run(forces.sussex, "share", "import", str(bundle), "--as", "sam")
    assert code == 2 and refusal in out, out
    code, out = run(forces.sussex, "share", "received", "--as", "sam", "--json")
    assert json.loads(out) == []


def test_a_bundle_from_an_untrusted_key_or_twice_is_refused(forces: Forces) -> None:
    assert _export(forces, "2/B/P")[0] == 0
    bundle = str(forces.folder / "line.bundle")
    stranger = forces.folder / "stranger"
    _casework(stranger, {"tom": "analyst"})
    code, out = run(stranger, "share", "import", bundle, "--as", "tom")
    assert code == 2 and "signed by a key this workspace does not trust" in out
    assert run(forces.sussex, "share", "import", bundle, "--as", "sam")[0] == 0
    code, out = run(forces.sussex, "share", "import", bundle, "--as", "sam")
    assert code == 2 and "was already imported" in out


def test_a_bundle_addressed_to_another_force_is_refused(forces: Forces) -> None:
    """Sending was approved for Sussex: Kent's workspace, which trusts Hampshire too,
    refuses it, and holds nothing; Sussex's own key matches the recipient, whatever the
    case and spacing."""
    assert _export(forces, "2/B/P")[0] == 0
    bundle = str(forces.folder / "line.bundle")
    public = str(forces.hampshire / "sharing" / "signing-key-public.json")
    kent = forces.folder / "kent"
    _casework(kent, {"kim": "analyst"})
    assert run(kent, "share", "signing-key", "--force", "Kent")[0] == 0
    assert run(kent, "share", "trust", public)[0] == 0
    code, out = run(kent, "share", "import", bundle, "--as", "kim")
    assert code == 2, out
    assert "is addressed to 'Sussex', and this workspace is Kent's: refused" in " ".join(
        out.split()
    )
    code, out = run(kent, "share", "received", "--as", "kim", "--json")
    assert json.loads(out) == []
    assert run(forces.sussex, "share", "signing-key", "--force", "  sussex ")[0] == 0
    code, out = run(forces.sussex, "share", "import", bundle, "--as", "sam")
    assert code == 0, out


def test_a_newer_run_needs_the_lines_approved_again(forces: Forces) -> None:
    assert _export(forces, "2/B/C", "--conditions", "SIU only")[0] == 0
    assert run(forces.hampshire, "share", "decide", "1", "--approve", "--reason", "ok",
               "--as", "sue")[0] == 0  # fmt: skip
    assert run(forces.hampshire, "lines", "detect")[0] == 0
    args = ["share", "export", "--request", "1", "--as", "ann", "--out", str(forces.folder / "b")]
    code, out = run(forces.hampshire, *args)
    assert code == 2 and "ask to share them again" in out


def test_keys_and_trust_are_shown_and_never_overwritten(forces: Forces) -> None:
    code, out = run(forces.sussex, "share", "trusted")
    assert code == 0 and "Hampshire" in out
    code, out = run(forces.sussex, "share", "trusted", "--json")
    [trusted] = json.loads(out)
    assert trusted["force"] == "Hampshire" and len(trusted["fingerprint"]) == 64
    code, out = run(forces.hampshire, "share", "signing-key", "--force", "Hampshire")
    assert code == 2 and "a secret is never overwritten" in out
    key = forces.hampshire / "sharing" / "signing-key.json"
    assert key.stat().st_mode & 0o077 == 0
    private = json.loads(key.read_text())["key"]
    public = (forces.hampshire / "sharing" / "signing-key-public.json").read_text()
    assert private not in public and trusted["fingerprint"] in public


def test_a_line_both_forces_hold_is_one_brand_on_the_regional_view(
    forces: Forces, detected: Path
) -> None:
    """Sussex detected the same line in its own data; once it accepts Hampshire's bundle,
    the regional view shows one brand with both forces' parts, joined by their numbers."""
    sussex = forces.folder / "sussex-with-lines"
    shutil.copytree(detected, sussex)
    _casework(sussex, {"sam": "analyst"})
    assert run(sussex, "share", "signing-key", "--force", "Sussex")[0] == 0
    public = forces.hampshire / "sharing" / "signing-key-public.json"
    assert run(sussex, "share", "trust", str(public))[0] == 0
    code, out = run(sussex, "share", "regional", "--as", "sam")
    assert code == 0 and "No line is held by more than one force." in out
    assert _export(forces, "2/B/C", "--marking", "OFFICIAL", "--conditions", "SIU only")[0] == 0
    assert run(forces.hampshire, "share", "decide", "1", "--approve", "--reason", "ok",
               "--as", "sue")[0] == 0  # fmt: skip
    again = ["--request", "1", "--out", str(forces.folder / "line.bundle")]
    assert run(forces.hampshire, "share", "export", "--as", "ann", *again)[0] == 0
    code, out = run(sussex, "share", "import", str(forces.folder / "line.bundle"), "--as", "sam",
                    "--json")  # fmt: skip
    bundle_id = json.loads(out)["bundle_id"]
    code, out = run(sussex, "share", "regional", "--as", "sam", "--json")
    assert json.loads(out) == []  # held, not yet accepted: apart from Sussex's findings
    code, out = run(sussex, "share", "received", bundle_id, "--as", "sam", "--json")
    [held] = json.loads(out)["lines"]  # what accepting it would join: Sussex's own line
    assert held["line"]["line_id"] == forces.line and held["held_here"] == [forces.line]
    code, out = run(sussex, "share", "received", bundle_id, "--as", "sam")
    assert code == 0 and f"Bundle {bundle_id} from Hampshire, held:" in out
    assert "2/B/C (SIU only)" in out and out.count(forces.line) == 2
    assert run(sussex, "share", "review", bundle_id, "--accept", "--reason", "ours too",
               "--as", "sam")[0] == 0  # fmt: skip
    code, out = run(sussex, "share", "regional", "--as", "sam", "--json")
    assert code == 0, out
    [brand] = [
        b for b in json.loads(out) if forces.line in {c["line_id"] for c in b["contributions"]}
    ]
    detail = show_line(Workspace.open(forces.hampshire), forces.line)
    assert brand["forces"] == ["Sussex", "Hampshire"]
    assert [(c["force"], c["own"], c["grade"]) for c in brand["contributions"]] == [
        ("Sussex", True, None),
        ("Hampshire", False, "2/B/C"),
    ]
    assert set(detail.numbers) <= set(brand["numbers"])
    assert {f"number {n}" for n in detail.numbers} <= set(brand["joined_by"])
    hampshire_part = brand["contributions"][1]
    assert hampshire_part["first_seen"] == detail.first_seen_utc[:10]
    assert hampshire_part["marking"] == "OFFICIAL" and hampshire_part["bundle_id"] == bundle_id
    code, table = run(sussex, "share", "regional", "--as", "sam")
    assert code == 0 and "Hampshire" in table and "Sussex" in table
    assert "brand 1: Sussex, Hampshire joined by handset " in table
    assert "brand 1, Hampshire (2/B/C): handling conditions: SIU only" in table


def test_a_line_the_latest_run_lacks_is_refused_and_nothing_is_asked(forces: Forces) -> None:
    code, out = run(
        forces.hampshire, "share", "export", "--lines", f"{forces.line},line-nope", "--to",
        "Sussex", "--purpose", "x", "--grade", "2/B/C", "--conditions", "SIU only", "--as", "ann",
        "--out", str(forces.folder / "b"),
    )  # fmt: skip
    assert code == 2 and "no line line-nope in the latest run" in out
    code, out = run(forces.hampshire, "share", "exports", "--as", "sue", "--json")
    assert json.loads(out) == []
