"""Sectors on a line's map: a wedge from the site facing the cell's bearing."""

from __future__ import annotations

import math

import pytest

from fortress.maps.line_map import SECTOR_REACH_M, sector

GOSPORT = (-1.13, 50.79)


def _metres(a: list[float], b: list[float]) -> float:
    north = math.radians(b[1] - a[1]) * 6_371_008.8
    east = math.radians(b[0] - a[0]) * 6_371_008.8 * math.cos(math.radians(a[1]))
    return math.hypot(north, east)


@pytest.mark.parametrize(("azimuth", "side"), [(0, "north"), (90, "east"), (180, "south"),
                                               (270, "west")])  # fmt: skip
def test_a_sector_faces_its_bearing_out_to_its_reach(azimuth: float, side: str) -> None:
    ring = sector(*GOSPORT, azimuth)
    assert ring[0] == ring[-1] == list(GOSPORT)  # closed, from the site
    rim = ring[1:-1]
    assert all(abs(_metres(list(GOSPORT), p) - SECTOR_REACH_M) < 1 for p in rim)
    middle = rim[len(rim) // 2]
    dx, dy = middle[0] - GOSPORT[0], middle[1] - GOSPORT[1]
    facing = {"north": dy > 0 and abs(dx) < 1e-6, "south": dy < 0 and abs(dx) < 1e-6,
              "east": dx > 0 and abs(dy) < 1e-6, "west": dx < 0 and abs(dy) < 1e-6}  # fmt: skip
    assert facing[side]
    squeeze = math.cos(math.radians(GOSPORT[1]))  # a degree of longitude is shorter
    off_axis = [
        (math.degrees(math.atan2((p[0] - GOSPORT[0]) * squeeze, p[1] - GOSPORT[1])) - azimuth
         + 180) % 360 - 180
        for p in rim
    ]  # fmt: skip
    assert min(off_axis) == pytest.approx(-60, abs=0.5)  # 120 degrees wide, centred
    assert max(off_axis) == pytest.approx(60, abs=0.5)
