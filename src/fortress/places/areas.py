"""Areas: which LSOAs a ``--area`` (or ``--compare``) value names.

* an LSOA-name prefix: ``Gosport`` is every LSOA whose police.uk name starts with
  "Gosport" (names are "<local authority> <3 digits><letter>");
* a file of LSOA codes: one per line, or the first column of a CSV (a header is skipped).

GeoJSON polygons are not read yet (see ``docs/methods/place.md``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from fortress.places.policeuk import LSOA_CODE


class AreaProblem(ValueError):
    """An area value that names no LSOA, or cannot be read."""


@dataclass(frozen=True, slots=True)
class Area:
    """A named set of LSOAs."""

    name: str
    codes: frozenset[str]
    how: str
    """How the LSOAs were chosen, in words."""


def resolve_area(spec: str, names: dict[str, str]) -> Area:
    """The area ``spec`` names, given the LSOA codes and names the data holds."""
    path = Path(spec)
    if path.suffix.lower() in (".geojson", ".geojsonl", ".json"):
        raise AreaProblem(
            f"{spec}: GeoJSON areas are not read yet; give an LSOA-name prefix or a file of "
            "LSOA codes"
        )
    if path.is_file():
        return _from_file(path, names)
    codes = frozenset(code for code, name in names.items() if name.startswith(spec))
    if not codes:
        example = next(iter(sorted(names.values())), "Gosport 001A")
        raise AreaProblem(
            f"no LSOA name in the data starts with {spec!r} (names look like {example!r}), "
            "and it is not a file"
        )
    return Area(spec, codes, f"LSOA names starting {spec!r}: {len(codes)} LSOAs")


def _from_file(path: Path, names: dict[str, str]) -> Area:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells = [row[0].strip() for row in csv.reader(handle) if row and row[0].strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise AreaProblem(f"{path}: cannot read the LSOA codes: {exc}") from exc
    if cells and not LSOA_CODE.match(cells[0]):
        cells = cells[1:]  # a header
    bad = [cell for cell in cells if not LSOA_CODE.match(cell)]
    if bad:
        raise AreaProblem(f"{path}: not LSOA codes (E0/W0 + 7 digits): {', '.join(bad[:5])}")
    if not cells:
        raise AreaProblem(f"{path}: no LSOA codes in the file")
    codes = frozenset(cells)
    unseen = len(codes - names.keys())
    how = f"LSOA codes from {path.name}: {len(codes)} LSOAs"
    if unseen:
        how += f" ({unseen} with no rows in the data)"
    return Area(path.stem, codes, how)
