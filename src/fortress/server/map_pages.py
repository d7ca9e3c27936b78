"""Maps served offline: the workspace's basemap as vector tiles with its style and label glyphs
(``fortress basemap add``), and the places map's crime points. Tiles and glyphs are public map
data, so they are checked against the policy but not audited; the crime points are."""

from __future__ import annotations

import json
import re
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from fortress.casework import audit
from fortress.casework.models import User
from fortress.comms.lines import NoDetection, line_map
from fortress.maps.basemap import Basemap, current_basemap, read_tile
from fortress.maps.glyphs import UnknownFont, glyph_range
from fortress.maps.line_map import azimuths, line_map_geojson
from fortress.maps.style import basemap_style
from fortress.places.campaigns import SavedArea, saved_areas
from fortress.places.street_points import street_points_geojson
from fortress.server.deps import CommittingRoute, Db, requires
from fortress.server.lines_api import workspace_of
from fortress.server.pages import PAGE_ERRORS
from fortress.store.workspace import Workspace

LINE_ID: Final = re.compile(r"line-[0-9a-f]{10}")
router = APIRouter(tags=["maps"], route_class=CommittingRoute, responses=PAGE_ERRORS)
MAP_ASSET_CACHE: Final = "private, max-age=3600"
"""Tiles and glyphs change only when a basemap is added; the browser may keep them an hour."""


def basemap_of(request: Request) -> Basemap | None:
    """The served workspace's basemap, or None (no workspace, or none added)."""
    workspace: Workspace | None = request.app.state.comms
    return current_basemap(workspace.root) if workspace is not None else None


class StyleSourceOut(BaseModel):
    """A source of a MapLibre style (the rest of its keys as the style spec defines them)."""

    model_config = ConfigDict(extra="allow")
    type: str


class StyleLayerOut(BaseModel):
    """A layer of a MapLibre style (the rest of its keys as the style spec defines them)."""

    model_config = ConfigDict(extra="allow")
    id: str
    type: str


class MapStyleOut(BaseModel):
    """A MapLibre style document (https://maplibre.org/maplibre-style-spec/)."""

    version: int
    name: str
    glyphs: str
    sources: dict[str, StyleSourceOut]
    layers: list[StyleLayerOut]


@router.get("/app/map/style.json", response_model=MapStyleOut)
def map_style(
    request: Request, user: Annotated[User, Depends(requires("app.map_style"))]
) -> JSONResponse:
    """The MapLibre style of the workspace's basemap (a plain background without one)."""
    base = str(request.base_url).rstrip("/")
    style = basemap_style(
        basemap_of(request),
        tiles_url=f"{base}/app/map/tiles/{{z}}/{{x}}/{{y}}.pbf",
        glyphs_url=f"{base}/app/map/glyphs/{{fontstack}}/{{range}}.pbf",
    )
    return JSONResponse(style)


@router.get("/app/map/tiles/{z}/{x}/{y}.pbf", response_class=Response)
def map_tile(
    request: Request,
    z: int,
    x: int,
    y: int,
    user: Annotated[User, Depends(requires("app.map_tile"))],
) -> Response:
    """One vector tile of the basemap (empty where the map has none)."""
    basemap = basemap_of(request)
    if basemap is None:
        raise HTTPException(404, "this workspace has no basemap (fortress basemap add)")
    if not (0 <= z <= 24 and 0 <= x < 2**z and 0 <= y < 2**z):
        raise HTTPException(404, f"no tile {z}/{x}/{y}")
    tile = read_tile(basemap, z, x, y)
    headers = {"Cache-Control": MAP_ASSET_CACHE}
    if tile is None:
        return Response(status_code=204, headers=headers)
    if basemap.gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(tile, media_type="application/x-protobuf", headers=headers)


@router.get("/app/map/glyphs/{fontstack}/{glyphs}.pbf", response_class=Response)
def map_glyphs(
    fontstack: str, glyphs: str, user: Annotated[User, Depends(requires("app.map_glyphs"))]
) -> Response:
    """The label glyphs of 256 characters (`glyphs` is `start-end`) in the named font."""
    start, _, end = glyphs.partition("-")
    if not (start.isascii() and start.isdigit() and end == str(int(start) + 255)):
        raise HTTPException(404, f"no glyph range {glyphs[:20]!r}")
    try:
        found = glyph_range(fontstack, int(start))
    except (UnknownFont, ValueError) as exc:
        raise HTTPException(404, str(exc)) from exc
    return Response(
        found, media_type="application/x-protobuf", headers={"Cache-Control": MAP_ASSET_CACHE}
    )


def saved_area_of(
    request: Request, name: str, *, hold: bool = False
) -> tuple[Workspace, SavedArea]:
    """The served workspace and its saved campaign area ``name`` (with a Hold phase when
    ``hold``), or 404."""
    workspace: Workspace | None = request.app.state.comms
    saved = {a.name: a for a in saved_areas(workspace)} if workspace is not None else {}
    found = saved.get(name)
    if workspace is None or found is None or (hold and "hold" not in found.phases):
        with_hold = " with a Hold phase" if hold else ""
        raise HTTPException(404, f"no saved campaign area {name[:60]!r}{with_hold}")
    return workspace, found


@router.get("/app/places/points.geojson", response_class=Response)
def places_points(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.places_points"))],
    area: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """A saved area's crimes at police.uk's street points, by month (the places map's data)."""
    workspace, _ = saved_area_of(request, area)
    found = street_points_geojson(workspace, area)
    audit.record(db, user.name, "consultation", "place", [area])
    return Response(json.dumps(found), media_type="application/geo+json")


@router.get("/app/lines/{line_id}/cells.geojson", response_class=Response)
def line_cells(
    line_id: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.line_map"))],
) -> Response:
    """The cells a line's phones used (sectors where the cell-site list gives a bearing)
    and its customers by home cell, as GeoJSON (the line page's map)."""
    workspace = workspace_of(request)
    if not LINE_ID.fullmatch(line_id):
        raise HTTPException(404, f"no line {line_id[:40]}")

    def make() -> dict[str, object]:
        found = line_map(workspace, line_id)
        bearings = azimuths(workspace, [site.cell_id for site in found.line_sites])
        return line_map_geojson(found, bearings)

    try:
        collection = request.app.state.results.get(workspace, ("line-map", line_id), make)
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    audit.record(db, user.name, "consultation", "deal_line", [line_id])
    return Response(json.dumps(collection), media_type="application/geo+json")
