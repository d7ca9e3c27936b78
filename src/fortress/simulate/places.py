"""Places of a synthetic world: one exporting hub city, importing towns, and their cell sites.

Towns are real places in Hampshire, Berkshire and West Sussex (an area the county-lines
reports describe as importing from London); coordinates are town centres, population
figures approximate built-up-area sizes and only weight how a world's people are spread.
Cell sites are laid out on hexagonal rings around each centre, three sectors per site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Place:
    """A town or the hub: name, short code used in cell ids, centre, weight."""

    name: str
    code: str
    lat: float
    lon: float
    population: int


HUB: Final = Place("London", "LDN", 51.5074, -0.1278, 8_800_000)

TOWNS: Final = (
    Place("Gosport", "GOS", 50.7953, -1.1245, 70_000),
    Place("Havant", "HAV", 50.8560, -0.9840, 46_000),
    Place("Fareham", "FAR", 50.8548, -1.1866, 42_000),
    Place("Basingstoke", "BAS", 51.2667, -1.0876, 113_000),
    Place("Andover", "AND", 51.2082, -1.4800, 50_000),
    Place("Aldershot", "ALD", 51.2480, -0.7585, 37_000),
    Place("Winchester", "WIN", 51.0632, -1.3081, 45_000),
    Place("Eastleigh", "EAS", 50.9670, -1.3500, 28_000),
    Place("Salisbury", "SAL", 51.0693, -1.7944, 41_000),
    Place("Newbury", "NEW", 51.4014, -1.3231, 41_000),
    Place("Bognor Regis", "BOG", 50.7824, -0.6764, 24_000),
    Place("Worthing", "WOR", 50.8179, -0.3729, 111_000),
)

SECTORS: Final = (0.0, 120.0, 240.0)
_KM_PER_DEG_LAT: Final = 111.32


@dataclass(frozen=True)
class CellPlan:
    """All cells of a world. Cells of one area are contiguous: ``start[a]:start[a] + count[a]``.

    Area 0 is the hub; areas 1.. are the towns in ``places`` order.
    """

    places: tuple[Place, ...]
    cell_ids: list[str]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    azimuth: npt.NDArray[np.float64]
    area_of: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    count: npt.NDArray[np.int64]

    @property
    def area_names(self) -> list[str]:
        """Area names in area-index order (hub first)."""
        return [p.name for p in self.places]


def hex_sites(rings: int, spacing_km: float) -> list[tuple[float, float]]:
    """Return (east, north) offsets in km of a hexagonal layout of ``rings`` rings."""
    sites = [(0.0, 0.0)]
    directions = [
        (math.cos(math.radians(60 * k)), math.sin(math.radians(60 * k))) for k in range(6)
    ]
    for ring in range(1, rings + 1):
        x, y = directions[4][0] * ring, directions[4][1] * ring
        for side in range(6):
            dx, dy = directions[side]
            for _ in range(ring):
                sites.append((x * spacing_km, y * spacing_km))
                x, y = x + dx, y + dy
    return sites


def rings_for(people: int, *, hub: bool) -> int:
    """Number of hexagonal rings of sites for an area with ``people`` simulated residents."""
    rings = 1 if people < 300 else 2 if people < 3000 else 3
    return max(rings, 2) if hub else rings


def build_cells(places: tuple[Place, ...], people_per_area: list[int]) -> CellPlan:
    """Lay out three-sector sites on hexagonal rings around each place's centre."""
    ids: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    azimuths: list[float] = []
    areas: list[int] = []
    starts: list[int] = []
    counts: list[int] = []
    for area, (place, people) in enumerate(zip(places, people_per_area, strict=True)):
        hub = area == 0
        sites = hex_sites(rings_for(people, hub=hub), 2.0 if hub else 1.2)
        starts.append(len(ids))
        for site, (east, north) in enumerate(sites):
            lat = place.lat + north / _KM_PER_DEG_LAT
            lon = place.lon + east / (_KM_PER_DEG_LAT * math.cos(math.radians(place.lat)))
            for sector, azimuth in enumerate(SECTORS, start=1):
                ids.append(f"{place.code}-{site:03d}-{sector}")
                lats.append(round(lat, 6))
                lons.append(round(lon, 6))
                azimuths.append(azimuth)
                areas.append(area)
        counts.append(len(ids) - starts[-1])
    return CellPlan(
        places=places,
        cell_ids=ids,
        lat=np.array(lats),
        lon=np.array(lons),
        azimuth=np.array(azimuths),
        area_of=np.array(areas, dtype=np.int64),
        start=np.array(starts, dtype=np.int64),
        count=np.array(counts, dtype=np.int64),
    )


def random_cells(
    cells: CellPlan, areas: npt.NDArray[np.int64], rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Return one uniformly random cell of each given area."""
    u = rng.random(len(areas))
    offset = (u * cells.count[areas]).astype(np.int64)
    return np.asarray(cells.start[areas] + offset, dtype=np.int64)
