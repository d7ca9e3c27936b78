"""Successor numbers for any number, including a whole group switching phones at once,
and analysts' judgements of links."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fortress.comms.judgements import JudgementError, judge_link
from fortress.comms.lines import list_lines, run_detection, successors
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
from helpers.worlds import World

START = datetime(2025, 5, 5, 9, 0)
OLD = [f"+447700900{101 + k}" for k in range(4)]
NEW = [f"+447700900{201 + k}" for k in range(4)]
OTHERS = [f"+447700900{301 + k}" for k in range(6)]


def _row(when: datetime, a: str, b: str, cell: str, imei: str) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%SZ},sms,{a},{b},0,{imei},{cell}"


def group_switch_file(path: Path) -> Path:
    """Four friends text only each other; on day 10 all four change number and handset.
    Six other people chat among themselves throughout."""
    rows = ["start,kind,a_number,b_number,duration_s,a_imei,a_cell"]
    for day in range(20):
        numbers = OLD if day < 10 else NEW
        for i, sender in enumerate(numbers):
            imei = f"35{day // 10}{i:012d}"
            for j, receiver in enumerate(numbers):
                if i != j:
                    when = START + timedelta(days=day, minutes=10 * i + j)
                    rows.append(_row(when, sender, receiver, f"234-30-1-{i}", imei))
        for i, sender in enumerate(OTHERS):
            when = START + timedelta(days=day, hours=3, minutes=i)
            receiver = OTHERS[(i + 1) % len(OTHERS)]
            rows.append(_row(when, sender, receiver, f"234-30-2-{i}", f"3599{i:011d}"))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_group_that_switches_together_is_matched_member_by_member(
    workspace: Workspace, tmp_path: Path
) -> None:
    summary = ingest_comms(
        workspace, group_switch_file(tmp_path / "g.csv"), spec=preset("canonical")
    )
    assert summary.ok, summary.error
    found = {item.number: item for item in successors(workspace)}
    assert set(found) == set(OLD)
    for old, new in zip(OLD, NEW, strict=True):
        best = found[old].candidates[0]
        assert best.number == new
        contacts = next(e for e in best.evidence if e.kind == "contacts")
        assert contacts.figures["shared"] == 0
        assert contacts.figures["via_their_successors"] == 3
        assert best.score > found[old].candidates[1].score


def test_one_number_can_be_asked_for_in_any_written_form(
    workspace: Workspace, tmp_path: Path
) -> None:
    ingest_comms(workspace, group_switch_file(tmp_path / "g.csv"), spec=preset("canonical"))
    [item] = successors(workspace, "07700 900101")
    assert item.number == OLD[0] and item.candidates[0].number == NEW[0]


@pytest.fixture
def world_copy(demo_world: World, tmp_path: Path) -> Workspace:
    """A private copy of the demo world's workspace (judgements change it)."""
    shutil.copytree(demo_world.workspace.root, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")


def test_a_rejected_link_splits_the_line_and_leaves_the_successor_list(
    world_copy: Workspace,
) -> None:
    run_detection(world_copy)
    line = next(item for item in list_lines(world_copy) if len(item.numbers) == 2)
    old, new = line.numbers
    judge_link(world_copy, old, new, "rejected", note="different handset seized")
    run_detection(world_copy)
    numbers = [item.numbers for item in list_lines(world_copy)]
    assert [old] in numbers and [new] in numbers
    [item] = successors(world_copy, old)
    assert new not in [cand.number for cand in item.candidates]


def test_a_confirmed_link_is_marked_in_the_evidence(world_copy: Workspace) -> None:
    run_detection(world_copy)
    line = next(item for item in list_lines(world_copy) if len(item.numbers) == 2)
    old, new = line.numbers
    judge_link(world_copy, old, new, "confirmed")
    run_detection(world_copy)
    again = next(item for item in list_lines(world_copy) if item.numbers == [old, new])
    assert any("judged this link confirmed" in e.text for e in again.evidence)
    [item] = successors(world_copy, old)
    assert item.candidates[0].judgement == "confirmed"


def test_a_judgement_needs_a_known_verdict(world_copy: Workspace) -> None:
    with pytest.raises(JudgementError, match="confirmed, rejected, unsure"):
        judge_link(world_copy, "+447700900001", "+447700900002", "maybe")
