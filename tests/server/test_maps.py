"""Maps in the app, offline: the workspace's basemap (the real Solent street map) served as
vector tiles with its style, glyphs and credit, the places map drawn on it in Chromium with
its month slider, and nothing asked of any other server."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from fortress.casework.db import migrate
from fortress.maps.basemap import add_basemap
from fortress.places.campaigns import save_area
from fortress.places.summary import resolve_for_saving
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.browser import signed_in_browser
from helpers.casework import seed_casework, sign_in
from helpers.worlds import campaign_world

CREDIT = "Map data © fosm contributors and OpenStreetMap contributors, CC BY-SA 2.0"
GOSPORT_Z14 = (14, 8139, 5499)


@dataclass
class Mapped:
    client: TestClient
    workspace: Workspace
    area: str


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Mapped]:
    """The demo world's synthetic Gosport crime and campaign area, on the real Solent map."""
    workspace, area = campaign_world(tmp_path_factory.mktemp("maps"), seed=2)
    add_basemap(workspace.root, shared_data / "basemap_solent", CREDIT)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    with TestClient(create_app(workspace.engine, comms=workspace)) as client:
        yield Mapped(client, workspace, area)


def test_the_style_names_the_served_tiles_glyphs_and_credit(mapped: Mapped) -> None:
    style = mapped.client.get("/app/map/style.json", headers=sign_in(mapped.client, "officer"))
    assert style.status_code == 200
    source = style.json()["sources"]["basemap"]
    assert source["attribution"] == CREDIT
    assert source["tiles"] == ["http://testserver/app/map/tiles/{z}/{x}/{y}.pbf"]
    assert style.json()["glyphs"] == "http://testserver/app/map/glyphs/{fontstack}/{range}.pbf"
    drawn = {layer.get("source-layer") for layer in style.json()["layers"]}
    assert {"roads", "water", "land", "places", "buildings"} <= drawn


def test_tiles_and_glyphs_are_served_to_staff_only(mapped: Mapped) -> None:
    headers = sign_in(mapped.client, "analyst")
    z, x, y = GOSPORT_Z14
    tile = mapped.client.get(f"/app/map/tiles/{z}/{x}/{y}.pbf", headers=headers)
    assert tile.status_code == 200 and tile.headers["content-encoding"] == "gzip"
    assert b"Forton Road" in tile.content  # httpx undid the gzip; names are plain in the tile
    assert tile.headers["cache-control"] == "private, max-age=3600"
    empty = mapped.client.get("/app/map/tiles/14/0/0.pbf", headers=headers)  # mid-Pacific
    assert empty.status_code == 204
    for bad in ("/app/map/tiles/3/8/0.pbf", "/app/map/glyphs/Noto%20Sans%20Regular/7-99.pbf",
                "/app/map/glyphs/Comic%20Sans/0-255.pbf"):  # fmt: skip
        assert mapped.client.get(bad, headers=headers).status_code == 404, bad
    glyphs = mapped.client.get("/app/map/glyphs/Noto%20Sans%20Bold/0-255.pbf", headers=headers)
    assert glyphs.status_code == 200 and b"Noto Sans Bold" in glyphs.content
    mapped.client.cookies.clear()
    assert mapped.client.get("/app/map/style.json").status_code == 401
    for role in ("safeguarding_partner", "auditor"):
        as_role = sign_in(mapped.client, role)
        refused = mapped.client.get(f"/app/map/tiles/{z}/{x}/{y}.pbf", headers=as_role)
        assert refused.status_code == 403, role


def test_a_workspace_without_a_basemap_draws_a_plain_background(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    with TestClient(create_app(workspace.engine, comms=workspace)) as client:
        headers = sign_in(client, "analyst")
        style = client.get("/app/map/style.json", headers=headers).json()
        assert style["sources"] == {} and [x["id"] for x in style["layers"]] == ["background"]
        missing = client.get("/app/map/tiles/14/8139/5499.pbf", headers=headers)
        assert missing.status_code == 404 and "fortress basemap add" in missing.json()["detail"]


def test_the_places_points_count_every_located_crime(mapped: Mapped) -> None:
    headers = sign_in(mapped.client, "analyst")
    found = mapped.client.get("/app/places/points.geojson", params={"area": mapped.area},
                              headers=headers)  # fmt: skip
    assert found.status_code == 200 and found.headers["content-type"] == "application/geo+json"
    collection = found.json()
    points = [f["properties"] for f in collection["features"] if f["properties"]["kind"] == "point"]
    lsoas = [f["properties"] for f in collection["features"] if f["properties"]["kind"] == "lsoa"]
    by_month = sum(p.get(m, 0) for p in points for m in collection["months"])
    assert by_month == sum(p["crimes"] for p in points) == sum(x["crimes"] for x in lsoas) > 0
    assert all(p["street"].startswith("On or near") for p in points)
    assert len(collection["months"]) == 24
    unknown = mapped.client.get("/app/places/points.geojson", params={"area": "Nowhere"},
                                headers=headers)  # fmt: skip
    assert unknown.status_code == 404


def test_the_places_map_draws_on_the_street_map_in_chromium(mapped: Mapped) -> None:
    app = create_app(mapped.workspace.engine, comms=mapped.workspace)
    with signed_in_browser(app, "officer") as (page, base, requested, errors):
        page.goto(f"{base}/app/places")
        page.wait_for_selector("div.map[data-ready=true]", timeout=60_000)
        assert page.get_attribute("div.map", "data-error") is None
        page.wait_for_timeout(1500)  # tiles drawn after the first frame
        caption = page.inner_text("figure.map-figure figcaption")
        assert CREDIT in caption and "persistent" in caption and "emerging" in caption
        assert CREDIT in page.inner_text(".maplibregl-ctrl-attrib")
        shot = Image.open(io.BytesIO(page.locator("div.map canvas").screenshot()))
        colours = np.unique(np.asarray(shot.convert("RGB")).reshape(-1, 3), axis=0)
        assert len(colours) > 200  # streets, water, land, names and points, not a blank
        shown = page.inner_text("output")
        slider = page.locator("input[type=range]")
        slider.focus()
        page.keyboard.press("Home")
        assert page.inner_text("output") != shown and page.inner_text("output") == "2024-01"
        assert errors == []
        asked = {url.split("?")[0].removeprefix(base) for url in requested}
        assert all(url.startswith(base) for url in requested)
        assert "/static/vendor/maplibre-gl.mjs" in asked
        assert "/app/places/points.geojson" in asked


def test_a_gzip_tile_is_a_vector_tile(mapped: Mapped) -> None:
    """The stored tile is gzip of a protobuf whose first field is a layer (field 3)."""
    from fortress.maps.basemap import current_basemap, read_tile

    basemap = current_basemap(mapped.workspace.root)
    assert basemap is not None and basemap.gzipped
    raw = read_tile(basemap, *GOSPORT_Z14)
    assert raw is not None and gzip.decompress(raw)[0] == 0x1A


def test_an_area_from_a_boundary_file_is_outlined(mapped: Mapped, tmp_path: Path) -> None:
    """Its outline is on the map, and every street point shown lies inside it."""
    west, south, east, north = -1.145, 50.785, -1.125, 50.800
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    boundary = tmp_path / "drawn.geojson"
    boundary.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    )
    area = resolve_for_saving(mapped.workspace, str(boundary))
    save_area(mapped.workspace, "Drawn", area, {})
    found = mapped.client.get("/app/places/points.geojson", params={"area": "Drawn"},
                              headers=sign_in(mapped.client, "analyst")).json()  # fmt: skip
    [outline] = [f for f in found["features"] if f["properties"]["kind"] == "area"]
    assert outline["geometry"]["type"] == "Polygon" and outline["properties"]["name"] == "Drawn"
    points = [f["geometry"]["coordinates"] for f in found["features"]
              if f["properties"]["kind"] == "point"]  # fmt: skip
    assert points and all(west <= x <= east and south <= y <= north for x, y in points)
