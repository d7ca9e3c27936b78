"""The engine setting. Detection on Apache Spark is compared with DuckDB's whole, on a
real standalone cluster, by ``tests/store/test_cluster.py`` (every score, evidence text,
line, role and safeguarding site of a stored run, and the comms network and link chart
built from the events); the places analytics on a cluster of their own by
``tests/places/test_places_on_spark.py``; local-mode Spark runs the tallies
(``tests/comms/test_tallies.py``)."""

from __future__ import annotations

import pytest

from fortress.store import events as event_tables
from helpers.worlds import World


def test_an_unknown_engine_is_a_clear_error(demo_world: World) -> None:
    with pytest.raises(event_tables.EngineError, match="unknown engine 'oracle'"):
        event_tables.connect(demo_world.workspace, "oracle")
