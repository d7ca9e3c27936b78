"""Areas: which LSOAs a ``--area`` (or ``--compare``) value names.

* a district (local authority) named whole, in any case: ``gosport`` is every LSOA of
  Gosport (police.uk's LSOA names are "<local authority> <3 digits><letter>"), and ``Hart``
  is Hart, not Hartlepool as well;
* otherwise an LSOA-name prefix, in any case: ``Gosport 01`` is every LSOA whose name
  starts with it;
* a file of LSOA codes: one per line, or the first column of a CSV (a header is skipped);
* a GeoJSON file of polygons (a FeatureCollection, one Feature or Geometry, or GeoJSON
  lines: one Feature per line), in WGS84 longitude and latitude as police.uk's
  coordinates are: the area is their union, and a crime is in it when its point is.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from fortress.sources.policeuk import LSOA_CODE, district_of


class AreaProblem(ValueError):
    """An area value that names no LSOA, or cannot be read."""


@dataclass(frozen=True, slots=True)
class Area:
    """A named set of LSOAs."""

    name: str
    codes: frozenset[str]
    how: str
    """How the LSOAs (or the polygon) were chosen, in words."""
    polygon: BaseGeometry | None = None
    """For a GeoJSON area: the union of its polygons (``codes`` is then empty)."""


def resolve_area(spec: str, names: dict[str, str], *, saved: Iterable[str] = ()) -> Area:
    """The area ``spec`` names, given the LSOA codes and names the data holds (``saved``:
    the workspace's saved area names, suggested with the districts when nothing matches)."""
    path = Path(spec)
    if path.is_file() and path.suffix.lower() in GEOJSON_SUFFIXES:
        return _from_geojson(path)
    if path.is_file():
        return _from_file(path, names)
    wanted = spec.strip().casefold()
    districts = sorted({district_of(name) for name in names.values() if name})
    whole = [d for d in districts if d.casefold() == wanted]
    if whole:
        codes = frozenset(c for c, n in names.items() if n and district_of(n) == whole[0])
        return Area(whole[0], codes, f"the LSOAs of the district {whole[0]!r}: {len(codes)} LSOAs")
    matched = sorted(
        (name, code) for code, name in names.items() if name.casefold().startswith(wanted)
    )
    if not matched:
        raise AreaProblem(_missed(spec, names, [*districts, *saved]))
    given = matched[0][0][: len(spec.strip())]  # as the data spells it
    codes = frozenset(code for _, code in matched)
    return Area(given, codes, f"LSOA names starting {given!r}: {len(codes)} LSOAs")


def _missed(spec: str, names: dict[str, str], candidates: list[str]) -> str:
    """Why ``spec`` names nothing, with the closest names (difflib) when there are any."""
    example = next(iter(sorted(names.values())), "Gosport 001A")
    message = (
        f"no saved area, district or LSOA name in the data matches {spec!r} (names look like "
        f"{example!r}), and it is not a file"
    )
    folded = {name.casefold(): name for name in candidates}
    close = difflib.get_close_matches(spec.strip().casefold(), list(folded), n=3, cutoff=0.6)
    if close:
        quoted = [repr(folded[c]) for c in close]
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        message += f"; did you mean {listed}?"
    return message


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


GEOJSON_SUFFIXES = (".geojson", ".geojsonl", ".json")


def _from_geojson(path: Path) -> Area:
    """The union of the polygons in a GeoJSON (or GeoJSON lines) file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() == ".geojsonl":
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            documents = [json.loads(text)]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AreaProblem(f"{path}: cannot read it as GeoJSON: {exc}") from exc
    geometries = [g for document in documents for g in _geometries(path, document)]
    if not geometries:
        raise AreaProblem(f"{path}: no polygon in the file")
    polygon = shapely.union_all([shapely.geometry.shape(g) for g in geometries])
    if polygon.is_empty or not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    west, south, east, north = polygon.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise AreaProblem(
            f"{path}: the coordinates are not longitude and latitude (WGS84), as police.uk's are"
        )
    return Area(path.stem, frozenset(), f"inside the {len(geometries)} polygon(s) of {path.name}",
                polygon)  # fmt: skip


def _geometries(path: Path, document: Any) -> list[dict[str, Any]]:
    """The polygon geometries of one GeoJSON object."""
    if not isinstance(document, dict):
        raise AreaProblem(f"{path}: not a GeoJSON object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        return [g for feature in document.get("features", []) for g in _geometries(path, feature)]
    if kind == "Feature":
        return _geometries(path, document.get("geometry") or {})
    if kind in ("Polygon", "MultiPolygon"):
        return [document]
    raise AreaProblem(f"{path}: an area is made of polygons, not {kind or 'untyped'} geometry")
