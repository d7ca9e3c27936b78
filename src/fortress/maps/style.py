"""The MapLibre style of a basemap: Fortress's cartography for its own layers, a plain one else.

Layers built by `fortress basemap add` from OSM or GeoJSON (roads, water, landuse, buildings, …)
get a light street-map look that keeps overlays (hot spots, cells) readable, with street and
place names. A ready tileset with another schema gets one plain layer per tile layer by geometry
and its names, so any vector tileset draws. Overlays are added by the page on top.
"""

from __future__ import annotations

from typing import Any

from fortress.maps.basemap import Basemap, TileLayer

FONT = ["Noto Sans Regular"]
BOLD = ["Noto Sans Bold"]
LAND = "#f4f1ea"
WATER = "#a9cbe6"
NO_MAP = "#e3e3e3"
"""Outside the basemap's box: no map data, never drawn as land or sea."""
ROAD_WIDTHS: dict[str, float] = {
    "motorway": 4,
    "trunk": 3.5,
    "primary": 3,
    "secondary": 2.5,
    "tertiary": 2,
    "residential": 1.5,
    "unclassified": 1.5,
}


def basemap_style(basemap: Basemap | None, tiles_url: str, glyphs_url: str) -> dict[str, Any]:
    """A MapLibre style drawing `basemap` (or a blank land background when None)."""
    style: dict[str, Any] = {
        "version": 8,
        "name": "Fortress basemap",
        "glyphs": glyphs_url,
        "sources": {},
        "layers": [{"id": "background", "type": "background", "paint": {"background-color": LAND}}],
    }
    if basemap is None:
        return style
    style["sources"]["basemap"] = {
        "type": "vector",
        "tiles": [tiles_url],
        "minzoom": basemap.min_zoom,
        "maxzoom": basemap.max_zoom,
        "bounds": list(basemap.bounds),
        "attribution": basemap.credit,
    }
    names = {layer.name for layer in basemap.layers}
    west, south, east, north = basemap.bounds
    box = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    style["sources"]["coverage"] = {
        "type": "geojson",
        "data": {"type": "Feature", "properties": {},
                 "geometry": {"type": "Polygon", "coordinates": [box]}},
    }  # fmt: skip
    style["layers"][0]["paint"]["background-color"] = NO_MAP
    inside = WATER if "land" in names else LAND
    style["layers"].append(
        {"id": "coverage", "type": "fill", "source": "coverage", "paint": {"fill-color": inside}}
    )
    ours = {"roads", "water"} <= names
    style["layers"] += _fortress_layers(names) if ours else _plain_layers(basemap.layers)
    return style


def _fortress_layers(names: set[str]) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = [_fill("land", LAND)]  # the box is sea where land is drawn
    layers += [
        _fill("landuse", _landuse_colour(), "landuse"),
        _fill("water", WATER),
        _line("waterways", WATER, 1.2),
        _fill("buildings", "#ddd6cb", min_zoom=14),
        _line("railways", "#8a8a8a", 1.2, dash=[3, 2]),
        _road_casing(),
        _roads(),
        _street_names(),
        _place_names(),
    ]
    return [layer for layer in layers if layer["source-layer"] in names]


def _landuse_colour() -> Any:
    return [
        "match",
        ["get", "class"],
        ["park", "grass", "recreation_ground", "garden", "meadow", "wood", "forest", "scrub"],
        "#d8e8c8",
        ["residential"],
        "#ece7e1",
        ["industrial", "commercial", "retail", "railway"],
        "#e6dfe6",
        ["cemetery", "allotments", "farmland", "farmyard"],
        "#e2e8d0",
        "#ece9e2",
    ]


def _fill(layer: str, colour: Any, id_: str | None = None, min_zoom: int = 0) -> dict[str, Any]:
    return {
        "id": id_ or layer,
        "type": "fill",
        "source": "basemap",
        "source-layer": layer,
        "minzoom": min_zoom,
        "filter": ["==", ["geometry-type"], "Polygon"],
        "paint": {"fill-color": colour},
    }


def _line(layer: str, colour: str, width: float, dash: list[float] | None = None) -> dict[str, Any]:
    paint: dict[str, Any] = {"line-color": colour, "line-width": width}
    if dash:
        paint["line-dasharray"] = dash
    return {"id": layer, "type": "line", "source": "basemap", "source-layer": layer, "paint": paint}


def _road_width(scale: float) -> Any:
    by_class: list[Any] = ["match", ["get", "highway"]]
    for highway, width in ROAD_WIDTHS.items():
        by_class += [highway, width * scale]
    by_class.append(0.6 * scale)
    return ["interpolate", ["exponential", 1.6], ["zoom"], 10, 0.4, 16, by_class]


def _road_casing() -> dict[str, Any]:
    layer = _line("roads", "#b9b2a6", 1)
    layer["id"] = "road-casing"
    layer["paint"]["line-width"] = _road_width(1.6)
    return layer


def _roads() -> dict[str, Any]:
    layer = _line("roads", "#ffffff", 1)
    layer["paint"]["line-width"] = _road_width(1.0)
    major = ["motorway", "trunk", "primary"]
    layer["paint"]["line-color"] = [
        "match",
        ["get", "highway"],
        major,
        "#f7d79b",
        "#ffffff",
    ]
    return layer


def _street_names() -> dict[str, Any]:
    return {
        "id": "street-names",
        "type": "symbol",
        "source": "basemap",
        "source-layer": "roads",
        "minzoom": 14,
        "layout": {
            "symbol-placement": "line",
            "text-field": ["get", "name"],
            "text-font": FONT,
            "text-size": 11,
        },
        "paint": {"text-color": "#4a4a4a", "text-halo-color": "#ffffff", "text-halo-width": 1.5},
    }


def _place_names() -> dict[str, Any]:
    size = ["match", ["get", "place"], ["city", "town"], 15, ["suburb", "village"], 12, 10]
    return {
        "id": "place-names",
        "type": "symbol",
        "source": "basemap",
        "source-layer": "places",
        "layout": {"text-field": ["get", "name"], "text-font": BOLD, "text-size": size},
        "paint": {"text-color": "#333333", "text-halo-color": "#ffffff", "text-halo-width": 2},
    }


def _plain_layers(layers: tuple[TileLayer, ...]) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []
    for layer in layers:
        base = {"source": "basemap", "source-layer": layer.name}
        drawn += [
            {
                **base,
                "id": f"{layer.name}-fill",
                "type": "fill",
                "filter": ["==", ["geometry-type"], "Polygon"],
                "paint": {"fill-color": "#e4e0d8", "fill-outline-color": "#c9c3b8"},
            },
            {
                **base,
                "id": f"{layer.name}-line",
                "type": "line",
                "filter": ["==", ["geometry-type"], "LineString"],
                "paint": {"line-color": "#9b948a", "line-width": 1},
            },
            {
                **base,
                "id": f"{layer.name}-names",
                "type": "symbol",
                "minzoom": 13,
                "layout": {"text-field": ["get", "name"], "text-font": FONT, "text-size": 11},
                "paint": {"text-color": "#444444", "text-halo-color": "#ffffff"},
            },
        ]
    return drawn
