"""Ordinary people's real records (../shared/data): no deal line may be flagged.

The Copenhagen Networks Study logged the calls and texts of about 700 students for four
weeks; bandicoot's demo user is one person's phone; VAST 2008 is a call network. None holds
a deal line, so detection must report none, whatever it scores.

Successor numbers (``docs/methods/successors.md``) on the same records: VAST's scenario has
a published answer (five phones switched on day 8), the students none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fortress.comms.lines import list_lines, run_detection, successors
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import load_spec
from fortress.store.workspace import Workspace

pytestmark = pytest.mark.shared_data

SPECS = Path(__file__).parents[1] / "ingest" / "specs"


def _ingest(workspace: Workspace, path: Path, spec: str, owner: str | None = None) -> None:
    summary = ingest_comms(workspace, path, spec=load_spec(SPECS / spec), owner=owner)
    assert summary.ok, summary.error


def test_no_line_among_copenhagen_students(shared_data: Path, workspace: Workspace) -> None:
    folder = shared_data / "copenhagen_networks_study"
    _ingest(workspace, folder / "sms.csv", "copenhagen-sms.yaml")
    _ingest(workspace, folder / "calls.csv", "copenhagen-calls.yaml")
    summary = run_detection(workspace)
    assert summary.events == 24333 + 3600
    assert summary.lines_found == 0
    assert list_lines(workspace) == []
    assert all(not item.is_line for item in list_lines(workspace, include_all=True))


def test_no_line_in_one_persons_phone(shared_data: Path, workspace: Workspace) -> None:
    path = shared_data / "bandicoot_samples" / "demo" / "A.csv"
    _ingest(workspace, path, "bandicoot.yaml", owner="07700900999")
    assert run_detection(workspace).lines_found == 0


def test_no_line_in_a_call_network(shared_data: Path, workspace: Workspace) -> None:
    _ingest(workspace, shared_data / "vast2008_mc3" / "cdr.csv", "vast2008.yaml")
    summary = run_detection(workspace)
    assert summary.lines_found == 0
    assert summary.numbers_scored == 0  # calls only: nothing sends text waves


VAST_SWITCHES = {"200": "300", "1": "309", "2": "397", "3": "360", "5": "306"}
"""VAST 2008 MC3's published answer: the Catalano group switched phones on 8 June 2006."""


def test_the_vast_phone_switches_are_each_the_top_successor(
    shared_data: Path, workspace: Workspace
) -> None:
    """All five with the default parameters: 1, 2, 3 and 5 still make a few calls after
    the switch, 360 was used a little before it, and 200's inner circle all moved (found
    through their own new numbers)."""
    _ingest(workspace, shared_data / "vast2008_mc3" / "cdr.csv", "vast2008.yaml")
    found = {item.number: item for item in successors(workspace)}
    for old, new in VAST_SWITCHES.items():
        item = found[old]
        assert item.candidates[0].number == new, old
        assert item.switched_utc == "2006-06-08T00:00:00", old
    assert set(found) == set(VAST_SWITCHES)  # and no other number is listed


def test_no_successor_among_copenhagen_students(shared_data: Path, workspace: Workspace) -> None:
    """Four weeks of students' calls and texts: people come and go, nobody is listed."""
    folder = shared_data / "copenhagen_networks_study"
    _ingest(workspace, folder / "sms.csv", "copenhagen-sms.yaml")
    _ingest(workspace, folder / "calls.csv", "copenhagen-calls.yaml")
    assert successors(workspace) == []
