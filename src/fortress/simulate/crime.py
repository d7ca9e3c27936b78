"""Synthetic police.uk street-crime files for a simulated world's towns (for the demo and
tests, which must run without the real files).

Two years of months, in the published street-crime layout, for every town of the world.
Counts are Poisson around rough England-and-Wales rates per 1,000 residents (``RATES``,
an order of magnitude, not fitted to anything), with a summer peak; towns where the
world's deal lines sell have more drug offences, violence and weapon possession. One
campaign runs in the first line's town: enforcement finds more drug offences during its
Clear phase, and anti-social behaviour falls by ``ASB_EFFECT`` from its Hold phase on.

Places follow the world: each crime sits near a cell site of its town, rounded to about
100 m as police.uk snaps crimes to anonymous map points. LSOAs are synthetic: eight per
town, named "<town> 00kA", with codes ``E0199`` + town (2 digits) + k (2 digits), a range
ONS has not allocated (real LSOA codes run to about E01035000).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np

from fortress.simulate.places import CellPlan

RATES: Final = {  # crimes per 1,000 residents per month
    "Anti-social behaviour": 2.0,
    "Violence and sexual offences": 3.0,
    "Public order": 0.9,
    "Criminal damage and arson": 0.9,
    "Shoplifting": 0.9,
    "Other theft": 0.8,
    "Vehicle crime": 0.6,
    "Burglary": 0.5,
    "Drugs": 0.4,
    "Other crime": 0.25,
    "Possession of weapons": 0.15,
    "Bicycle theft": 0.15,
    "Robbery": 0.1,
    "Theft from the person": 0.08,
}
LINE_TOWN: Final = {
    "Drugs": 1.6,
    "Violence and sexual offences": 1.15,
    "Possession of weapons": 1.3,
}
CLEAR_DRUGS: Final = 1.8
ASB_EFFECT: Final = 0.6
LSOAS_PER_TOWN: Final = 8
FORCE: Final = "Synthetic Constabulary"
HEADER: Final = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Campaign:
    """The synthetic campaign: where, its phases, and what it did."""

    town: str
    clear: tuple[str, str]
    hold: tuple[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (written beside the files)."""
        return {
            "town": self.town,
            "clear": list(self.clear),
            "hold": list(self.hold),
            "asb_factor_from_hold": ASB_EFFECT,
            "drugs_factor_in_clear": CLEAR_DRUGS,
        }


def write_crime(
    out_dir: Path, cells: CellPlan, line_towns: list[int], start: date, seed: int
) -> tuple[list[Path], Campaign]:
    """Write ``crime/YYYY-MM-synthetic-street.csv`` for the two years ending with the
    world's year, and ``crime/campaign.json``; returns the files and the campaign."""
    rng = np.random.default_rng([seed, 20_515])
    folder = out_dir / "crime"
    folder.mkdir(parents=True, exist_ok=True)
    months = [f"{year}-{m:02d}" for year in (start.year - 1, start.year) for m in range(1, 13)]
    town_index = line_towns[0] if line_towns else 1
    campaign = Campaign(
        cells.places[town_index].name,
        (f"{start.year}-01", f"{start.year}-03"),
        (f"{start.year}-04", f"{start.year}-12"),
    )
    files = []
    for month in months:
        path = folder / f"{month}-synthetic-street.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            for area in range(1, len(cells.places)):
                for row in _town_month(rng, cells, area, month, area in line_towns, campaign):
                    writer.writerow(row)
        files.append(path)
    (folder / "campaign.json").write_text(json.dumps(campaign.to_dict(), indent=2) + "\n")
    return files, campaign


def _town_month(
    rng: np.random.Generator,
    cells: CellPlan,
    area: int,
    month: str,
    has_line: bool,
    campaign: Campaign,
) -> list[list[str]]:
    place = cells.places[area]
    season = 1 + 0.12 * math.sin(2 * math.pi * (int(month[5:]) - 4) / 12)
    rows = []
    for crime_type, rate in RATES.items():
        factor = season * (LINE_TOWN.get(crime_type, 1.0) if has_line else 1.0)
        if place.name == campaign.town:
            factor *= _campaign_factor(crime_type, month, campaign)
        for _ in range(int(rng.poisson(rate * place.population / 1000 * factor))):
            rows.append(_row(rng, cells, area, month, crime_type))
    return rows


def _campaign_factor(crime_type: str, month: str, campaign: Campaign) -> float:
    if crime_type == "Drugs" and campaign.clear[0] <= month <= campaign.clear[1]:
        return CLEAR_DRUGS
    if crime_type == "Anti-social behaviour" and month >= campaign.hold[0]:
        return ASB_EFFECT
    return 1.0


def _row(
    rng: np.random.Generator, cells: CellPlan, area: int, month: str, crime_type: str
) -> list[str]:
    cell = int(cells.start[area] + rng.integers(cells.count[area]))
    site = (cell - int(cells.start[area])) // 3
    lat = cells.lat[cell] + rng.normal(0, 0.003)
    lon = cells.lon[cell] + rng.normal(0, 0.0045)
    k = site % LSOAS_PER_TOWN
    place = cells.places[area]
    crime_id = ""
    if crime_type != "Anti-social behaviour":
        crime_id = hashlib.sha256(f"{month}{area}{rng.random()}".encode()).hexdigest()
    return [
        crime_id, month, FORCE, FORCE, f"{round(lon, 3):.6f}", f"{round(lat, 3):.6f}",
        "On or near Synthetic Street", f"E0199{area:02d}{k:02d}", f"{place.name} {k + 1:03d}A",
        crime_type, "Under investigation", "",
    ]  # fmt: skip
