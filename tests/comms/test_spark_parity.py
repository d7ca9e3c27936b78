"""The same detection on Apache Spark (PySpark, local mode) through Ibis finds the same
lines as on the embedded DuckDB engine."""

from __future__ import annotations

import pytest

from fortress.comms.detect import detect_lines
from fortress.store import events as event_tables
from fortress.store.workspace import CELLS, COMMS
from helpers.spark import require_spark
from helpers.worlds import World

pytestmark = pytest.mark.slow


def _lines(world: World, engine: str) -> tuple[list[list[str]], dict[str, float]]:
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


def test_spark_finds_the_same_lines_as_duckdb(demo_world: World) -> None:
    require_spark()
    duck_lines, duck_scores = _lines(demo_world, "duckdb")
    spark_lines, spark_scores = _lines(demo_world, "spark")
    assert duck_lines and spark_lines == duck_lines
    assert spark_scores.keys() == duck_scores.keys()
    for number, score in duck_scores.items():
        assert spark_scores[number] == pytest.approx(score, abs=1e-3), number


def test_an_unknown_engine_is_a_clear_error(demo_world: World) -> None:
    with pytest.raises(event_tables.EngineError, match="unknown engine 'oracle'"):
        event_tables.connect(demo_world.workspace, "oracle")
