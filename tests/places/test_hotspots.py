"""Hot spots: Gi* against a cell-by-cell computation, no hot spots in uniform noise, planted
clusters found and their change classified, and the real Gosport map."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.hotspot_map import find_hotspots
from fortress.places.hotspots import Cell, gi_star, significant
from fortress.places.periods import Period
from fortress.reports.place_charts import hotspot_svg
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street

runner = CliRunner()
SQUARE = (-1.20, 50.78, -1.14, 50.82)  # west, south, east, north: about 4.2 x 4.4 km


def _gi_by_hand(x: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Ord and Getis (1995) Gi*, term by term, for every cell of the region."""
    values = [x[r, c] for r, c in zip(*np.nonzero(region), strict=True)]
    n, mean = len(values), sum(values) / len(values)
    s = math.sqrt(sum(v * v for v in values) / n - mean * mean)
    z = np.full(x.shape, np.nan)
    for r, c in zip(*np.nonzero(region), strict=True):
        neighbours = [
            (i, j)
            for i in range(r - 1, r + 2)
            for j in range(c - 1, c + 2)
            if 0 <= i < x.shape[0] and 0 <= j < x.shape[1] and region[i, j]
        ]
        w = len(neighbours)
        local = sum(x[i, j] for i, j in neighbours)
        z[r, c] = (local - mean * w) / (s * math.sqrt((n * w - w * w) / (n - 1)))
    return z


def test_gi_star_matches_the_formula_cell_by_cell() -> None:
    rng = np.random.default_rng(5)
    x = rng.poisson(3.0, (9, 12)).astype(float)
    region = rng.random((9, 12)) > 0.2  # holes and ragged edges
    mine, theirs = gi_star(x, region), _gi_by_hand(x, region)
    assert np.allclose(mine[region], theirs[region], atol=1e-12)
    assert np.all(np.isnan(mine[~region]))


def test_uniform_noise_has_no_hot_spots_and_a_planted_cluster_is_found() -> None:
    rng = np.random.default_rng(8)
    region = np.ones((40, 40), dtype=bool)
    noise = rng.poisson(2.0, (40, 40)).astype(float)
    assert not significant(gi_star(noise, region)).any()
    planted = noise.copy()
    planted[20:22, 30:32] += 12
    found = significant(gi_star(planted, region)) & (gi_star(planted, region) > 0)
    assert found[20:22, 30:32].all()
    assert not found[:15, :15].any()


def _write_month(folder: Path, month: str, points: list[tuple[float, float]]) -> Path:
    crimes = [Crime("E01099999", "Testham 001A", lon=lon, lat=lat) for lon, lat in points]
    return write_street(folder, month, crimes)


def _scatter(rng: np.random.Generator, count: int) -> list[tuple[float, float]]:
    west, south, east, north = SQUARE
    return list(zip(rng.uniform(west, east, count), rng.uniform(south, north, count), strict=True))


def _cluster(rng: np.random.Generator, lon: float, lat: float, count: int) -> list:
    return list(zip(rng.normal(lon, 0.0006, count), rng.normal(lat, 0.0004, count), strict=True))


@pytest.fixture
def clustered(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, Path]:
    """January: noise plus a cluster at A. June: noise plus clusters at A and B."""
    rng = np.random.default_rng(3)
    a, b = (-1.185, 50.79), (-1.15, 50.81)
    january = _scatter(rng, 600) + _cluster(rng, *a, 60)
    june = _scatter(rng, 600) + _cluster(rng, *a, 60) + _cluster(rng, *b, 60)
    for month, points in (("2025-01", january), ("2025-06", june)):
        assert ingest_policeuk(workspace, _write_month(tmp_path, month, points)).ok
    west, south, east, north = SQUARE
    square = tmp_path / "square.geojson"
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    square.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    return workspace, square


def test_change_between_periods_is_classified(clustered: tuple[Workspace, Path]) -> None:
    workspace, square = clustered
    periods = [Period.parse("2025-01"), Period.parse("2025-06")]
    result = find_hotspots(workspace, str(square), periods)
    by_change: dict[str, list[Cell]] = {}
    for cell in result.cells:
        by_change.setdefault(cell.change or "", []).append(cell)

    def near(cells: list[Cell], lon: float, lat: float) -> bool:
        return any(c.west - 0.004 <= lon <= c.east + 0.004
                   and c.south - 0.003 <= lat <= c.north + 0.003 for c in cells)  # fmt: skip

    assert near(by_change["persistent"], -1.185, 50.79)
    assert near(by_change["emerging"], -1.15, 50.81)
    assert not near(by_change.get("emerging", []), -1.185, 50.79)
    assert result.change is not None and result.change["fading"] == 0
    assert "<polygon" in hotspot_svg(result)  # the area's outline is drawn


def test_real_gosport_hot_spots_and_the_cli(hampshire: Workspace, shared_data: Path,
                                           tmp_path: Path) -> None:  # fmt: skip
    district = shared_data / "policeuk" / "boundaries" / "LAD23_E07000088_Gosport.geojsonl"
    periods = [Period.parse("2024-01..2024-04"), Period.parse("2025-01..2025-04")]
    result = find_hotspots(hampshire, str(district), periods)
    assert [p.crimes for p in result.periods] == [
        547 + 589 + 640 + 582,
        579 + 527 + 632 + 558,
    ]
    assert result.change is not None and result.change["persistent"] > 0
    assert all(p.cold_cells == 0 for p in result.periods)  # no place is safer than zero


def test_hotspot_options_are_checked(hampshire: Workspace, tmp_path: Path) -> None:
    def place(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--workspace", str(hampshire.root), "place", *args])
        return result.exit_code, result.stderr

    base = ["hotspots", "--area", "Gosport"]
    assert "not a period of months" in place(*base, "--period", "2025-13")[1]
    assert "ends before it starts" in place(*base, "--period", "2025-03..2025-01")[1]
    assert (
        "twice"
        in place(*base, "--period", "2025-01", "--period", "2025-02", "--period", "2025-03")[1]
    )
    assert "--cell-m" in place(*base, "--period", "2025-01", "--cell-m", "5")[1]
    assert "no located crimes" in place(*base, "--period", "2023-01")[1]
    svg = tmp_path / "map.svg"
    code, _ = place(*base, "--period", "2025-01..2025-03", "--map", str(svg))
    assert code == 0 and svg.read_text(encoding="utf-8").startswith("<svg")
