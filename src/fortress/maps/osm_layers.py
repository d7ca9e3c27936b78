"""An OpenStreetMap extract as the basemap's layers, one GeoJSON-lines file each.

Read with pyosmium (libosmium, BSD-2): ways and multipolygons are assembled into geometries and
sorted by their tags into the layers Fortress's map style draws: roads, railways, waterways,
water, landuse, buildings and places. Coastline-derived land is not built from an extract (it
needs the whole coastline); land shows as the map's background.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import osmium
import osmium.geom

AREA_CLASS_KEYS = ("landuse", "leisure", "natural", "amenity", "aeroway", "military")
WATER_TAGS = {("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir")}
PLACE_KINDS = {"city", "town", "suburb", "village", "hamlet", "locality", "island", "quarter"}


def _line_layer(tags: osmium.osm.TagList) -> tuple[str, dict[str, Any]] | None:
    if "highway" in tags:
        return "roads", _picked(tags, "highway", "name", "ref", "oneway", "bridge", "tunnel")
    if tags.get("railway") in {"rail", "light_rail", "subway", "tram", "narrow_gauge"}:
        return "railways", _picked(tags, "railway", "name")
    if "waterway" in tags and tags.get("waterway") != "riverbank":
        return "waterways", _picked(tags, "waterway", "name")
    return None


def _area_layer(tags: osmium.osm.TagList) -> tuple[str, dict[str, Any]] | None:
    if any((key, tags.get(key)) in WATER_TAGS for key in ("natural", "waterway", "landuse")):
        return "water", _picked(tags, "name")
    if "building" in tags:
        return "buildings", _picked(tags, "building", "name")
    key = next((k for k in AREA_CLASS_KEYS if k in tags), None)
    if key is not None:
        return "landuse", {"class_key": key, "class": tags.get(key), **_picked(tags, "name")}
    return None


def _picked(tags: osmium.osm.TagList, *keys: str) -> dict[str, Any]:
    return {key: tags.get(key) for key in keys if key in tags}


class _LayerWriter:
    """Appends features to one file per layer, opening each on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, IO[str]] = {}

    def write(self, layer: str, geometry: str, properties: dict[str, Any]) -> None:
        if layer not in self.files:
            self.files[layer] = (self.folder / f"{layer}.geojsons").open("w")
        feature = {"type": "Feature", "properties": properties, "geometry": json.loads(geometry)}
        self.files[layer].write(json.dumps(feature, separators=(",", ":")) + "\n")

    def close(self) -> dict[str, Path]:
        for handle in self.files.values():
            handle.close()
        return {layer: Path(handle.name) for layer, handle in self.files.items()}


def write_osm_layers(extract: Path, folder: Path) -> dict[str, Path]:
    """Write the extract's features into `folder`, returning each layer's file by name."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = _LayerWriter(folder)
    factory = osmium.geom.GeoJSONFactory()
    try:
        for thing in osmium.FileProcessor(str(extract)).with_areas().with_locations():
            _write_one(thing, factory, writer.write)
    except RuntimeError as error:  # libosmium's errors on a damaged or foreign file
        writer.close()
        raise ValueError(f"{extract.name}: not a readable OSM extract ({error})") from error
    return writer.close()


def _write_one(
    thing: Any,
    factory: osmium.geom.GeoJSONFactory,
    write: Callable[[str, str, dict[str, Any]], None],
) -> None:
    tags = thing.tags
    if not tags:
        return
    try:
        if thing.is_node():
            if tags.get("place") in PLACE_KINDS and "name" in tags:
                write("places", factory.create_point(thing), _picked(tags, "place", "name"))
        elif thing.is_way():
            found = _line_layer(tags)
            if found is not None:
                write(found[0], factory.create_linestring(thing), found[1])
        elif thing.is_area():
            found = _area_layer(tags)
            if found is not None:
                write(found[0], factory.create_multipolygon(thing), found[1])
    except osmium.InvalidLocationError:
        return  # a way whose nodes lie outside the extract cannot be drawn
    except RuntimeError:
        return  # libosmium could not assemble a broken geometry; the rest of the map stands
