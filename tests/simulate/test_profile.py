"""Behaviour profiles (issue #15): classic worlds unchanged, drawn profiles differing by seed,
and every behaviour a profile turns on present in the events, with truth records that match.

The "busy" world takes a drawn profile with every behaviour turned well up, so that each one
occurs in one small world; its seed is fixed, so each assertion below is deterministic.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq
import pytest

from fortress.simulate import CLASSIC, SimulationSummary, draw_profile, simulate
from fortress.simulate.profile import RANGES, BehaviourProfile, resolve_profile
from fortress.simulate.truth import TRUTH_VERSION

LONDON = ZoneInfo("Europe/London")

# Taken before profiles existed (commit 18a1100): the comms events (column by column) and
# cells.csv of two classic worlds, and their ground truth without the version field.
CLASSIC_WORLDS: dict[str, tuple[dict[str, Any], str, str]] = {
    "demo seed 1": (
        {"seed": 1, "scale": "demo"},
        "66abb43427d5f71682a8f62d1456830e9a9cb2c14f0f5b222d872af26f21505c",
        "1425a4834bdc956227870ce8bc70fbaf1d13a3ad01528690d1f020ad968258ae",
    ),
    "hard seed 3": (
        {"seed": 3, "scale": 20_000, "variant": "hard"},
        "ac3a752bc651608128882dcebd349c03d774c649944b1064be4db3f649a12d81",
        "d49024c32160eae1b83d5a6ab1f46b68fe44928e328f34398aaef2d0f2f54259",
    ),
}
VERSION_2_LINE_KEYS = ("kind", "orders_by", "bulk_sending", "walk_in_customers")
VERSION_2_SWITCH_KEYS = (
    "same_handset",
    "overlap_days",
    "unanswered_days",
    "old_number_last_originated",
)

BUSY = replace(
    draw_profile(11),
    switch_interval_days=14.0,
    same_handset_share=0.5,
    overlap_days_max=3,
    straggler_share=0.3,
    unanswered_days_max=4,
    straggler_text_share=0.3,
    organisers_per_town=2.0,
    newsletters_per_town=2.0,
    member_chat_rate=0.3,
    internal_share=0.4,
    slow_sending_share=0.5,
    slow_gap_median_s=40.0,
    call_order_share=0.35,
    text_order_share=0.35,
    small_line_share=0.4,
    walk_in_share=0.2,
    actor_switches_per_month=1.5,
    actor_same_handset_share=0.5,
    person_switches_per_year=0.15,
    person_same_handset_share=0.5,
)


def _events(out_dir: Path) -> pa.Table:
    parts = sorted((out_dir / "comms").glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts])


def _events_digest(out_dir: Path) -> str:
    """A digest of the events' values (not of the Parquet bytes, which carry the writer's
    version) and of cells.csv."""
    table = _events(out_dir)
    digest = hashlib.sha256()
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64())
        digest.update(name.encode())
        digest.update(repr(column.to_pylist()).encode())
    digest.update((out_dir / "cells.csv").read_bytes())
    return digest.hexdigest()


def _truth_without_version_2(truth: dict[str, Any]) -> str:
    old = json.loads(json.dumps(truth))
    for key in ("version", "profile", "phone_switches"):
        old.pop(key)
    for line in old["lines"]:
        for key in VERSION_2_LINE_KEYS:
            line.pop(key)
        line["controller"].pop("numbers")
        for runner in line["runners"]:
            runner.pop("numbers")
        for switch in line["switches"]:
            for key in VERSION_2_SWITCH_KEYS:
                switch.pop(key)
    return hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()


def _read_truth(summary: SimulationSummary) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(summary.ground_truth.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(CLASSIC_WORLDS))
def test_classic_world_is_the_world_before_profiles(tmp_path: Path, name: str) -> None:
    arguments, events_digest, truth_digest = CLASSIC_WORLDS[name]
    summary = simulate(tmp_path, **arguments, profile="classic")
    truth = _read_truth(summary)
    assert _events_digest(tmp_path) == events_digest
    assert _truth_without_version_2(truth) == truth_digest
    assert truth["version"] == TRUTH_VERSION == 2
    assert truth["profile"] == CLASSIC.to_dict()
    assert truth["phone_switches"] == []
    for line in truth["lines"]:
        assert (line["kind"], line["orders_by"], line["bulk_sending"]) == (
            "exported",
            "mixed",
            "burst",
        )
        assert line["walk_in_customers"] == []
        for switch in line["switches"]:
            assert switch["same_handset"] is False
            assert switch["overlap_days"] == 1
            assert switch["unanswered_days"] == 0


def test_drawn_is_the_default(tmp_path: Path) -> None:
    explicit = simulate(tmp_path / "explicit", seed=4, scale=3000, days=5, profile="drawn")
    default = simulate(tmp_path / "default", seed=4, scale=3000, days=5)
    assert _events_digest(explicit.out_dir) == _events_digest(default.out_dir)
    assert default.profile == "drawn"


def test_drawn_profiles_differ_across_seeds_and_stay_in_range() -> None:
    profiles = [draw_profile(seed) for seed in range(40)]
    assert all(p.name == "drawn" for p in profiles)
    assert draw_profile(7) == draw_profile(7)
    for name, (low, high) in RANGES.items():
        values = [getattr(p, name) for p in profiles]
        assert all(low <= v <= high for v in values), name
        assert len(set(values)) > 1, name  # every parameter varies with the seed
    as_tuples = {tuple(p.to_dict().values()) for p in profiles}
    assert len(as_tuples) == len(profiles)
    drawn_fields = {f.name for f in fields(BehaviourProfile)} - {"name"}
    assert drawn_fields == set(RANGES)


def test_unknown_profile_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="profile"):
        simulate(tmp_path, scale=3000, days=5, profile="wild")
    assert resolve_profile("drawn", 5) == draw_profile(5)


def test_drawn_world_records_its_profile_and_differs_from_classic(tmp_path: Path) -> None:
    drawn = simulate(tmp_path / "drawn", seed=5, scale=8000, days=10, profile="drawn")
    again = simulate(tmp_path / "again", seed=5, scale=8000, days=10, profile="drawn")
    classic = simulate(tmp_path / "classic", seed=5, scale=8000, days=10, profile="classic")
    assert _read_truth(drawn)["profile"] == draw_profile(5).to_dict()
    assert _events_digest(drawn.out_dir) == _events_digest(again.out_dir)
    assert _events_digest(drawn.out_dir) != _events_digest(classic.out_dir)
    assert abs(drawn.events - 8000) <= 800


@pytest.mark.parametrize(("seed", "days"), [(10, 4), (3, 1)])
def test_drawn_tiny_worlds(tmp_path: Path, seed: int, days: int) -> None:
    """Seed 10 over 4 days switches a number on the last day: its stragglers have no day
    left to ring it."""
    summary = simulate(tmp_path, seed=seed, scale=3000, days=days, profile="drawn")
    truth = _read_truth(summary)
    for line in truth["lines"]:
        for switch in line["switches"]:
            assert switch["old_number_last_originated"] <= switch["old_number_silent_after"]
            assert switch["unanswered_days"] <= max(0, days - 1)


# --- the busy world --------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    out = tmp_path_factory.mktemp("busy")
    return simulate(out, seed=11, scale=300_000, days=42, profile=BUSY)


@pytest.fixture(scope="module")
def truth(busy: SimulationSummary) -> dict[str, Any]:
    return _read_truth(busy)


@pytest.fixture(scope="module")
def con(busy: SimulationSummary) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("ev_arrow", _events(busy.out_dir))
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(
        "CREATE TABLE ev AS SELECT *, epoch(start)::BIGINT AS t FROM ev_arrow ORDER BY event_id"
    )
    cells = pa.csv.read_csv(busy.out_dir / "cells.csv")
    connection.register("cells", cells)
    return connection


def _epoch(iso_utc: str) -> int:
    return int(datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).timestamp())


def _local_date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, LONDON).date().isoformat()


def _switches(truth: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(line, s) for line in truth["lines"] for s in line["switches"]]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> Any:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def test_busy_world_size_and_profile(busy: SimulationSummary, truth: dict[str, Any]) -> None:
    assert abs(busy.events - 300_000) <= 30_000
    assert truth["profile"] == BUSY.to_dict()


def test_old_numbers_fall_silent_and_stragglers_ring_them_unanswered(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    switches = _switches(truth)
    assert len(switches) >= 5
    assert any(s["unanswered_days"] >= 2 for _, s in switches)
    for _, switch in switches:
        old = switch["old_number"]
        silent = _epoch(switch["old_number_silent_after"])
        last_sent = _epoch(switch["old_number_last_originated"])
        # the truth's last originated event is the old number's last, before its silence
        assert _one(con, "SELECT max(t) FROM ev WHERE a_number = ?", [old]) == last_sent
        assert last_sent <= silent
        # after it: only unanswered zero-second calls and texts to it, with no handset
        late = con.execute(
            "SELECT kind, answered, duration_s, b_imei, b_cell, t FROM ev"
            " WHERE b_number = ? AND t >= ?",
            [old, silent],
        ).fetchall()
        assert late, switch
        calls = [r for r in late if r[0] == "call"]
        assert calls and all(r[1] is False and r[2] == 0 for r in calls)
        assert all(r[3] is None and r[4] is None for r in late)
        # unanswered_days: from the silent day to the last day anyone tried
        silent_day = datetime.fromisoformat(_local_date(silent))
        last_day = datetime.fromisoformat(_local_date(max(r[5] for r in late)))
        assert (last_day - silent_day).days == switch["unanswered_days"]
    texts = sum(
        _one(
            con,
            "SELECT count(*) FROM ev WHERE kind = 'sms' AND b_number = ? AND t >= ?",
            [s["old_number"], _epoch(s["old_number_silent_after"])],
        )
        for _, s in switches
    )
    assert texts > 0


def test_same_handset_switch_puts_two_line_numbers_on_one_imei(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    same = [(line, s) for line, s in _switches(truth) if s["same_handset"]]
    other = [(line, s) for line, s in _switches(truth) if not s["same_handset"]]
    assert same and other
    for line, switch in same:
        assert switch["overlap_days"] == 0  # a SIM swap
        old_imeis = {h["imei"] for h in line["handsets"] if h["number"] == switch["old_number"]}
        new_imeis = {h["imei"] for h in line["handsets"] if h["number"] == switch["new_number"]}
        shared = old_imeis & new_imeis
        assert len(shared) == 1
        numbers = con.execute(
            "SELECT DISTINCT a_number FROM ev WHERE a_imei = ?", [shared.pop()]
        ).fetchall()
        assert {switch["old_number"], switch["new_number"]} <= {n for (n,) in numbers}
    for line, switch in other:
        old_imeis = {h["imei"] for h in line["handsets"] if h["number"] == switch["old_number"]}
        new_imeis = {h["imei"] for h in line["handsets"] if h["number"] == switch["new_number"]}
        assert not old_imeis & new_imeis


def test_overlap_successor_texts_the_base_while_the_old_number_still_works(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    overlapping = [(line, s) for line, s in _switches(truth) if s["overlap_days"] >= 2]
    assert overlapping
    for _line, switch in overlapping:
        announced = _epoch(switch["announced_at"])
        silent = _epoch(switch["old_number_silent_after"])
        assert silent - announced == switch["overlap_days"] * 86_400
        texted = _one(
            con,
            "SELECT count(DISTINCT b_number) FROM ev WHERE a_number = ? AND kind = 'sms'"
            " AND t BETWEEN ? AND ? + 600",
            [switch["new_number"], announced, announced],
        )
        assert texted >= 3
    # and the old numbers kept answering orders after their successor appeared
    answering = [
        s
        for _, s in overlapping
        if _epoch(s["old_number_last_originated"]) > _epoch(s["announced_at"]) + 86_400
    ]
    assert answering


def test_line_truth_matches_the_events(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    for line in truth["lines"]:
        for handset in line["handsets"]:
            seen = _one(
                con,
                "SELECT count(*) FROM ev WHERE a_number = ? AND a_imei = ?",
                [handset["number"], handset["imei"]],
            )
            assert seen > 0, handset
        for period in line["numbers"]:
            first, last = con.execute(
                "SELECT min(t), max(t) FROM ev WHERE a_number = ?", [period["number"]]
            ).fetchone() or (None, None)
            assert first is not None
            assert _local_date(first) >= period["from"]
            assert _local_date(last) <= period["to"]


def test_organisers_text_daily_answer_replies_and_members_know_each_other(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    organisers = [s for s in truth["bulk_senders"] if s["kind"] == "community_organiser"]
    assert organisers and all(not s["landline"] for s in organisers)
    days = len(
        con.execute("SELECT DISTINCT (start AT TIME ZONE 'Europe/London')::DATE FROM ev").fetchall()
    )
    denser = 0
    for sender in organisers:
        number = sender["number"]
        members = [
            n
            for (n,) in con.execute(
                "SELECT DISTINCT b_number FROM ev WHERE a_number = ? AND kind = 'sms'", [number]
            ).fetchall()
        ]
        # daily: on nearly every day the organiser texts at least half the group
        sending_days = _one(
            con,
            "SELECT count(*) FROM (SELECT (start AT TIME ZONE 'Europe/London')::DATE AS d"
            " FROM ev WHERE a_number = ? AND kind = 'sms' GROUP BY d"
            " HAVING count(DISTINCT b_number) >= ?)",
            [number, max(2, len(members) // 2)],
        )
        assert sending_days >= 0.9 * days, sender
        answered = _one(
            con,
            "SELECT count(*) FROM ev r JOIN ev a ON a.a_number = r.b_number"
            " AND a.b_number = r.a_number AND a.t > r.t AND a.kind = 'sms'"
            " WHERE r.b_number = ? AND r.kind = 'sms'",
            [number],
        )
        assert answered > 0
        denser += _member_density(con, members, sender["area"]) > 2
    assert denser == len(organisers)


def _member_density(con: duckdb.DuckDBPyConnection, members: list[str], area: str) -> float:
    """How much more often members of a group contact each other than other residents of
    the town contact each other (pairs with any event, members over the rest); inf when
    the others never do."""
    pairs = con.execute(
        """
        WITH m AS (SELECT unnest(?) AS n),
        town AS (SELECT DISTINCT a_number AS n FROM ev JOIN cells ON a_cell = cell_id
                 WHERE area = ? AND a_number NOT IN (SELECT n FROM m)),
        linked AS (SELECT DISTINCT least(a_number, b_number) AS x, greatest(a_number, b_number) AS y
                   FROM ev)
        SELECT
          (SELECT count(*) FROM linked WHERE x IN (SELECT n FROM m) AND y IN (SELECT n FROM m)),
          (SELECT count(*) FROM m),
          (SELECT count(*) FROM linked WHERE x IN (SELECT n FROM town)
                                         AND y IN (SELECT n FROM town)),
          (SELECT count(*) FROM town)
        """,
        [members, area],
    ).fetchone()
    assert pairs is not None
    inside, size, outside, others = pairs
    within = inside / max(1, size * (size - 1) / 2)
    rest = outside / max(1, others * (others - 1) / 2)
    return float("inf") if rest == 0 else within / rest


def test_newsletters_broadcast_daily_some_at_night_with_few_replies(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    letters = [s["number"] for s in truth["bulk_senders"] if s["kind"] == "newsletter"]
    assert letters
    sent, replies, odd_hours = con.execute(
        """
        SELECT
          count(*) FILTER (WHERE a_number IN (SELECT unnest($1))),
          count(*) FILTER (WHERE b_number IN (SELECT unnest($1)) AND kind = 'sms'),
          count(*) FILTER (WHERE a_number IN (SELECT unnest($1)) AND
            (hour(start AT TIME ZONE 'Europe/London') < 7
             OR hour(start AT TIME ZONE 'Europe/London') >= 22))
        FROM ev
        """,
        [letters],
    ).fetchone() or (0, 0, 0)
    assert sent > 0
    assert replies < 0.05 * sent
    assert odd_hours > 0


def test_internal_lines_stay_in_their_town(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    internal = [line for line in truth["lines"] if line["kind"] == "internal"]
    assert internal and any(line["kind"] == "exported" for line in truth["lines"])
    assert truth["lines"][0]["kind"] == "exported"
    for line in internal:
        assert line["hub"] == line["town"] and line["held_in"] == "town"
        assert all(r["local"] and r["home_area"] == line["town"] for r in line["runners"])
        crew = [*line["controller"]["numbers"], *(n for r in line["runners"] for n in r["numbers"])]
        phones = crew + [n["number"] for n in line["numbers"]]
        areas = con.execute(
            "SELECT DISTINCT area FROM ev JOIN cells ON a_cell = cell_id"
            " WHERE a_number IN (SELECT unnest(?))",
            [phones],
        ).fetchall()
        assert {a for (a,) in areas} == {line["town"]}


def _waves(con: duckdb.DuckDBPyConnection, line: dict[str, Any]) -> list[tuple[int, int]]:
    """The line's marketing waves as (span, widest gap) in seconds: runs of at least 5 texts
    to its customers that answer no order (no event from the recipient in the 40 minutes
    before), each within 15 minutes of the one before."""
    rows = con.execute(
        """
        WITH sent AS (
          SELECT s.a_number, s.t FROM ev s
          WHERE s.kind = 'sms' AND s.a_number IN (SELECT unnest(?))
            AND s.b_number IN (SELECT unnest(?))
            AND NOT EXISTS (SELECT 1 FROM ev o WHERE o.a_number = s.b_number
                            AND o.b_number = s.a_number AND o.t BETWEEN s.t - 2400 AND s.t)),
        g AS (SELECT *, t - lag(t) OVER (PARTITION BY a_number ORDER BY t) AS gap FROM sent),
        w AS (SELECT *, sum(CASE WHEN gap IS NULL OR gap > 900 THEN 1 ELSE 0 END)
                        OVER (PARTITION BY a_number ORDER BY t) AS wave FROM g)
        SELECT max(t) - min(t), coalesce(max(CASE WHEN gap <= 900 THEN gap END), 0)
        FROM w GROUP BY a_number, wave HAVING count(*) >= 5
        """,
        [[n["number"] for n in line["numbers"]], line["customers"]],
    ).fetchall()
    return [(int(span), int(widest)) for span, widest in rows]


def test_slow_lines_send_waves_with_minutes_between_texts(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    slow = [line for line in truth["lines"] if line["bulk_sending"] == "slow"]
    burst = [line for line in truth["lines"] if line["bulk_sending"] == "burst"]
    assert slow and burst
    for line in slow:
        waves = _waves(con, line)
        assert any(span > 600 and widest > 180 for span, widest in waves), line["line_id"]
    for line in burst:  # a burst reaches everyone within 10 minutes (unless an
        # announcement of a new number runs into a wave)
        waves = _waves(con, line)
        long = [w for w in waves if w[0] >= 600]
        assert waves and len(long) <= 0.05 * len(waves), line["line_id"]


def test_lines_take_orders_by_call_or_by_text(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    kinds = {line["orders_by"] for line in truth["lines"]}
    assert {"call", "text"} <= kinds
    for line in truth["lines"]:
        numbers = [n["number"] for n in line["numbers"]]
        calls, texts, reply_calls = con.execute(
            """
            SELECT
              count(*) FILTER (WHERE kind = 'call' AND b_number IN (SELECT unnest($1))),
              count(*) FILTER (WHERE kind = 'sms' AND b_number IN (SELECT unnest($1))),
              count(*) FILTER (WHERE kind = 'call' AND a_number IN (SELECT unnest($1))
                               AND b_number IN (SELECT unnest($2)))
            FROM ev WHERE a_number IN (SELECT unnest($1)) OR b_number IN (SELECT unnest($1))
            """,
            [numbers, line["customers"]],
        ).fetchone() or (0, 0, 0)
        share = calls / (calls + texts)
        if line["orders_by"] == "call":
            assert share > 0.6 and reply_calls > 0, line["line_id"]
        elif line["orders_by"] == "text":
            assert share < 0.3 and reply_calls == 0, line["line_id"]


def test_small_bases_and_walk_ins(truth: dict[str, Any], con: duckdb.DuckDBPyConnection) -> None:
    listed = [len(line["customers"]) - len(line["walk_in_customers"]) for line in truth["lines"]]
    assert min(listed) < 0.5 * max(listed)
    walking = [line for line in truth["lines"] if line["walk_in_customers"]]
    assert walking
    for line in walking:
        numbers = [n["number"] for n in line["numbers"]]
        walkers = line["walk_in_customers"]
        ordered = _one(
            con,
            "SELECT count(DISTINCT a_number) FROM ev WHERE a_number IN (SELECT unnest(?))"
            " AND b_number IN (SELECT unnest(?))",
            [walkers, numbers],
        )
        assert ordered > 0
        # not on the texting list: every text the line sends a walk-in answers an order
        # (replies within 5 minutes, "here" within 40)
        unprompted = _one(
            con,
            """
            SELECT count(*) FROM ev s
            WHERE s.kind = 'sms' AND s.a_number IN (SELECT unnest($1))
              AND s.b_number IN (SELECT unnest($2))
              AND NOT EXISTS (SELECT 1 FROM ev o WHERE o.a_number = s.b_number
                              AND o.b_number = s.a_number AND o.t BETWEEN s.t - 2400 AND s.t)
            """,
            [numbers, walkers],
        )
        assert unprompted == 0, line["line_id"]


def test_people_who_are_not_lines_change_number_and_keep_their_contacts(
    truth: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> None:
    records = truth["phone_switches"]
    assert {r["role"] for r in records} == {"controller", "runner", "person"}
    assert {r["same_handset"] for r in records} == {True, False}
    line_numbers = {n["number"] for line in truth["lines"] for n in line["numbers"]}
    checked = 0
    for record in records:
        old, new = record["old_number"], record["new_number"]
        assert old not in line_numbers and new not in line_numbers
        day = datetime.fromisoformat(record["date"]).replace(tzinfo=LONDON)
        start = int(day.timestamp())
        after_switch = int((day + timedelta(days=2)).timestamp())
        # the new number is not used before its date, the old one not after (a conversation
        # begun the day before may run on past midnight)
        assert (
            _one(
                con,
                "SELECT count(*) FROM ev WHERE ? IN (a_number, b_number) AND t < ?",
                [new, start],
            )
            == 0
        )
        assert (
            _one(con, "SELECT count(*) FROM ev WHERE a_number = ? AND t >= ?", [old, after_switch])
            == 0
        )
        before = _counterparts(con, old, until=start)
        after = _counterparts(con, new, since=start)
        if len(before) >= 3 and len(after) >= 3:
            checked += 1
            assert before & after, record
        imeis_old = _imeis(con, old, until=start)
        imeis_new = _imeis(con, new, since=start)
        if imeis_old and imeis_new:
            assert (imeis_old[-1] == imeis_new[0]) == record["same_handset"], record
    assert checked >= 10


def _counterparts(
    con: duckdb.DuckDBPyConnection, number: str, *, since: int = 0, until: int = 2**62
) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT CASE WHEN a_number = $1 THEN b_number ELSE a_number END FROM ev"
        " WHERE $1 IN (a_number, b_number) AND t >= $2 AND t < $3",
        [number, since, until],
    ).fetchall()
    return {n for (n,) in rows}


def _imeis(
    con: duckdb.DuckDBPyConnection, number: str, *, since: int = 0, until: int = 2**62
) -> list[str]:
    """The handsets ``number`` originated from, in order of first use."""
    rows = con.execute(
        "SELECT a_imei, min(t) AS first FROM ev WHERE a_number = ? AND t >= ? AND t < ?"
        " GROUP BY a_imei ORDER BY first",
        [number, since, until],
    ).fetchall()
    return [i for i, _ in rows]
