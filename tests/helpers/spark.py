"""What the Spark parity tests need, and a clear skip (or, in CI, a failure) without it."""

from __future__ import annotations

import os
import shutil

import pytest

from fortress.comms.detect import detect_lines
from fortress.store import events as event_tables
from fortress.store.workspace import CELLS, COMMS
from helpers.worlds import World


def require_spark() -> None:
    """Skip unless PySpark and a Java runtime are installed; in CI, fail instead."""
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark")
    if shutil.which("java") is None:
        missing.append("a Java runtime")
    if missing:
        message = f"{' and '.join(missing)} not installed (scripts/test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def detected(world: World, engine: str) -> tuple[list[list[str]], dict[str, float]]:
    """The lines (their numbers) and every scored number's score, detected on ``engine``
    over ``world``'s workspace (a Spark session is stopped afterwards)."""
    backend = event_tables.connect(world.workspace, engine)
    try:
        events = event_tables.table(backend, world.workspace, COMMS)
        cells = event_tables.table(backend, world.workspace, CELLS)
        assert events is not None
        detection = detect_lines(events, cells)
    finally:
        if engine == "spark":
            backend._session.stop()
    lines = sorted([n.number for n in line.numbers] for line in detection.lines)
    return lines, {found.number: found.score for found in detection.scored}


def assert_same_detection(
    found: tuple[list[list[str]], dict[str, float]],
    expected: tuple[list[list[str]], dict[str, float]],
) -> None:
    """Same lines and scored numbers; scores equal to 0.001 (engines sum floats in their
    own order)."""
    (lines, scores), (expected_lines, expected_scores) = found, expected
    assert expected_lines and lines == expected_lines
    assert scores.keys() == expected_scores.keys()
    for number, score in expected_scores.items():
        assert scores[number] == pytest.approx(score, abs=1e-3), number
