"""The browser libraries and the map font ship unmodified from npm: every file the package
serves or reads matches the checksum recorded when it was vendored, with its licence beside it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import fortress.maps
from fortress.server.pages import STATIC

MANIFESTS = [
    STATIC / "vendor" / "vendor.json",
    Path(fortress.maps.__file__).parent / "fonts" / "vendor.json",
]


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.parent.name)
def test_every_vendored_file_matches_its_checksum(manifest: Path) -> None:
    rows = json.loads(manifest.read_text())
    listed = {row["file"] for row in rows} | {"vendor.json"}
    assert {p.name for p in manifest.parent.iterdir()} == listed  # nothing unlisted ships
    for row in rows:
        path = manifest.parent / row["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"], row["file"]
    packages = {row["package"] for row in rows}
    licences = {row["package"] for row in rows if row["file"].endswith("LICENSE.txt")}
    assert licences == packages  # each package's licence is beside its files
