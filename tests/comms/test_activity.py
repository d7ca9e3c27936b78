"""Daily activity measures, exactly as defined in ``fortress.comms.activity``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from fortress.comms.activity import LineParties, daily_activity
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import preset
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace

LINE = "+447700900001"
RUNNER = "+447700900002"
CUSTOMERS = [f"+447700900{100 + k}" for k in range(12)]
DAY1 = datetime(2025, 1, 6, 10, 0)  # a Monday in winter: local time is UTC


def _row(when: datetime, kind: str, a: str, b: str, answered: str = "") -> str:
    duration = "30" if answered == "true" else "0"
    return f"{when:%Y-%m-%dT%H:%M:%SZ},{kind},{a},{b},{duration},{answered}"


def scenario(path: Path) -> Path:
    rows = ["start,kind,a_number,b_number,duration_s,answered"]
    for day in range(2):  # a wave to all twelve customers each morning
        for k, customer in enumerate(CUSTOMERS):
            rows.append(_row(DAY1 + timedelta(days=day, seconds=10 * k), "sms", LINE, customer))
    day2 = DAY1 + timedelta(days=1, hours=4)
    c = CUSTOMERS
    rows += [
        _row(day2, "call", c[0], LINE, "true"),  # answered call: confirmed
        _row(day2, "sms", c[1], LINE),
        _row(day2 + timedelta(minutes=3), "sms", LINE, c[1]),  # line replies: confirmed
        _row(day2, "sms", c[2], LINE),  # nobody answers: potential only
        _row(day2, "call", c[3], LINE, "false"),
        _row(day2 + timedelta(minutes=20), "call", RUNNER, c[3], "true"),  # runner: confirmed
        _row(day2 - timedelta(minutes=30), "sms", LINE, c[4]),  # before the contact
        _row(day2, "sms", c[4], LINE),  # ... so potential only
        _row(day2 + timedelta(hours=1), "sms", c[4], LINE),  # same customer again
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_potential_and_confirmed_transactions_and_base(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert ingest_comms(workspace, scenario(tmp_path / "e.csv"), spec=preset("canonical")).ok
    events = event_tables.table(event_tables.connect(workspace), workspace, COMMS)
    assert events is not None
    days = daily_activity(events, LineParties([LINE], CUSTOMERS, [RUNNER]))
    assert [d.day for d in days] == ["2025-01-06", "2025-01-07"]
    first, second = days
    assert (first.base, first.potential, first.confirmed) == (12, 0, 0)
    assert (second.base, second.potential, second.confirmed) == (12, 5, 3)
    assert second.incoming == 6
    assert second.active_hours == 4  # 10h wave, 13:30 text, 14h orders, 15h order again
