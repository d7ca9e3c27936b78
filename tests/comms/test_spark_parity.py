"""The engine setting. Detection on Apache Spark is compared with DuckDB's whole, on a
real standalone cluster, by ``tests/store/test_cluster.py`` (every score, evidence text,
line, role and safeguarding site of a stored run, and the comms network and link chart
built from the events); the places analytics on a cluster of their own by
``tests/places/test_places_on_spark.py``; local-mode Spark runs the tallies
(``tests/comms/test_tallies.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fortress.store import events as event_tables
from helpers.spark import require_spark
from helpers.worlds import World

SHOW_PARTITIONS = """
import sys
from pathlib import Path
from fortress.store.events import SHUFFLE_PARTITIONS, spark_session
from fortress.store.workspace import Workspace
session = spark_session(Workspace.open(Path(sys.argv[1])))
print(session.conf.get(SHUFFLE_PARTITIONS))
"""


def test_an_unknown_engine_is_a_clear_error(demo_world: World) -> None:
    with pytest.raises(event_tables.EngineError, match="unknown engine 'oracle'"):
        event_tables.connect(demo_world.workspace, "oracle")


def test_spark_keeps_the_shuffle_partitions_its_configuration_sets(tmp_path: Path) -> None:
    """Fortress's few shuffle partitions suit one machine; a cluster's spark-defaults.conf
    that sets its own number (for billions of events) keeps it. Each session in a process
    of its own: Spark reads its configuration folder once per process."""
    require_spark()
    configured, empty = tmp_path / "configured", tmp_path / "empty"
    for folder in (configured, empty):
        folder.mkdir()
    (configured / "spark-defaults.conf").write_text("spark.sql.shuffle.partitions 64\n")

    def partitions(conf: Path) -> str:
        env = {k: v for k, v in os.environ.items() if k != event_tables.SPARK_MASTER_ENV}
        done = subprocess.run(
            [sys.executable, "-c", SHOW_PARTITIONS, str(tmp_path / "workspace")],
            env=env | {"SPARK_CONF_DIR": str(conf)},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.split()[-1]

    assert partitions(configured) == "64"
    assert partitions(empty) == event_tables.ONE_MACHINE_PARTITIONS
