"""The same detection on Apache Spark (PySpark, local mode) through Ibis finds the same
lines as on the embedded DuckDB engine."""

from __future__ import annotations

import pytest

from fortress.store import events as event_tables
from helpers.spark import assert_same_detection, detected, require_spark
from helpers.worlds import World

pytestmark = pytest.mark.slow


def test_spark_finds_the_same_lines_as_duckdb(demo_world: World) -> None:
    require_spark()
    assert_same_detection(detected(demo_world, "spark"), detected(demo_world, "duckdb"))


def test_an_unknown_engine_is_a_clear_error(demo_world: World) -> None:
    with pytest.raises(event_tables.EngineError, match="unknown engine 'oracle'"):
        event_tables.connect(demo_world.workspace, "oracle")
