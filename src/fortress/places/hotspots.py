"""Hot spots (``fortress place hotspots``): street-level crime counted on a square grid,
Getis-Ord Gi* per cell, significance controlled for the number of cells, and the change
between two periods (emerging, persistent, fading).

Gi* (Getis and Ord 1992; Ord and Getis 1995) with binary weights over a cell and its eight
neighbours: a z-score of the neighbourhood's total against the study region's mean. The
study region is every grid cell of the area (for a polygon, the cells whose centre lies
in it; for LSOAs, the cells of the bounding box of the area's crimes), empty cells
included, since leaving them out would make every place look average. Cells are tested at
a false discovery rate of ``FDR`` (Benjamini and Hochberg 1995) over all cells, not at
1.96 per cell, which with thousands of cells would call dozens of chance clusters hot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy import ndimage
from scipy.stats import norm

from fortress.places.areas import Area
from fortress.places.periods import Period

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180
FDR = 0.05
DEFAULT_CELL_M = 250
FloatGrid = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Grid:
    """A square grid over an area, in metres east and north of its south-west corner
    (an equirectangular projection about the area's middle latitude: over a county the
    distortion is well under 1%)."""

    west: float
    south: float
    cell_m: float
    columns: int
    rows: int
    metres_per_degree_lon: float

    @classmethod
    def around(cls, west: float, south: float, east: float, north: float, cell_m: float) -> Grid:
        """The grid covering a longitude-latitude box."""
        per_lat = METRES_PER_DEGREE_LAT
        per_lon = per_lat * math.cos(math.radians((south + north) / 2))
        columns = max(1, math.ceil((east - west) * per_lon / cell_m))
        rows = max(1, math.ceil((north - south) * per_lat / cell_m))
        return cls(west, south, cell_m, columns, rows, per_lon)

    def cell_of(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(row, column) of each point (outside the grid: -1)."""
        per_lat = METRES_PER_DEGREE_LAT
        column = np.floor((lon - self.west) * self.metres_per_degree_lon / self.cell_m)
        row = np.floor((lat - self.south) * per_lat / self.cell_m)
        outside = (column < 0) | (column >= self.columns) | (row < 0) | (row >= self.rows)
        return np.where(outside, -1, row).astype(np.int64), np.where(outside, -1, column).astype(
            np.int64
        )

    def centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Longitude and latitude of every cell's centre, as (rows, columns) arrays."""
        per_lat = METRES_PER_DEGREE_LAT
        column, row = np.meshgrid(np.arange(self.columns), np.arange(self.rows))
        lon = self.west + (column + 0.5) * self.cell_m / self.metres_per_degree_lon
        lat = self.south + (row + 0.5) * self.cell_m / per_lat
        return lon.astype(np.float64), lat.astype(np.float64)


def counts_on_grid(
    grid: Grid, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Points per cell, as a (rows, columns) array."""
    row, column = grid.cell_of(lon, lat)
    inside = row >= 0
    counts = np.zeros((grid.rows, grid.columns))
    np.add.at(counts, (row[inside], column[inside]), 1.0)
    return counts


def gi_star(counts: npt.NDArray[np.float64], region: npt.NDArray[np.bool_]) -> FloatGrid:
    """Getis-Ord Gi* z-scores of every cell in ``region`` (NaN outside it), with binary
    weights over the cell and its eight neighbours that are in the region."""
    inside = region.astype(float)
    x = np.where(region, counts, 0.0)
    n = int(region.sum())
    if n < 3:
        return np.full(counts.shape, np.nan)
    mean = x.sum() / n
    spread = math.sqrt(max((x**2).sum() / n - mean**2, 0.0))
    kernel = np.ones((3, 3))
    local = ndimage.convolve(x, kernel, mode="constant")
    weights = ndimage.convolve(inside, kernel, mode="constant")  # w_i: neighbours in region
    if spread == 0:
        return np.where(region, 0.0, np.nan)
    # binary weights, so sum of w_ij^2 equals sum of w_ij
    denominator = spread * np.sqrt((n * weights - weights**2) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (local - mean * weights) / denominator
    return np.where(region, z, np.nan)


def significant(z: FloatGrid, rate: float = FDR) -> npt.NDArray[np.bool_]:
    """Cells whose two-sided p-value passes Benjamini-Hochberg at ``rate`` over all the
    region's cells."""
    values = z[np.isfinite(z)]
    found = np.zeros(z.shape, dtype=bool)
    if values.size == 0:
        return found
    p = 2 * norm.sf(np.abs(values))
    order = np.sort(p)
    passing = order <= rate * np.arange(1, order.size + 1) / order.size
    if not passing.any():
        return found
    cut = order[np.flatnonzero(passing).max()]
    with np.errstate(invalid="ignore"):
        found = np.isfinite(z) & (2 * norm.sf(np.abs(z)) <= cut)
    return np.asarray(found, dtype=bool)


def region_of(
    grid: Grid, area: Area, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """The study region's cells: for a polygon, those whose centre lies in it; for LSOAs,
    whose land is not known, the cells where the area has any crime on record in any month
    (``lon``, ``lat``), so that sea and fields outside it do not count as safe places. A
    cell holding any of the area's crimes is always in."""
    row, column = grid.cell_of(lon, lat)
    if area.polygon is not None:
        centre_lon, centre_lat = grid.centres()
        inside: npt.NDArray[np.bool_] = shapely.contains_xy(area.polygon, centre_lon, centre_lat)
    else:
        inside = np.zeros((grid.rows, grid.columns), dtype=bool)
    inside[row[row >= 0], column[row >= 0]] = True
    return inside


def classify(before: npt.NDArray[np.bool_], after: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """Per cell: ``persistent`` (hot in both periods), ``emerging`` (only after), ``fading``
    (only before), or empty."""
    labels = np.full(before.shape, "", dtype=object)
    labels[before & after] = "persistent"
    labels[~before & after] = "emerging"
    labels[before & ~after] = "fading"
    return labels


@dataclass(frozen=True, slots=True)
class PeriodSpots:
    """One period's located crimes and significant cells."""

    period: str
    crimes: int
    hot_cells: int
    cold_cells: int

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return {
            "period": self.period,
            "crimes": self.crimes,
            "hot_cells": self.hot_cells,
            "cold_cells": self.cold_cells,
        }


@dataclass(frozen=True, slots=True)
class CellFigures:
    """A cell in one period: its crimes, Gi* and class (``hot``, ``cold`` or empty)."""

    crimes: int
    gi_star: float
    kind: str

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it (the class as ``class``)."""
        return {"crimes": self.crimes, "gi_star": self.gi_star, "class": self.kind}


@dataclass(frozen=True, slots=True)
class Cell:
    """A grid cell with crimes or significance in some period: its place, its figures in
    each such period and (with two periods) its change."""

    row: int
    column: int
    west: float
    south: float
    east: float
    north: float
    periods: dict[str, CellFigures]
    """By period (``2024-01..2024-04``), only the periods where it has crimes or is
    significant, in period order."""
    change: str | None = None
    """``persistent``, ``emerging``, ``fading`` or empty with two periods; None with one."""

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it: each period's figures under the period's name."""
        found: dict[str, Any] = {
            "row": self.row,
            "column": self.column,
            "west": self.west,
            "south": self.south,
            "east": self.east,
            "north": self.north,
        }
        found |= {period: figures.to_dict() for period, figures in self.periods.items()}
        if self.change is not None:
            found["change"] = self.change
        return found


@dataclass(frozen=True, slots=True)
class HotCells:
    """Gi* per period on one grid and study region."""

    region_cells: int
    periods: tuple[PeriodSpots, ...]
    change: dict[str, int] | None
    """Cells per change (``emerging``, ``persistent``, ``fading``) with two periods."""
    cells: tuple[Cell, ...]
    """By row, then column."""


def hot_cells(
    grid: Grid,
    region: npt.NDArray[np.bool_],
    points: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    periods: list[Period],
) -> HotCells:
    """Gi* per period on one grid and study region; the significant cells of each, and
    (with two periods) their change. ``points`` maps each period to its crimes' lon/lat."""
    hot: list[npt.NDArray[np.bool_]] = []
    shown: list[PeriodSpots] = []
    places: dict[tuple[int, int], dict[str, CellFigures]] = {}
    for period in periods:
        lon, lat = points[str(period)]
        counts = counts_on_grid(grid, lon, lat)
        z = gi_star(counts, region)
        passing = significant(z)
        hot.append(passing & (z > 0))
        shown.append(
            PeriodSpots(
                period=str(period),
                crimes=len(lon),
                hot_cells=int((passing & (z > 0)).sum()),
                cold_cells=int((passing & (z < 0)).sum()),
            )
        )
        for row, column in zip(*np.nonzero(passing | (counts > 0)), strict=True):
            figures = places.setdefault((int(row), int(column)), {})
            figures[str(period)] = CellFigures(
                crimes=int(counts[row, column]),
                gi_star=round(float(z[row, column]), 4),
                kind=("hot" if z[row, column] > 0 else "cold") if passing[row, column] else "",
            )
    change: dict[str, int] | None = None
    labels = classify(hot[0], hot[1]) if len(periods) == 2 else None
    if labels is not None:
        change = {
            name: int((labels == name).sum()) for name in ("emerging", "persistent", "fading")
        }
    cells = tuple(
        _cell(grid, row, column, places[(row, column)],
              None if labels is None else str(labels[row, column]))
        for row, column in sorted(places)
    )  # fmt: skip
    return HotCells(int(region.sum()), tuple(shown), change, cells)


def _cell(
    grid: Grid, row: int, column: int, figures: dict[str, CellFigures], change: str | None
) -> Cell:
    per_lat = METRES_PER_DEGREE_LAT
    west = grid.west + column * grid.cell_m / grid.metres_per_degree_lon
    south = grid.south + row * grid.cell_m / per_lat
    return Cell(
        row=row,
        column=column,
        west=round(west, 6),
        south=round(south, 6),
        east=round(west + grid.cell_m / grid.metres_per_degree_lon, 6),
        north=round(south + grid.cell_m / per_lat, 6),
        periods=figures,
        change=change,
    )
