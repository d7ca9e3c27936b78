"""Simulated worlds ingested into workspaces, for the deal-line tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.simulate import simulate
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace


@dataclass(frozen=True)
class World:
    """A simulated world ingested into its own workspace."""

    workspace: Workspace
    truth: Path


def ingest_world(
    folder: Path, seed: int, scale: str | int = "demo", profile: str = "classic"
) -> World:
    """Simulate a world into ``folder`` and ingest its comms files and cell sites. The
    profile is classic unless asked: the tests that share a world describe those habits;
    detection on drawn profiles is tested in tests/comms/test_detect_world.py and
    benchmarked (benchmarks/evaluate_detection.py)."""
    out = folder / "world"
    simulate(out, seed=seed, scale=scale, fmt="parquet", profile=profile)
    workspace = Workspace.open(folder / "ws")
    for path in sorted((out / "comms").glob("*.parquet")):
        assert ingest_comms(workspace, path, spec=preset("canonical")).ok
    assert ingest_cells(workspace, out / "cells.csv").ok
    return World(workspace, out / "ground_truth.json")
