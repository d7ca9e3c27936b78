"""Real and published data sets (../shared/data) through mapping specs in tests/ingest/specs.

Expected figures come from each folder's PROVENANCE.md.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml

from fortress.ingest.comms import ingest_comms
from fortress.model import flags
from fortress.sources.mapping import load_spec, parse_spec

pytestmark = pytest.mark.shared_data

SPECS = Path(__file__).parent / "specs"


def _query(events: pa.Table, sql: str) -> list[tuple]:
    """Run ``sql`` with the events registered as the table EVENTS."""
    con = duckdb.connect()
    con.register("EVENTS", events)
    return con.sql(sql).fetchall()


# --- Copenhagen Networks Study ---------------------------------------------------------------

CNS_CALLS_SHA = "469d46f9777ad0c37d1b922cac24e7163683c3fe066268e9ac79d02ea1046106"
CNS_SMS_SHA = "d4001be5a6ff6d6464fa2508333c5620b568acfb1023d61c1c9c4701826d7db1"
PAIR_COUNTS = (
    "(SELECT count(DISTINCT u) FROM (SELECT a_number u FROM EVENTS UNION "
    "SELECT b_number FROM EVENTS)), count(DISTINCT (a_number, b_number)), "
    "count(DISTINCT (least(a_number, b_number), greatest(a_number, b_number)))"
)
"""SQL for (users, directed pairs, undirected pairs), the figures PROVENANCE.md counts."""


def ingest_cns(workspace, shared_data, name: str, rows: int, sha256: str):
    """Ingest one Copenhagen file with its spec and check it loaded whole and untouched."""
    path = shared_data / "copenhagen_networks_study" / f"{name}.csv"
    summary = ingest_comms(workspace, path, spec=load_spec(SPECS / f"copenhagen-{name}.yaml"))
    assert summary.error is None
    assert (summary.read, summary.accepted, summary.rejected, summary.duplicates) == (
        rows, rows, 0, 0,
    )  # fmt: skip
    assert summary.sha256 == sha256
    return summary


def test_copenhagen_calls(shared_data, workspace, read_events) -> None:
    ingest_cns(workspace, shared_data, "calls", 3600, CNS_CALLS_SHA)
    events = read_events(workspace)
    assert set(events.column("source").to_pylist()) == {CNS_CALLS_SHA}
    by_answered = dict(_query(events, "SELECT answered, count(*) FROM EVENTS GROUP BY 1"))
    assert by_answered == {False: 366, True: 3234}
    assert _query(events, "SELECT count(*) FROM EVENTS WHERE NOT answered AND duration_s <> 0")[
        0
    ] == (0,)
    (answered_median,) = _query(
        events, "SELECT median(duration_s) FROM EVENTS WHERE duration_s > 0"
    )[0]
    assert answered_median == 27  # PROVENANCE: median answered duration 27 s


def test_copenhagen_calls_keep_ids_relative_times_and_pairs(
    shared_data, workspace, read_events
) -> None:
    ingest_cns(workspace, shared_data, "calls", 3600, CNS_CALLS_SHA)
    events = read_events(workspace)
    first = events.slice(0, 1).to_pylist()[0]
    # first data row: 184,300,301,121 (seconds after the assumed study start)
    assert (first["a_number"], first["b_number"], first["duration_s"]) == ("300", "301", 121)
    assert first["start_utc"] == datetime(2013, 9, 2, 0, 3, 4)
    assert sorted(first["flags"]) == [f"a_{flags.IDENTIFIER}", f"b_{flags.IDENTIFIER}"]
    ((users, directed, undirected),) = _query(events, f"SELECT {PAIR_COUNTS} FROM EVENTS")
    assert (users, directed, undirected) == (536, 924, 621)


def test_copenhagen_sms(shared_data, workspace, read_events) -> None:
    ingest_cns(workspace, shared_data, "sms", 24333, CNS_SMS_SHA)
    events = read_events(workspace)
    ((users, directed, undirected, kinds, durations),) = _query(
        events, f"SELECT {PAIR_COUNTS}, list(DISTINCT kind), sum(duration_s) FROM EVENTS"
    )
    assert (users, directed, undirected, kinds, durations) == (568, 1303, 697, ["sms"], 0)


def test_copenhagen_sms_reingest_is_all_duplicates(shared_data, workspace) -> None:
    path = shared_data / "copenhagen_networks_study" / "sms.csv"
    spec = load_spec(SPECS / "copenhagen-sms.yaml")
    ingest_comms(workspace, path, spec=spec)
    again = ingest_comms(workspace, path, spec=spec)
    assert (again.accepted, again.duplicates) == (0, 24333)


def documented_spec(name: str) -> str:
    """The YAML block of docs/data-formats.md whose spec is called ``name``."""
    text = (Path(__file__).parents[2] / "docs" / "data-formats.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]
    [block] = [b for b in blocks if b.startswith(f"name: {name}\n")]
    return block


def test_the_documented_copenhagen_calls_spec_keeps_missed_calls(
    shared_data, workspace, read_events
) -> None:
    spec = parse_spec(yaml.safe_load(documented_spec("copenhagen-calls")), origin="docs")
    path = shared_data / "copenhagen_networks_study" / "calls.csv"
    summary = ingest_comms(workspace, path, spec=spec)
    assert (summary.accepted, summary.rejected, summary.reject_reasons) == (3600, 0, {})
    events = read_events(workspace)
    missed = _query(events, "SELECT count(*), max(duration_s) FROM EVENTS WHERE NOT answered")
    assert missed == [(366, 0)]


def test_copenhagen_calls_without_the_missed_call_map_say_why_rows_are_rejected(
    shared_data, workspace
) -> None:
    text = documented_spec("copenhagen-calls")
    [line] = [line for line in text.splitlines() if line.startswith("duration_s:")]
    naive = text.replace(line, "duration_s: {column: duration}")
    spec = parse_spec(yaml.safe_load(naive), origin="docs")
    path = shared_data / "copenhagen_networks_study" / "calls.csv"
    summary = ingest_comms(workspace, path, spec=spec)
    assert (summary.accepted, summary.rejected) == (3234, 366)
    assert summary.reject_reasons == {"negative duration": 366}


# --- VAST Challenge 2008 MC3 -----------------------------------------------------------------

VAST_SHA = "52436edf1f20caddef060521af7cba1ffbbd17b15dd637bbc0370e3401e8d629"
# Rows of cdr.csv whose Duration(seconds) is negative (-2, -44, -113, -145): PROVENANCE.md
# does not mention them; ingest rightly rejects them rather than guessing.
VAST_NEGATIVE_ROWS = ["823", "4222", "6451", "7246"]


def test_vast2008(shared_data, workspace, read_events, read_rejects) -> None:
    path = shared_data / "vast2008_mc3" / "cdr.csv"
    summary = ingest_comms(workspace, path, spec=load_spec(SPECS / "vast2008.yaml"))
    assert summary.error is None
    assert summary.sha256 == VAST_SHA
    assert (summary.read, summary.accepted, summary.rejected) == (9834, 9830, 4)
    rejects = read_rejects(summary)
    assert [r["row"] for r in rejects] == VAST_NEGATIVE_ROWS
    assert {r["reason"] for r in rejects} == {"negative duration"}
    ((phones, towers, first, last, days),) = _query(
        read_events(workspace),
        "SELECT (SELECT count(DISTINCT u) FROM (SELECT a_number u FROM EVENTS UNION "
        "SELECT b_number FROM EVENTS)), count(DISTINCT a_cell), min(start_utc), "
        "max(start_utc), count(DISTINCT CAST(start_utc AS DATE)) FROM EVENTS",
    )
    assert (phones, towers, days) == (400, 30, 10)
    assert first == datetime(2006, 6, 1, 0, 8)
    assert last.date() == datetime(2006, 6, 10).date()


def test_vast2008_reads_the_first_row_exactly(shared_data, workspace, read_events) -> None:
    path = shared_data / "vast2008_mc3" / "cdr.csv"
    ingest_comms(workspace, path, spec=load_spec(SPECS / "vast2008.yaml"))
    first = read_events(workspace).slice(0, 1).to_pylist()[0]
    # 349,23,20060601 0008,1634,1 (CRLF line endings in the file)
    assert (first["a_number"], first["b_number"], first["duration_s"], first["a_cell"]) == (
        "349",
        "23",
        1634,
        "1",
    )
    assert first["source_row"] == 2


# --- bandicoot demo user -----------------------------------------------------------------------

OWNER = "07700900999"


def test_bandicoot_demo_user(shared_data, workspace, read_events) -> None:
    path = shared_data / "bandicoot_samples" / "demo" / "A.csv"
    data_rows = len(path.read_text().splitlines()) - 1
    summary = ingest_comms(workspace, path, spec=load_spec(SPECS / "bandicoot.yaml"), owner=OWNER)
    assert summary.error is None
    assert (summary.read, summary.accepted, summary.rejected) == (data_rows, data_rows, 0)
    assert data_rows == 42  # PROVENANCE: demo/A.csv has 42 records
    events = read_events(workspace).to_pylist()
    # text,out,A,2014-03-02 07:13:30,,2 then call,in,A,2014-03-04 16:35:27,6233,10
    assert (events[0]["kind"], events[0]["a_number"], events[0]["b_number"]) == (
        "sms",
        "+447700900999",
        "A",
    )
    assert events[0]["a_cell"] == "2"
    assert (events[1]["kind"], events[1]["a_number"], events[1]["b_number"]) == (
        "call",
        "A",
        "+447700900999",
    )
    assert (events[1]["duration_s"], events[1]["b_cell"], events[1]["answered"]) == (
        6233,
        "10",
        True,
    )
    assert events[1]["start_utc"] == datetime(2014, 3, 4, 16, 35, 27)
