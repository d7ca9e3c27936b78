"""Marketing waves and local time, on small hand-made event files through real ingest."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import ibis
import pyarrow as pa

from fortress.comms import waves as wv
from fortress.comms.clock import LONDON, offset_spans
from fortress.comms.events import span, with_local_time
from fortress.comms.params import DetectionParams
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import preset
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace
from helpers.messages import SENDER, START, candidate_waves, drama, messages_table, random_messages


def write_events(path: Path, rows: list[tuple[datetime, str, str, str]]) -> Path:
    lines = ["start,kind,a_number,b_number,duration_s"]
    lines += [f"{t:%Y-%m-%dT%H:%M:%SZ},{kind},{a},{b},0" for t, kind, a, b in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def waves_of(workspace: Workspace, path: Path) -> list[dict]:
    assert ingest_comms(workspace, path, spec=preset("canonical")).ok
    backend = event_tables.connect(workspace)
    events = event_tables.table(backend, workspace, COMMS)
    assert events is not None
    when = span(events)
    assert when is not None
    params = DetectionParams()
    sent = wv.with_bursts(wv.messages_sent(with_local_time(events, when)), params)
    return wv.waves(sent, params).to_pyarrow().to_pylist()


def broadcast(start: datetime, recipients: range, every_s: int) -> list:
    return [
        (start + timedelta(seconds=every_s * k), "sms", SENDER, drama(i))
        for k, i in enumerate(recipients)
    ]


def test_a_broadcast_to_twelve_numbers_is_one_wave(workspace: Workspace, tmp_path: Path) -> None:
    found = waves_of(workspace, write_events(tmp_path / "e.csv", broadcast(START, range(12), 10)))
    assert [(w["number"], w["recipients"], w["messages"]) for w in found] == [(SENDER, 12, 12)]


def test_a_long_pause_splits_a_broadcast_below_the_wave_size(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Two texts, a pause of twenty minutes, two more: neither half reaches three numbers."""
    rows = broadcast(START, range(2), 10) + broadcast(
        START + timedelta(minutes=20), range(2, 4), 10
    )
    assert waves_of(workspace, write_events(tmp_path / "e.csv", rows)) == []


def test_a_busy_conversation_with_a_few_people_is_not_a_wave(
    workspace: Workspace, tmp_path: Path
) -> None:
    rows = [(START + timedelta(seconds=30 * k), "sms", SENDER, drama(k % 3)) for k in range(40)]
    assert waves_of(workspace, write_events(tmp_path / "e.csv", rows)) == []


def test_calls_never_make_a_wave(workspace: Workspace, tmp_path: Path) -> None:
    rows = [(t, "call", a, b) for t, _, a, b in broadcast(START, range(12), 10)]
    assert waves_of(workspace, write_events(tmp_path / "e.csv", rows)) == []


def test_london_offsets_change_at_the_published_instants() -> None:
    spans = offset_spans(LONDON, datetime(2025, 1, 1), datetime(2025, 12, 31))
    assert [(s[0], s[2]) for s in spans] == [
        (datetime(2025, 1, 1), 0),
        (datetime(2025, 3, 30, 1), 60),
        (datetime(2025, 10, 26, 1), 0),
    ]


def test_local_time_expression_follows_summer_time() -> None:
    utc = [datetime(2025, 3, 30, 0, 59), datetime(2025, 3, 30, 1, 0), datetime(2025, 7, 1, 23)]
    table = ibis.memtable({"start_utc": utc, "event_id": ["a", "b", "c"]})
    when = span(table.mutate(n=ibis.literal(1)))
    assert when is not None
    local = with_local_time(table, when).to_pyarrow()["local"].to_pylist()
    assert local == [
        datetime(2025, 3, 30, 0, 59),
        datetime(2025, 3, 30, 2, 0),
        datetime(2025, 7, 2, 0),
    ]


def test_the_close_sender_filter_never_loses_a_candidate_wave() -> None:
    """The candidates' waves found from the close senders alone are exactly those found
    from every sender, at the defaults, from one wave day, at a share the filter cannot
    vouch for (it keeps everyone), and at a longer gap with bigger waves."""
    waves_checked, senders_kept, senders = 0, 0, 0
    for seed in range(6):
        events = random_messages(seed)
        when = span(events)
        assert when is not None
        local = with_local_time(events, when)
        for params in (
            DetectionParams(),
            DetectionParams(min_wave_days=1),
            DetectionParams(wave_min_recipients=4, wave_min_distinct_share=0.3),
            DetectionParams(wave_gap_s=600, wave_min_recipients=20),
        ):
            every = candidate_waves(wv.with_bursts(wv.messages_sent(local), params), params)
            busy = candidate_waves(wv.sent_in_bursts(local, params).messages, params)
            assert busy.to_pyarrow() == every.to_pyarrow()
            waves_checked += every.count().to_pyarrow().as_py()
        close = wv.close_senders(wv.messages_sent(local), DetectionParams())
        assert close is not None
        senders_kept += close.count().to_pyarrow().as_py()
        senders += 40
    assert waves_checked > 200
    assert senders_kept < senders * 0.7  # and it leaves ordinary senders out


def test_the_close_sender_filter_keeps_waves_at_its_bounds() -> None:
    """The three facts the filter relies on, each met exactly: three texts to three
    numbers exactly one gap apart, straddling slot boundaries; a wave of five messages to
    four numbers (the share of 0.8), a repeat among them; and waves on two days whose
    triples end just over a gap apart (the first at midnight, the second three texts in
    one second)."""
    gap = DetectionParams().wave_gap_s
    straddling = [
        (datetime(2025, 3, 4, 9, 4, 59) + timedelta(seconds=gap * k), drama(k)) for k in range(3)
    ]
    repeats = [
        (START + timedelta(seconds=gap * k), drama(n)) for k, n in enumerate([0, 1, 0, 2, 3])
    ]
    midnight = datetime(2025, 3, 5)
    for wave in (straddling, repeats):
        next_day = [(at + timedelta(days=1), to) for at, to in wave]
        assert_two_waves(wave, next_day)
    before_midnight = [(midnight - timedelta(seconds=1 + gap * k), drama(k)) for k in range(3)]
    just_after = [(midnight + timedelta(seconds=gap), drama(k)) for k in range(3)]
    assert_two_waves(before_midnight, just_after)


def assert_two_waves(*waves: list[tuple[datetime, str]]) -> None:
    """SENDER's ``waves`` (time, recipient) are found whole, one wave each."""
    rows = [
        (f"w{n}-{k}", at, SENDER, to)
        for n, wave in enumerate(waves)
        for k, (at, to) in enumerate(wave)
    ]
    events = messages_table(rows)
    when = span(events)
    assert when is not None
    params = DetectionParams()
    found = wv.waves(wv.sent_in_bursts(with_local_time(events, when), params).messages, params)
    rows_found = found.order_by("start_utc").to_pyarrow().to_pylist()
    assert [(w["number"], w["messages"]) for w in rows_found] == [
        (SENDER, len(wave)) for wave in waves
    ]


def base_of(bursts: list[list[str]]) -> list[str]:
    """The base of SENDER from bursts an hour apart, each to the numbers given."""
    rows: list[dict[str, object]] = []
    waves: list[dict[str, object]] = []
    for burst, to in enumerate(bursts):
        at = START + timedelta(hours=burst)
        waves.append({"number": SENDER, "burst": burst, "start_utc": at, "recipients": len(to)})
        rows += [
            {
                "number": SENDER,
                "burst": burst,
                "recipient": r,
                "start_utc": at,
                "event_id": f"{burst}-{r}",
            }
            for r in to
        ]
    sent, wave_rows = (
        ibis.memtable(pa.Table.from_pylist(rows)),
        ibis.memtable(pa.Table.from_pylist(waves)),
    )
    base = wv.wave_recipients(sent, wave_rows, DetectionParams()).to_pyarrow()
    return sorted(base.column("recipient").to_pylist())


def test_the_base_is_who_the_marketing_waves_reach() -> None:
    """Four adverts to twenty customers, and eight bursts of six quick messages that all
    include one runner: the runner gets most waves by count, yet is not on the list, which
    the adverts (at least half the sender's upper-quartile wave) define."""
    adverts = [[drama(k) for k in range(20)]] * 4
    dispatches = [[drama(900), *map(drama, range(5))]] * 8
    assert base_of(adverts + dispatches) == sorted(drama(k) for k in range(20))


def test_many_quick_replies_do_not_shrink_the_base() -> None:
    """Eight adverts to twenty customers among eighty bursts of replies to three customers
    in a row: by waves, the replies are nine in ten and would make every burst marketing
    (each customer then gets under a quarter of them); by messages, the adverts set the
    typical size and the replies fall under half of it."""
    adverts = [[drama(k) for k in range(20)]] * 8
    replies = [[drama((3 * k + j) % 20) for j in range(3)] for k in range(80)]
    assert base_of(adverts + replies) == sorted(drama(k) for k in range(20))
