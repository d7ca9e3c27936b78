"""Small synthetic police.uk street-crime files for the places tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from fortress.sources.policeuk import LAYOUTS, STREET


class Crime(NamedTuple):
    """One street-crime row: where (LSOA and, optionally, a point) and what."""

    lsoa_code: str
    lsoa_name: str
    crime_type: str = "Burglary"
    lon: float | None = None
    lat: float | None = None


def write_street(folder: Path, month: str, crimes: Iterable[Crime]) -> Path:
    """``folder/<month>-test-street.csv`` in the published layout."""
    lines = [",".join(LAYOUTS[STREET].header)]
    for k, crime in enumerate(crimes):
        lon = "" if crime.lon is None else f"{crime.lon:.6f}"
        lat = "" if crime.lat is None else f"{crime.lat:.6f}"
        lines.append(
            f"id{k},{month},Test,Test,{lon},{lat},On or near A Road,{crime.lsoa_code},"
            f"{crime.lsoa_name},{crime.crime_type},Under investigation,"
        )
    path = folder / f"{month}-test-street.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
