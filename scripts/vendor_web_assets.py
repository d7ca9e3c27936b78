"""Vendor the app's browser libraries and map font from npm at pinned versions.

Run by hand when a version changes (it needs npm and the registry); the package ships what it
writes, and `tests/server/test_vendored_assets.py` checks every file against `vendor.json`:

    python scripts/vendor_web_assets.py

Each file is copied unmodified from the package's npm tarball with the package's licence; the
manifest records the tarball's sha256 and each file's sha256.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "fortress" / "server" / "static" / "vendor"
FONTS = ROOT / "src" / "fortress" / "maps" / "fonts"

# (package, version, licence file in the tarball, files to copy, destination, why)
PACKAGES: list[tuple[str, str, str, list[str], Path, str]] = [
    (
        "sigma",
        "3.0.3",
        "LICENSE.txt",
        ["dist/sigma.min.js"],
        VENDOR,
        "draws the network explorer's link chart in WebGL",
    ),
    (
        "graphology",
        "0.26.0",
        "LICENSE.txt",
        ["dist/graphology.umd.min.js"],
        VENDOR,
        "the graph model sigma draws",
    ),
    (
        "graphology-library",
        "0.8.0",
        "LICENSE.txt",
        ["dist/graphology-library.min.js"],
        VENDOR,
        "ForceAtlas2 layout and Louvain communities in the explorer",
    ),
    (
        "maplibre-gl",
        "6.17.0",
        "LICENSE.txt",
        ["dist/maplibre-gl.mjs", "dist/maplibre-gl-worker.mjs", "dist/maplibre-gl.css"],
        VENDOR,
        "draws maps from the basemap's vector tiles and the workspace's layers",
    ),
    (
        "@fontsource/noto-sans",
        "5.3.0",
        "LICENSE",
        ["files/noto-sans-latin-400-normal.woff", "files/noto-sans-latin-700-normal.woff"],
        FONTS,
        "the map labels' font, turned into MapLibre glyphs by fortress.maps.glyphs",
    ),
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pack(package: str, version: str, into: Path) -> Path:
    done = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
    )
    return into / done.stdout.strip().splitlines()[-1]


def _licence_name(package: str) -> str:
    return package.replace("@", "").replace("/", "-") + ".LICENSE.txt"


def main() -> int:
    """Fetch every pinned package and write the files, licences and manifests."""
    manifests: dict[Path, list[dict[str, str]]] = {VENDOR: [], FONTS: []}
    with tempfile.TemporaryDirectory() as scratch:
        for package, version, licence, files, destination, why in PACKAGES:
            tarball = _pack(package, version, Path(scratch))
            unpacked = Path(scratch) / tarball.stem
            with tarfile.open(tarball) as archive:
                archive.extractall(unpacked, filter="data")
            destination.mkdir(parents=True, exist_ok=True)
            copied = [*files, licence]
            for inside in copied:
                source = unpacked / "package" / inside
                name = _licence_name(package) if inside == licence else Path(inside).name
                shutil.copyfile(source, destination / name)
                manifests[destination].append(
                    {
                        "file": name,
                        "package": package,
                        "version": version,
                        "from": f"package/{inside}",
                        "tarball_sha256": _sha256(tarball),
                        "sha256": _sha256(destination / name),
                        "why": why,
                    }
                )
    for destination, rows in manifests.items():
        (destination / "vendor.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
