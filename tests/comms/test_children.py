"""Possible child runners: quiet in lessons on school days off duty, busy after school."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from fortress.comms.children import possible_children
from fortress.comms.events import contacts, span, with_local_time
from fortress.comms.roles import LineCrew
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import preset
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace

LINE, PUPIL, ADULT, FRIEND = "+447700900001", "+447700900002", "+447700900003", "+447700900004"
MONDAY = datetime(2025, 3, 3)  # term time, winter clock (local = UTC)


def _rows() -> list[str]:
    rows = ["start,kind,a_number,b_number,duration_s"]
    for day in range(5):  # a school week off duty
        base = MONDAY + timedelta(days=day)
        for hour in (16, 17, 19, 20):
            rows.append(f"{base + timedelta(hours=hour):%Y-%m-%dT%H:%M:%SZ},sms,{PUPIL},{FRIEND},0")
        for hour in (10, 12, 14, 16, 18, 20):
            rows.append(f"{base + timedelta(hours=hour):%Y-%m-%dT%H:%M:%SZ},sms,{ADULT},{FRIEND},0")
    for day in range(7, 9):  # working the line on two school days
        at = MONDAY + timedelta(days=day, hours=11)
        rows.append(f"{at:%Y-%m-%dT%H:%M:%SZ},sms,{LINE},{PUPIL},0")
    return rows


def test_a_pupils_pattern_is_flagged_and_an_adults_is_not(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "e.csv"
    path.write_text("\n".join(_rows()) + "\n", encoding="utf-8")
    assert ingest_comms(workspace, path, spec=preset("canonical")).ok
    events = event_tables.table(event_tables.connect(workspace), workspace, COMMS)
    assert events is not None
    when = span(events)
    assert when is not None
    crew = LineCrew("line-x", [LINE], [PUPIL, ADULT], [], "Gosport", 14)
    judged = {
        j["number"]: j
        for j in possible_children(contacts(with_local_time(events, when)), [crew])["line-x"]
    }
    pupil, adult = judged[PUPIL], judged[ADULT]
    assert pupil["possible_child"] and pupil["quiet_in_lessons"] == 1.0
    assert (pupil["school_days_off_duty"], pupil["school_days_working"]) == (5, 2)
    assert "missing from school" in pupil["evidence"][0]["text"]
    assert not adult["possible_child"] and adult["quiet_in_lessons"] == 0.0
