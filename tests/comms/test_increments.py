"""A kept wave step extended by new events gives what one step over every event gives."""

from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fortress.comms import increments
from fortress.comms import waves as wv
from fortress.comms.events import span, with_local_time
from fortress.comms.fingerprint import differences, fingerprint
from fortress.comms.increments import KEPT_FOLDER, extend_bursts
from fortress.comms.lines import KEPT_FOLDERS, run_detection
from fortress.comms.params import DetectionParams
from fortress.store.workspace import Workspace
from helpers.messages import SENDER, START, candidate_waves, drama, messages_table, random_messages
from helpers.worlds import ingest, split_workspace, split_world

PARAMS = (
    DetectionParams(),
    DetectionParams(min_wave_days=1),
    DetectionParams(wave_gap_s=600, wave_min_recipients=4),
)


def candidate_messages(messages: ibis.Table, params: DetectionParams) -> pa.Table:
    """The candidates' messages with their burst numbers, in a fixed order."""
    waves = candidate_waves(messages, params)
    kept = messages.semi_join(waves.select("number").distinct(), "number")
    return kept.select(*wv.SENT_COLUMNS, wv.BURST).order_by(["number", "event_id"]).to_pyarrow()


def extended_in_parts(events: pa.Table, parts: list[pa.Array], params: DetectionParams):
    """The wave step over the first part, extended by each further part in turn."""
    when = span(ibis.memtable(events))
    assert when is not None
    held = events.filter(parts[0])
    kept = wv.sent_in_bursts(with_local_time(ibis.memtable(held), when), params)
    for part in parts[1:]:
        new = events.filter(part)
        old_local = with_local_time(ibis.memtable(held), when)
        new_local = with_local_time(ibis.memtable(new), when)
        kept = extend_bursts(kept, old_local, new_local, params).bursts
        held = pa.concat_tables([held, new])
    return kept


def every_at_once(events: pa.Table, params: DetectionParams) -> ibis.Table:
    when = span(ibis.memtable(events))
    assert when is not None
    return wv.sent_in_bursts(with_local_time(ibis.memtable(events), when), params).messages


def splits(events: pa.Table, rng: random.Random) -> dict[str, list[pa.Array]]:
    """Ways new files arrive: later days (one or two drops), at a message's own time
    (so that messages of one second fall either side), and woven among the old."""
    start = events["start_utc"]
    times = sorted(start.to_pylist())
    at = times[rng.randrange(len(times) // 4, 3 * len(times) // 4)]
    later = times[rng.randrange(3 * len(times) // 4, len(times))]
    after = pc.greater_equal(start, pa.scalar(at, pa.timestamp("us")))
    after_later = pc.greater_equal(start, pa.scalar(later, pa.timestamp("us")))
    woven = pa.array([rng.random() < 0.2 for _ in range(len(events))])
    return {
        "one later drop": [pc.invert(after), after],
        "two later drops": [pc.invert(after), pc.and_(after, pc.invert(after_later)), after_later],
        "woven": [pc.invert(woven), woven],
    }


@pytest.mark.parametrize("params", PARAMS, ids=["defaults", "one wave day", "long gap"])
def test_extending_the_wave_step_keeps_every_candidate_burst(params: DetectionParams) -> None:
    """Random senders of very different habits, split into drops many ways: the
    candidates, their waves and the burst number of every message are the same."""
    compared, candidate_rows = 0, 0
    for seed in range(3):
        events = random_messages(seed, senders=60).to_pyarrow()
        expected = candidate_messages(every_at_once(events, params), params)
        for name, parts in splits(events, random.Random(seed)).items():
            found = extended_in_parts(events, parts, params)
            assert candidate_messages(found.messages, params) == expected, (seed, name)
            compared += 1
        candidate_rows += expected.num_rows
    assert compared == 9
    assert candidate_rows > 100


def test_a_wave_cut_by_a_new_file_stays_one_wave() -> None:
    """A wave whose first half is in the kept files and second half in the new one is
    one wave, numbered on from the kept bursts; so is one that crosses midnight."""
    params = DetectionParams()
    rows = []
    for day, hour in ((0, 9), (1, 9), (2, 23)):
        begin = START.replace(hour=hour) + timedelta(days=day, minutes=50)
        rows += [
            (f"{day}-{k}", begin + timedelta(seconds=60 * k), SENDER, drama(k)) for k in range(20)
        ]
    events = messages_table(rows).to_pyarrow()
    cut = START + timedelta(days=1, minutes=60)  # ten messages of the second wave each side
    midnight = datetime(2025, 3, 7)
    for at in (cut, midnight):
        after = pc.greater_equal(events["start_utc"], pa.scalar(at, pa.timestamp("us")))
        found = extended_in_parts(events, [pc.invert(after), after], params)
        waves = wv.waves(found.messages, params).order_by("start_utc").to_pyarrow()
        assert waves["messages"].to_pylist() == [20, 20, 20]
        assert waves["burst"].to_pylist() == [1, 2, 3]


def full_run(workspace: Workspace) -> dict:
    """Detection with nothing kept by earlier runs (removed first), as a fingerprint."""
    for folder in KEPT_FOLDERS:
        shutil.rmtree(workspace.root / folder, ignore_errors=True)
    summary = run_detection(workspace)
    assert summary.wave_step is not None and summary.wave_step.startswith("computed over all")
    return fingerprint(workspace, summary.run_id)


def test_a_run_after_a_new_day_extends_the_kept_step_and_finds_what_a_full_run_finds(
    tmp_path: Path,
) -> None:
    parts, _woven, _rest = split_world(tmp_path, seed=3)
    workspace = split_workspace(tmp_path)
    for path in parts[:2]:
        ingest(workspace, path)
    first = run_detection(workspace)
    assert first.wave_step == (
        "computed over all 2 event files (no earlier run kept its wave step)"
    )
    ingest(workspace, parts[2])
    extended = run_detection(workspace)
    assert extended.wave_step == (
        "kept from an earlier run over 2 event files and extended by 1 new file"
    )
    assert extended.lines_found > 0
    found = fingerprint(workspace, extended.run_id)
    again = run_detection(workspace)
    assert again.wave_step == "kept from an earlier run over the same 3 event files"
    assert differences(fingerprint(workspace, again.run_id), found) == []
    assert differences(full_run(workspace), found) == []


def test_runs_after_each_of_several_drops_find_what_a_full_run_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each run appends what it added to the kept messages, and past ``MAX_CHUNKS``
    writes them all as one; the last run's result is a full run's."""
    monkeypatch.setattr(increments, "MAX_CHUNKS", 2)
    parts, _woven, _rest = split_world(tmp_path, seed=9)
    workspace = split_workspace(tmp_path)
    state = workspace.root / KEPT_FOLDER / "state.json"
    chunks = []
    for path in parts:
        ingest(workspace, path)
        last = run_detection(workspace)
        chunks.append(len(json.loads(state.read_text("utf-8"))["messages"]))
    assert chunks == [1, 2, 1]
    assert differences(full_run(workspace), fingerprint(workspace, last.run_id)) == []


def test_a_late_file_of_events_among_the_old_ones_gives_a_full_runs_result(
    tmp_path: Path,
) -> None:
    """A second source for the same days (every tenth event, ingested last): senders whose
    new messages fall among their old ones are recomputed whole."""
    _parts, woven, rest = split_world(tmp_path, seed=4)
    workspace = split_workspace(tmp_path)
    ingest(workspace, rest)
    run_detection(workspace)
    ingest(workspace, woven)
    extended = run_detection(workspace)
    assert extended.wave_step is not None and "extended by 1 new file" in extended.wave_step
    assert differences(full_run(workspace), fingerprint(workspace, extended.run_id)) == []


def test_changed_wave_parameters_recompute_the_step(tmp_path: Path) -> None:
    parts, _woven, _rest = split_world(tmp_path, seed=5)
    workspace = split_workspace(tmp_path)
    ingest(workspace, parts[0])
    run_detection(workspace)
    ingest(workspace, parts[1])
    changed = run_detection(workspace, DetectionParams(wave_gap_s=240))
    assert changed.wave_step == (
        "computed over all 2 event files (the wave-step parameters changed since the kept run)"
    )
    unfiltered = run_detection(workspace, DetectionParams(wave_min_distinct_share=0.5))
    assert not (workspace.root / KEPT_FOLDER / "state.json").exists()
    assert unfiltered.wave_step is not None and unfiltered.wave_step.startswith("computed")


def test_a_kept_step_that_cannot_be_read_is_recomputed(tmp_path: Path) -> None:
    """A state file cut short (a crash before it reached the disk) means a run from
    scratch, never a failed run."""
    parts, _woven, _rest = split_world(tmp_path, seed=6)
    workspace = split_workspace(tmp_path)
    ingest(workspace, parts[0])
    run_detection(workspace)
    state = workspace.root / KEPT_FOLDER / "state.json"
    state.write_text(state.read_text("utf-8")[:20], encoding="utf-8")
    recomputed = run_detection(workspace)
    assert recomputed.wave_step is not None
    assert recomputed.wave_step.startswith(
        "computed over all 1 event file (the kept wave step's state could not be read"
    )
    assert run_detection(workspace).wave_step == (
        "kept from an earlier run over the same 1 event file"
    )
