"""Simulated worlds ingested into workspaces, for the deal-line tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.campaigns import save_area
from fortress.places.periods import Period
from fortress.places.summary import resolve_for_saving
from fortress.simulate import simulate
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace


@dataclass(frozen=True)
class World:
    """A simulated world ingested into its own workspace."""

    workspace: Workspace
    truth: Path


def ingest_world(
    folder: Path,
    seed: int,
    scale: str | int = "demo",
    profile: str = "classic",
    database_url: str | None = None,
) -> World:
    """Simulate a world into ``folder`` and ingest its comms files and cell sites (records
    in the workspace's SQLite, or at ``database_url``). The profile is classic unless
    asked: the tests that share a world describe those habits; detection on drawn profiles
    is tested in tests/comms/test_detect_world.py and benchmarked
    (benchmarks/evaluate_detection.py)."""
    out = folder / "world"
    simulate(out, seed=seed, scale=scale, fmt="parquet", profile=profile)
    workspace = Workspace.open(folder / "ws", database_url=database_url)
    for path in sorted((out / "comms").glob("*.parquet")):
        assert ingest_comms(workspace, path, spec=preset("canonical")).ok
    assert ingest_cells(workspace, out / "cells.csv").ok
    return World(workspace, out / "ground_truth.json")


def campaign_world(folder: Path, seed: int) -> tuple[Workspace, str]:
    """A simulated world's synthetic police.uk crime ingested, and its campaign area saved as
    the demo saves it (clear and hold phases); the workspace and the area's name."""
    world = simulate(folder / "world", seed=seed, scale="demo", fmt="parquet", crime=True)
    workspace = Workspace.open(folder / "ws")
    for path in world.crime_files:
        assert ingest_policeuk(workspace, path).ok
    campaign = json.loads((world.crime_files[0].parent / "campaign.json").read_text("utf-8"))
    name = f"{campaign['town']} campaign"
    phases = {phase: Period(*campaign[phase]) for phase in ("clear", "hold")}
    save_area(workspace, name, resolve_for_saving(workspace, campaign["town"]), phases)
    return workspace, name


def split_world(folder: Path, seed: int) -> tuple[list[Path], Path, Path]:
    """A simulated world's comms events as three files (days before the last two, the day
    before the last, the last day), and again as two: every tenth event, and the rest."""
    out = folder / "world"
    simulate(out, seed=seed, scale="demo", fmt="parquet")
    events = pa.concat_tables(pq.read_table(p) for p in sorted((out / "comms").glob("*.parquet")))
    day = pc.floor_temporal(events["start"], unit="day")
    last = pc.max(day)
    days = [pc.subtract(last, pa.scalar(timedelta(days=k))) for k in (1, 0)]
    masks = [
        pc.less(day, days[0]),
        pc.equal(day, days[0]),
        pc.equal(day, days[1]),
    ]
    paths = []
    for k, mask in enumerate(masks):
        paths.append(folder / f"part-{k}.parquet")
        pq.write_table(events.filter(mask), paths[-1])
    tenth = pa.array([k % 10 == 0 for k in range(len(events))])
    woven = folder / "woven.parquet"
    pq.write_table(events.filter(tenth), woven)
    rest = folder / "rest.parquet"
    pq.write_table(events.filter(pc.invert(tenth)), rest)
    return paths, woven, rest


def ingest(workspace: Workspace, path: Path) -> None:
    assert ingest_comms(workspace, path, spec=preset("canonical")).ok


def split_workspace(folder: Path) -> Workspace:
    """The workspace for a world split by ``split_world``, holding its cell sites."""
    workspace = Workspace.open(folder / "ws")
    assert ingest_cells(workspace, folder / "world" / "cells.csv").ok
    return workspace


def split_workspace_beside(split_folder: Path, folder: Path) -> Workspace:
    """A new workspace in ``folder`` for the world ``split_world`` wrote in
    ``split_folder`` (linked, not copied), holding its cell sites."""
    (folder / "world").symlink_to(split_folder / "world")
    return split_workspace(folder)
