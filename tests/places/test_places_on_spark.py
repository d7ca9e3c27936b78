"""The places analytics on Apache Spark through Ibis, on a standalone cluster of
``fortress cluster start`` on the loopback (a master and a worker, each a Java process),
give the same results as on the embedded DuckDB engine: monthly counts of an area (by
LSOA names and by polygon), the data-quality flags (with the repeated stop-and-search rows
of February 2024), the hot spots of two periods, the campaign evaluation (its monthly
panel, the comparison areas and the displacement ring) and the drug-market association."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.evaluate import evaluate
from fortress.places.hotspot_map import find_hotspots
from fortress.places.market import drug_market
from fortress.places.periods import Period
from fortress.places.quality import quality
from fortress.places.summary import area_summary
from fortress.store import events as event_tables
from fortress.store.cluster import ClusterStatus, cluster_status, start_cluster, stop_cluster
from fortress.store.workspace import Workspace
from helpers.spark import free_port, require_spark, stop_spark_session

pytestmark = pytest.mark.slow

BEFORE, AFTER = Period.parse("2024-01..2024-04"), Period.parse("2025-01..2025-04")
MONTHS = {*BEFORE.months(), *AFTER.months()}


@pytest.fixture(scope="module")
def eight_months(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The Hampshire street and stop-and-search files of the two periods (Spark reads each
    file on its own, so fewer files keep the test short)."""
    workspace = Workspace.open(tmp_path_factory.mktemp("parity") / "ws")
    folder = shared_data / "policeuk"
    files = sorted((folder / "hampshire_street").glob("*.csv"))
    files += sorted((folder / "hampshire_stop_and_search").glob("*.csv"))
    for path in files:
        if path.name[:7] in MONTHS:
            assert ingest_policeuk(workspace, path).ok
    return workspace


def _results(workspace: Workspace, polygon: Path) -> dict[str, Any]:
    runs: dict[str, Callable[[], Any]] = {
        "summary": lambda: area_summary(workspace, "Gosport"),
        "summary by polygon": lambda: area_summary(workspace, str(polygon)),
        "quality": lambda: quality(workspace),
        "hot spots": lambda: find_hotspots(workspace, "Gosport", [BEFORE, AFTER]),
        "evaluation": lambda: evaluate(
            workspace, "Gosport", BEFORE, AFTER, compare=["Havant", "Fareham", "Portsmouth"]
        ),
        "evaluation by polygon": lambda: evaluate(
            workspace, str(polygon), BEFORE, AFTER, compare=["Havant"]
        ),
        "drug market": lambda: drug_market(workspace),
    }
    return {name: run().to_dict() for name, run in runs.items()}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterStatus]:
    """A master and one worker of two cores and 1 GiB on the loopback."""
    require_spark()
    folder = tmp_path_factory.mktemp("cluster")
    status = start_cluster(folder, 1, 2, "1g", free_port(), free_port())
    try:
        yield status
    finally:
        stop_cluster(folder)


def test_spark_gives_the_places_results_duckdb_gives(
    eight_months: Workspace,
    shared_data: Path,
    cluster: ClusterStatus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polygon = shared_data / "policeuk" / "boundaries" / "LAD23_E07000088_Gosport.geojsonl"
    monkeypatch.setenv(event_tables.ENGINE_ENV, "duckdb")
    duck = _results(eight_months, polygon)
    before = cluster_status(Path(cluster.folder)).applications_finished
    monkeypatch.setenv(event_tables.ENGINE_ENV, "spark")
    monkeypatch.setenv(event_tables.SPARK_MASTER_ENV, str(cluster.master_url))
    stop_spark_session()  # one another test of this process left would run locally
    backend = event_tables.connect(eight_months)
    assert backend.name == "pyspark"
    try:
        spark = _results(eight_months, polygon)
    finally:
        stop_spark_session()
    # It ran there, not in a local session: the master saw a Fortress application end.
    assert cluster_status(Path(cluster.folder)).applications_finished == before + 1
    assert duck["quality"]["flagged_months"] == ["2024-02"]  # the repeated search rows
    assert duck["evaluation"]["results"][0]["before"] == 547 + 589 + 640 + 582
    assert duck["hot spots"]["change"]["persistent"] > 0
    for name, found in duck.items():
        assert spark[name] == found, name
