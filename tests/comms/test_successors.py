"""Successor numbers for any number: a switch is a change point in a number's active
contacts, its successor the number whose relationships with the same people begin then.

Hand-made records, each a few hundred events: a line that changes number (with overlap,
unanswered calls to the old number, the same or a new handset), a group that switches
together, a successor used a little before, and ordinary people who do not switch; then
the change-point test on hand-worked series, and analysts' judgements of links.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from fortress.comms.judgements import JudgementError, judge_link
from fortress.comms.lines import list_lines, run_detection, successors
from fortress.comms.successors import SuccessorParams, change_points, f_beta
from fortress.ingest.comms import ingest_comms
from fortress.model.lines import SilentNumber, SuccessorCandidate
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
from helpers.worlds import World

START = datetime(2025, 5, 5, 9, 0)  # a Monday
DAYS = 24
OLD = [f"+447700900{101 + k}" for k in range(4)]
NEW = [f"+447700900{201 + k}" for k in range(4)]
OTHERS = [f"+447700900{301 + k}" for k in range(6)]
LINE_OLD, LINE_NEW, RUNNER = "+447700900501", "+447700900502", "+447700900503"
CUSTOMERS = [f"+447700900{601 + k}" for k in range(12)]
HEADER = "start,kind,a_number,b_number,duration_s,answered,a_imei,b_imei,a_cell,b_cell"


@dataclass
class Records:
    """Canonical comms rows written by hand."""

    rows: list[str] = field(default_factory=list)

    def sms(self, when: datetime, a: str, b: str, *, imei: str = "", cell: str = "") -> None:
        self.rows.append(f"{when:%Y-%m-%dT%H:%M:%SZ},sms,{a},{b},0,,{imei},,{cell},")

    def call(
        self, when: datetime, a: str, b: str, seconds: int, *, b_imei: str = "", b_cell: str = ""
    ) -> None:
        answered = "true" if seconds else "false"
        self.rows.append(
            f"{when:%Y-%m-%dT%H:%M:%SZ},call,{a},{b},{seconds},{answered},,{b_imei},,{b_cell}"
        )

    def ingest(self, workspace: Workspace, path: Path) -> None:
        path.write_text("\n".join([HEADER, *self.rows]) + "\n", encoding="utf-8")
        summary = ingest_comms(workspace, path, spec=preset("canonical"))
        assert summary.ok, summary.error


def at(day: int, minutes: int) -> datetime:
    return START + timedelta(days=day, minutes=minutes)


def line_change(
    *,
    switch_day: int = 12,
    overlap_days: int = 0,
    same_handset: bool = True,
    missed: int = 0,
    early_calls: int = 0,
) -> Records:
    """A deal line with a runner and 12 customers changes number on ``switch_day``.

    The old number answers its customers and texts its runner until ``overlap_days``
    after the new number texts everyone "new number"; from then it originates nothing.
    The first ``missed`` customers missed the text and ring the old number every day to
    the end, unanswered; the others text the new number. ``early_calls`` answered calls
    reach the new number from a stranger in the first days (a SIM used a little before).
    """
    records = Records()
    old_imei, new_imei = "350000000000001", "350000000000001" if same_handset else "35000000000002"
    cell = "234-30-9-1"
    last_old = switch_day + overlap_days
    for day in range(DAYS):
        numbers = []
        if day < last_old:
            numbers.append((LINE_OLD, old_imei))
        if day >= switch_day:
            numbers.append((LINE_NEW, new_imei))
        for line, imei in numbers:
            records.sms(at(day, 0), line, RUNNER, imei=imei, cell=cell)
            if line == LINE_NEW and day == switch_day:
                for k, customer in enumerate(CUSTOMERS):
                    records.sms(at(day, 1 + k), line, customer, imei=imei, cell=cell)
        for k, customer in enumerate(CUSTOMERS):
            if (day + k) % 2:
                continue
            # Customers move in turn over the overlap (all the next day when none).
            moved = day > switch_day + k % (overlap_days + 1) and k >= missed
            line, imei = (LINE_NEW, new_imei) if moved else (LINE_OLD, old_imei)
            when = at(day, 60 + 7 * k)
            if line == LINE_OLD and day >= last_old:
                records.call(when, customer, LINE_OLD, 0)  # nobody answers
                continue
            records.sms(when, customer, line)
            records.sms(when + timedelta(minutes=2), line, customer, imei=imei, cell=cell)
    for day in range(min(early_calls, switch_day - 2)):
        records.call(at(day, 300), OTHERS[0], LINE_NEW, 40, b_imei="35999", b_cell=cell)
    _background(records)
    return records


def _background(records: Records) -> None:
    """Six other people who chat among themselves every day."""
    for day in range(DAYS):
        for i, sender in enumerate(OTHERS):
            receiver = OTHERS[(i + 1) % len(OTHERS)]
            records.sms(at(day, 180 + i), sender, receiver, cell=f"234-30-2-{i}")
            records.sms(at(day, 190 + i), receiver, sender, cell=f"234-30-2-{i}")


def only(found: list[SilentNumber], number: str) -> SilentNumber:
    [item] = [item for item in found if item.number == number]
    return item


def evidence(candidate: SuccessorCandidate, kind: str) -> dict[str, object]:
    return dict(next(e for e in candidate.evidence if e.kind == kind).figures)


@pytest.mark.parametrize("same_handset", [True, False], ids=["same handset", "new handset"])
def test_a_line_that_changes_number_has_its_new_number_as_successor(
    workspace: Workspace, tmp_path: Path, same_handset: bool
) -> None:
    line_change(same_handset=same_handset).ingest(workspace, tmp_path / "c.csv")
    item = only(successors(workspace), LINE_OLD)
    best = item.candidates[0]
    assert best.number == LINE_NEW
    assert best.signals["handset"] == (1.0 if same_handset else 0.0)
    assert evidence(best, "contacts")["shared"] == len(CUSTOMERS) + 1  # and the runner
    assert best.score >= SuccessorParams().min_score
    assert item.switched_utc == "2025-05-17T00:00:00"  # day 12: the first quiet day
    assert len(item.candidates) == 1


def test_unanswered_calls_to_the_old_number_do_not_keep_it_alive(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Four customers ring the old number every other day to the end, unanswered: it
    still receives, but its last active contact is its last reply."""
    records = line_change(missed=4, same_handset=False)
    records.ingest(workspace, tmp_path / "c.csv")
    [item] = successors(workspace, LINE_OLD)
    assert item.candidates[0].number == LINE_NEW
    assert item.last_active_utc is not None and item.last_active_utc < "2025-05-17"
    assert item.last_seen_utc > "2025-05-27"  # rung two days before the end
    assert item.quiet is not None and item.quiet.figures["per_day_after"] == 0


def test_a_successor_that_starts_days_before_the_old_number_stops(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Three days of overlap: both numbers answer customers while they move."""
    line_change(overlap_days=3, same_handset=False).ingest(workspace, tmp_path / "c.csv")
    [item] = successors(workspace, LINE_OLD)
    best = item.candidates[0]
    assert best.number == LINE_NEW
    assert item.switched_utc is not None and item.last_active_utc is not None
    assert "2025-05-17" < item.switched_utc <= "2025-05-20T00:00:00"
    assert best.started_utc is not None and best.started_utc < item.last_active_utc
    gap = evidence(best, "timing")["gap_days"]
    assert isinstance(gap, float) and -3.5 < gap < -2
    assert 0 < best.signals["timing"] < 1


def test_a_successor_used_a_little_before_is_still_new(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Like VAST's phone 360: a few answered calls in the first days, then the switch."""
    line_change(same_handset=False, early_calls=6).ingest(workspace, tmp_path / "c.csv")
    [item] = successors(workspace, LINE_OLD)
    best = item.candidates[0]
    assert best.number == LINE_NEW
    figures = evidence(best, "timing")
    assert figures["per_day_before"] == 0.5  # 6 calls over the 12 days before
    assert isinstance(figures["per_day_after"], float) and figures["per_day_after"] > 5


def group_switch_file(path: Path) -> Path:
    """Four friends text only each other; on day 10 all four change number and handset.
    Six other people chat among themselves throughout."""
    rows = ["start,kind,a_number,b_number,duration_s,a_imei,a_cell"]
    for day in range(20):
        numbers = OLD if day < 10 else NEW
        for i, sender in enumerate(numbers):
            imei = f"35{day // 10}{i:012d}"
            for j, receiver in enumerate(numbers):
                if i != j:
                    when = START + timedelta(days=day, minutes=10 * i + j)
                    rows.append(
                        f"{when:%Y-%m-%dT%H:%M:%SZ},sms,{sender},{receiver},0,{imei},234-30-1-{i}"
                    )
        for i, sender in enumerate(OTHERS):
            when = START + timedelta(days=day, hours=3, minutes=i)
            receiver = OTHERS[(i + 1) % len(OTHERS)]
            rows.append(
                f"{when:%Y-%m-%dT%H:%M:%SZ},sms,{sender},{receiver},0,3599{i:011d},234-30-2-{i}"
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_group_that_switches_together_is_matched_member_by_member(
    workspace: Workspace, tmp_path: Path
) -> None:
    """No old contact is left to compare: each member's cell suggests a match, and the
    group pass confirms it by contacts (each new number reaches the others' new numbers).
    Each new number is listed only for the old number it replaced."""
    summary = ingest_comms(
        workspace, group_switch_file(tmp_path / "g.csv"), spec=preset("canonical")
    )
    assert summary.ok, summary.error
    found = {item.number: item for item in successors(workspace)}
    assert set(found) == set(OLD)
    for old, new in zip(OLD, NEW, strict=True):
        [best] = found[old].candidates
        assert best.number == new
        contacts = evidence(best, "contacts")
        assert contacts["shared"] == 0
        assert contacts["via_their_successors"] == 3


def test_one_number_can_be_asked_for_in_any_written_form(
    workspace: Workspace, tmp_path: Path
) -> None:
    ingest_comms(workspace, group_switch_file(tmp_path / "g.csv"), spec=preset("canonical"))
    [item] = successors(workspace, "07700 900101")
    assert item.number == OLD[0] and item.candidates[0].number == NEW[0]


def friends(*, leaves: int | None = None, joins: int | None = None) -> Records:
    """Ten friends text each other (each day, each texts two friends, who reply), Monday
    to Friday a lot and at weekends a little. Friend 9 may stop on day ``leaves`` (no new
    phone: moved away); a newcomer may join on day ``joins``, texting friends 1 and 2."""
    records = Records()
    people = [f"+447700900{701 + k}" for k in range(10)]
    newcomer = "+447700900799"
    rng = np.random.default_rng(7)
    for day in range(DAYS):
        weekend = (START + timedelta(days=day)).weekday() >= 5
        for i, sender in enumerate(people):
            if i == 9 and leaves is not None and day >= leaves:
                continue
            if weekend and rng.random() < 0.7:
                continue
            for j in rng.choice([k for k in range(10) if k != i], size=2, replace=False):
                if j == 9 and leaves is not None and day >= leaves:
                    continue
                when = at(day, int(rng.integers(0, 600)))
                records.sms(when, sender, people[j], cell=f"234-30-3-{i}")
                records.sms(when + timedelta(minutes=3), people[j], sender, cell=f"234-30-3-{j}")
        if joins is not None and day >= joins:
            for friend in people[1:3]:
                records.sms(at(day, 700), newcomer, friend, cell="234-30-4-0")
                records.sms(at(day, 705), friend, newcomer, cell="234-30-3-1")
    return records


@pytest.mark.parametrize(
    ("leaves", "joins"),
    [(None, None), (None, 10), (14, None), (14, 15)],
    ids=["friends", "a newcomer", "one leaves", "one leaves, a newcomer arrives"],
)
def test_ordinary_people_have_no_successors(
    workspace: Workspace, tmp_path: Path, leaves: int | None, joins: int | None
) -> None:
    """Weekends, a newcomer, a friend who leaves, even a newcomer the day after a friend
    leaves who texts two of the same people: nobody is listed."""
    records = friends(leaves=leaves, joins=joins)
    _background(records)
    records.ingest(workspace, tmp_path / "f.csv")
    assert successors(workspace) == []


def test_a_number_that_did_not_switch_is_listed_when_asked_for(
    workspace: Workspace, tmp_path: Path
) -> None:
    friends().ingest(workspace, tmp_path / "f.csv")
    [item] = successors(workspace, "+447700900701")
    assert item.switched_utc is None and item.quiet is None and item.candidates == []
    assert item.contacts == 9 and item.last_active_utc is not None


def test_a_change_point_is_a_lasting_sharp_drop() -> None:
    """Hand-worked series (one number per row, days from Monday)."""
    params = SuccessorParams()
    daily = np.array(
        [
            [10, 10, 10, 10, 10, 1, 0, 0, 0, 0],  # stops on day 5: a switch from day 5
            [10, 10, 10, 10, 10, 0, 0, 10, 10, 10],  # two quiet days, then back: none
            [10, 10, 10, 10, 10, 6, 5, 6, 5, 6],  # halves: not sharp enough
            [1, 1, 1, 1, 1, 0, 0, 0, 0, 0],  # too few expected to tell (5: 0.7%)
            [0, 0, 0, 30, 30, 30, 2, 1, 0, 0],  # first active on day 3, drops on day 6
        ],
        dtype=float,
    )
    first = np.array([0, 0, 0, 0, 3])
    days, expected, chance = change_points(daily, first, 10.0, params, weekday0=0)
    assert days.tolist() == [5, -1, -1, -1, 6]
    assert expected[0] == pytest.approx(50) and chance[0] < 1e-15
    office = np.array([[20, 20, 20, 20, 20, 0, 0] * 2], dtype=float)  # shut at weekends
    assert change_points(office, np.array([0]), 14.0, params, weekday0=0)[0].tolist() == [-1]
    weekends_too = np.array([[20] * 12 + [0, 0]], dtype=float)  # busy every day, then not
    assert change_points(weekends_too, np.array([0]), 14.0, params)[0].tolist() == [12]


def test_the_contacts_signal_weighs_taking_up_twice_as_much_as_being_mostly() -> None:
    assert f_beta(1.0, 1.0, 2.0) == 1.0
    assert f_beta(0.5, 1.0, 2.0) == pytest.approx(5 * 0.5 / (4 + 0.5))
    assert f_beta(1.0, 0.5, 2.0) > f_beta(0.5, 1.0, 2.0)
    assert f_beta(0.0, 0.0, 2.0) == 0.0


@pytest.fixture
def world_copy(demo_world: World, tmp_path: Path) -> Workspace:
    """A private copy of the demo world's workspace (judgements change it)."""
    shutil.copytree(demo_world.workspace.root, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")


def test_a_rejected_link_splits_the_line_and_leaves_the_successor_list(
    world_copy: Workspace,
) -> None:
    run_detection(world_copy)
    line = next(item for item in list_lines(world_copy) if len(item.numbers) == 2)
    old, new = line.numbers
    judge_link(world_copy, old, new, "rejected", note="different handset seized")
    run_detection(world_copy)
    numbers = [item.numbers for item in list_lines(world_copy)]
    assert [old] in numbers and [new] in numbers
    [item] = successors(world_copy, old)
    assert new not in [cand.number for cand in item.candidates]


def test_a_confirmed_link_is_marked_in_the_evidence(world_copy: Workspace) -> None:
    run_detection(world_copy)
    line = next(item for item in list_lines(world_copy) if len(item.numbers) == 2)
    old, new = line.numbers
    judge_link(world_copy, old, new, "confirmed")
    run_detection(world_copy)
    again = next(item for item in list_lines(world_copy) if item.numbers == [old, new])
    assert any("judged this link confirmed" in e.text for e in again.evidence)
    [item] = successors(world_copy, old)
    assert item.candidates[0].judgement == "confirmed"


def test_a_judgement_needs_a_known_verdict(world_copy: Workspace) -> None:
    with pytest.raises(JudgementError, match="confirmed, rejected, unsure"):
        judge_link(world_copy, "+447700900001", "+447700900002", "maybe")
