"""Whole tiny worlds: determinism, size, layout, identifiers and ground-truth consistency."""

from __future__ import annotations

import csv
import itertools
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fortress.model.columns import (
    A_CELL,
    A_IMEI,
    A_IMSI,
    A_NUMBER,
    ANSWERED,
    B_IMEI,
    B_IMSI,
    B_NUMBER,
    CELL_FILE_COLUMNS,
    DURATION_S,
    EVENT_ID,
    KIND,
    START,
)
from fortress.simulate import SimulationSummary, simulate
from fortress.simulate.numbers import is_synthetic_number, luhn_valid
from fortress.simulate.writer import FILE_COLUMNS

TINY: dict[str, Any] = {"scale": 5000, "days": 7, "profile": "classic"}
"""A small world with the classic habits these tests describe (every line number sends
waves, every kind of bulk sender...); drawn profiles are tested in test_profile.py."""
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    return simulate(tmp_path_factory.mktemp("parquet"), seed=7, **TINY)


@pytest.fixture(scope="module")
def truth(world: SimulationSummary) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(world.ground_truth.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def events(world: SimulationSummary) -> pa.Table:
    parts = sorted((world.out_dir / "comms").glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts])


@pytest.fixture(scope="module")
def con(events: pa.Table) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("ev", events)
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def _comms_bytes(out_dir: Path) -> dict[str, bytes]:
    files = sorted(out_dir.rglob("*"))
    return {str(p.relative_to(out_dir)): p.read_bytes() for p in files if p.is_file()}


def test_same_seed_gives_identical_files(tmp_path: Path, world: SimulationSummary) -> None:
    again = simulate(tmp_path / "again", seed=7, **TINY)
    assert _comms_bytes(again.out_dir) == _comms_bytes(world.out_dir)


def test_different_seed_gives_different_files(tmp_path: Path, world: SimulationSummary) -> None:
    other = simulate(tmp_path / "other", seed=8, **TINY)
    first = (world.out_dir / "comms" / "part-00000.parquet").read_bytes()
    assert (other.out_dir / "comms" / "part-00000.parquet").read_bytes() != first


@pytest.mark.parametrize("target", [5000, 20000])
def test_event_count_within_ten_percent(tmp_path: Path, target: int) -> None:
    summary = simulate(tmp_path, seed=3, scale=target, days=7)
    assert abs(summary.events - target) <= 0.1 * target


def test_summary_matches_files(world: SimulationSummary, events: pa.Table) -> None:
    assert world.events == events.num_rows
    assert world.lines >= 2
    assert world.people > 0
    assert world.ground_truth.exists()
    json.dumps(world.to_dict())


def test_parquet_layout(events: pa.Table) -> None:
    assert tuple(events.schema.names) == FILE_COLUMNS
    assert events.schema.field(START).type == pa.timestamp("us", tz="UTC")
    assert events.schema.field(DURATION_S).type == pa.int64()
    assert events.schema.field(ANSWERED).type == pa.bool_()
    for name in (EVENT_ID, KIND, A_NUMBER, B_NUMBER, A_IMEI, A_IMSI, B_IMEI, B_IMSI, A_CELL):
        assert events.schema.field(name).type == pa.string()


def test_messages_have_no_answered_flag_and_no_duration(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute(
        "SELECT count(*) FROM ev WHERE (kind = 'sms' AND (answered IS NOT NULL OR duration_s <> 0))"
        " OR (kind = 'call' AND answered IS NULL) OR (kind = 'call' AND NOT answered"
        " AND duration_s <> 0)"
    ).fetchone()
    assert bad == (0,)
    kinds = {row[0] for row in con.execute("SELECT DISTINCT kind FROM ev").fetchall()}
    assert kinds == {"call", "sms"}


def test_rows_sorted_by_start_and_ids_unique(events: pa.Table) -> None:
    starts = events.column(START).to_pylist()
    assert all(a <= b for a, b in itertools.pairwise(starts))
    ids = events.column(EVENT_ID).to_pylist()
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("sim-7-") for i in ids)


def test_events_inside_date_range(events: pa.Table, truth: dict[str, Any]) -> None:
    first = datetime.fromisoformat(truth["date_range"]["from"]).replace(tzinfo=LONDON)
    last = datetime.fromisoformat(truth["date_range"]["to"]).replace(tzinfo=LONDON)
    starts = events.column(START).to_pylist()
    assert min(starts) >= first
    assert max(starts) < last + timedelta(days=1)


def test_numbers_follow_the_scheme(con: duckdb.DuckDBPyConnection) -> None:
    numbers = con.execute("SELECT a_number FROM ev UNION SELECT b_number FROM ev").fetchall()
    assert numbers
    assert all(is_synthetic_number(n) for (n,) in numbers)


def test_imeis_and_imsis_are_synthetic(con: duckdb.DuckDBPyConnection) -> None:
    imeis = con.execute(
        "SELECT a_imei FROM ev WHERE a_imei IS NOT NULL UNION SELECT b_imei FROM ev"
        " WHERE b_imei IS NOT NULL"
    ).fetchall()
    assert imeis
    for (imei,) in imeis:
        assert len(imei) == 15 and imei.startswith("00") and luhn_valid(imei)
    imsis = con.execute("SELECT DISTINCT a_imsi FROM ev WHERE a_imsi IS NOT NULL").fetchall()
    assert all(i.startswith("00101") and len(i) == 15 for (i,) in imsis)


def test_cells_file_and_references(
    world: SimulationSummary, con: duckdb.DuckDBPyConnection
) -> None:
    with (world.out_dir / "cells.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0].keys()) == CELL_FILE_COLUMNS
    known = {r["cell_id"] for r in rows}
    used = con.execute(
        "SELECT a_cell FROM ev WHERE a_cell IS NOT NULL UNION SELECT b_cell FROM ev"
        " WHERE b_cell IS NOT NULL"
    ).fetchall()
    assert {c for (c,) in used} <= known
    assert all(49 < float(r["lat"]) < 52 and -2 < float(r["lon"]) < 0.5 for r in rows)


def _epoch(iso_utc: str) -> float:
    return datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).timestamp()


def _bursts(con: duckdb.DuckDBPyConnection, number: str) -> list[tuple[Any, int]]:
    """Ten-minute windows in which ``number`` texted at least 5 distinct recipients."""
    rows = con.execute(
        "SELECT epoch(start)::BIGINT // 600 AS w, count(DISTINCT b_number) AS n"
        " FROM ev WHERE a_number = ? AND kind = 'sms' GROUP BY w HAVING n >= 5",
        [number],
    ).fetchall()
    return [(w, int(n)) for w, n in rows]


def test_every_line_number_sends_bulk_texts(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    for line in truth["lines"]:
        for period in line["numbers"]:
            assert _bursts(con, period["number"]), (line["line_id"], period["number"])


def test_world_has_switch_swap_cuckooing_and_children(truth: dict[str, Any]) -> None:
    lines = truth["lines"]
    assert 2 <= len(lines) <= 4
    assert any(line["switches"] for line in lines)
    assert any(len(line["handsets"]) > len(line["numbers"]) for line in lines)
    assert truth["cuckooed_addresses"]
    assert any(r["is_child"] for line in lines for r in line["runners"])
    assert any(line["shared_customers"] for line in lines)


def test_successor_texts_the_old_base(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    switches = [(line, s) for line in truth["lines"] for s in line["switches"]]
    assert switches
    for line, switch in switches:
        announced = _epoch(switch["announced_at"])
        first = con.execute(
            "SELECT DISTINCT b_number FROM ev WHERE a_number = ? AND kind = 'sms'"
            " AND epoch(start) >= ? AND epoch(start) < ? + 600",
            [switch["new_number"], announced, announced],
        ).fetchall()
        old_base = con.execute(
            "SELECT DISTINCT b_number FROM ev WHERE a_number = ? AND kind = 'sms'"
            " AND epoch(start) < ?",
            [switch["old_number"], announced],
        ).fetchall()
        customers = {n for (n,) in old_base} & set(line["customers"])
        assert customers and customers <= {n for (n,) in first}
        silent = _epoch(switch["old_number_silent_after"])
        later = con.execute(
            "SELECT count(*) FROM ev WHERE (a_number = ? OR b_number = ?) AND epoch(start) > ?",
            [switch["old_number"], switch["old_number"], silent],
        ).fetchone()
        assert later == (0,)


def test_customers_move_to_the_successor(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    for line in truth["lines"]:
        for switch in line["switches"]:
            orders = con.execute(
                "SELECT count(*) FROM ev WHERE b_number = ? AND a_number IN (SELECT unnest(?))"
                " AND epoch(start) > ?",
                [switch["new_number"], line["customers"], _epoch(switch["announced_at"])],
            ).fetchone()
            assert orders is not None and orders[0] > 0


def test_line_handsets_carry_their_numbers(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    for line in truth["lines"]:
        for handset in line["handsets"]:
            seen = con.execute(
                "SELECT count(*) FROM ev WHERE a_number = ? AND a_imei = ?",
                [handset["number"], handset["imei"]],
            ).fetchone()
            assert seen is not None and seen[0] > 0, handset


def test_cuckooed_cells_hold_runner_events_at_night(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    for address in truth["cuckooed_addresses"]:
        assert address["nights"] and address["runner_numbers"]
        rows = con.execute(
            "SELECT epoch(start) FROM ev WHERE (a_number IN (SELECT unnest(?)) AND a_cell = ?)"
            " OR (b_number IN (SELECT unnest(?)) AND b_cell = ?)",
            [address["runner_numbers"], address["cell_id"]] * 2,
        ).fetchall()
        hours = [datetime.fromtimestamp(s, LONDON).hour for (s,) in rows]
        night = [h for h in hours if not 7 <= h < 22]
        assert night, address["cell_id"]
        resident = con.execute(
            "SELECT count(*) FROM ev WHERE a_number = ? AND a_cell = ?",
            [address["resident_number"], address["cell_id"]],
        ).fetchone()
        assert resident is not None and resident[0] > 0


def test_bulk_senders_of_every_kind_send(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    kinds = {s["kind"] for s in truth["bulk_senders"]}
    expected = {
        "gp",
        "pharmacy",
        "takeaway",
        "takeaway_driver",
        "school",
        "taxi",
        "community_group",
    }
    assert kinds == expected
    for kind in ("gp", "school", "community_group", "takeaway"):
        numbers = [s["number"] for s in truth["bulk_senders"] if s["kind"] == kind]
        sent = con.execute(
            "SELECT count(*) FROM ev WHERE kind = 'sms' AND a_number IN (SELECT unnest(?))",
            [numbers],
        ).fetchone()
        assert sent is not None and sent[0] > 0, kind
    community = [s["number"] for s in truth["bulk_senders"] if s["kind"] == "community_group"]
    assert any(_bursts(con, n) for n in community)
    landlines = [s for s in truth["bulk_senders"] if s["landline"]]
    assert landlines and all(s["number"].startswith("+44") for s in landlines)


def test_csv_carries_the_same_events(tmp_path: Path, events: pa.Table) -> None:
    summary = simulate(tmp_path, seed=7, fmt="csv", **TINY)
    parts = sorted((summary.out_dir / "comms").glob("part-*.csv"))
    assert parts
    with parts[0].open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        assert tuple(next(reader)) == FILE_COLUMNS
        first = next(reader)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first[1])
    con = duckdb.connect()
    con.register("pq_events", events)
    csv_list = [str(p) for p in parts]
    con.execute(
        "CREATE TABLE csv_events AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [csv_list],
    )
    differences = con.execute(
        """
        WITH p AS (
          SELECT event_id, strftime(start AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS start,
                 kind, a_number, b_number, duration_s::VARCHAR AS duration_s,
                 coalesce(a_imei, '') AS a_imei, coalesce(b_imsi, '') AS b_imsi,
                 coalesce(a_cell_last, '') AS a_cell_last,
                 coalesce(answered::VARCHAR, '') AS answered
          FROM pq_events),
        c AS (
          SELECT event_id, start, kind, a_number, b_number, duration_s,
                 coalesce(a_imei, '') AS a_imei, coalesce(b_imsi, '') AS b_imsi,
                 coalesce(a_cell_last, '') AS a_cell_last, coalesce(answered, '') AS answered
          FROM csv_events)
        SELECT (SELECT count(*) FROM (SELECT * FROM p EXCEPT SELECT * FROM c))
             + (SELECT count(*) FROM (SELECT * FROM c EXCEPT SELECT * FROM p))
        """
    ).fetchone()
    assert differences == (0,)
    rows = con.execute("SELECT count(*) FROM csv_events").fetchone()
    assert rows == (events.num_rows,)


def test_invalid_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        simulate(tmp_path, scale="huge")
    with pytest.raises(ValueError):
        simulate(tmp_path, scale=10)
    with pytest.raises(ValueError):
        simulate(tmp_path, fmt="xlsx")
    with pytest.raises(ValueError):
        simulate(tmp_path, seed=-1)


def test_start_date_and_progress(tmp_path: Path) -> None:
    seen: list[int] = []
    summary = simulate(
        tmp_path, scale=3000, days=5, start_date=date(2025, 3, 28), progress=seen.append
    )
    assert len(seen) == 5 and seen == sorted(seen)
    assert summary.start_date == date(2025, 3, 28)
    assert summary.end_date == date(2025, 4, 1)
