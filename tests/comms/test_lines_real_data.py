"""Ordinary people's real records (../shared/data): no deal line may be flagged.

The Copenhagen Networks Study logged the calls and texts of about 700 students for four
weeks; bandicoot's demo user is one person's phone; VAST 2008 is a call network. None holds
a deal line, so detection must report none, whatever it scores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fortress.comms.lines import list_lines, run_detection
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
