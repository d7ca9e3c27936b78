"""The shipped operator-cdr and handset-log layouts, on hand-worked exports."""

from __future__ import annotations

from datetime import datetime

from fortress.ingest.comms import ingest_comms
from fortress.model import columns as c
from fortress.model.values import luhn_check_digit
from fortress.sources.mapping import preset

OPERATOR_CDR = preset("operator-cdr")
HANDSET_LOG = preset("handset-log")

SERVED = "07700900100"
SERVED_E164 = "+447700900100"
SERVED_IMEI = "0035345678901" + "2"
SERVED_IMEI += luhn_check_digit(SERVED_IMEI)  # 15 digits, leading zeros
SERVED_IMSI = "234150000000100"

CDR_HEADER = [
    "Record ID",
    "Call Date",
    "Call Time",
    "Call Type",
    "Duration",
    "Served MSISDN",
    "Served IMEI",
    "Served IMSI",
    "First Cell ID",
    "Last Cell ID",
    "Other Party",
]


def _cdr_row(record: str, date: str, time: str, kind: str, duration: str, other: str) -> list:
    return [
        record,
        date,
        time,
        kind,
        duration,
        SERVED,
        SERVED_IMEI,
        SERVED_IMSI,
        "234-15-100-1",
        "234-15-100-2",
        other,
    ]


CDR_ROWS = [
    _cdr_row("R1", "01/05/2024", "10:00:00", "MOC", "00:01:05", "07700 900201"),
    _cdr_row("R2", "01/05/2024", "10:30:00", "MTC", "00:10:00", "+447700900202"),
    _cdr_row("R3", "13/05/2024", "23:59:59", "SMS-MO", "00:00:00", "07700900203"),
    _cdr_row("R4", "14/12/2024", "08:00", "SMS-MT", "", "07700900204"),
]


def _by_id(events: list[dict]) -> dict[str, dict]:
    """Events by their record id (stored ids are namespaced by the served number)."""
    return {e[c.EVENT_ID].removeprefix(f"{SERVED_E164}/"): e for e in events}


def test_operator_cdr_ingests_every_row(workspace, write_csv) -> None:
    summary = ingest_comms(workspace, write_csv("cdr.csv", CDR_HEADER, CDR_ROWS), spec=OPERATOR_CDR)
    assert summary.error is None
    assert (summary.read, summary.accepted, summary.rejected) == (4, 4, 0)


def test_outgoing_call_puts_the_served_party_first(workspace, write_csv, read_events) -> None:
    ingest_comms(workspace, write_csv("cdr.csv", CDR_HEADER, CDR_ROWS), spec=OPERATOR_CDR)
    moc = _by_id(read_events(workspace).to_pylist())["R1"]
    assert moc[c.START_UTC] == datetime(2024, 5, 1, 9, 0)  # 10:00 BST
    assert (moc[c.KIND], moc[c.DURATION_S], moc[c.ANSWERED]) == ("call", 65, True)
    assert (moc[c.A_NUMBER], moc[c.B_NUMBER]) == (SERVED_E164, "+447700900201")
    assert (moc[c.A_IMEI], moc[c.A_IMSI]) == (SERVED_IMEI, SERVED_IMSI)
    assert (moc[c.A_CELL], moc[c.A_CELL_LAST]) == ("234-15-100-1", "234-15-100-2")
    assert (moc[c.B_IMEI], moc[c.B_IMSI], moc[c.B_CELL], moc[c.B_CELL_LAST]) == (None,) * 4


def test_incoming_call_puts_the_served_party_second(workspace, write_csv, read_events) -> None:
    ingest_comms(workspace, write_csv("cdr.csv", CDR_HEADER, CDR_ROWS), spec=OPERATOR_CDR)
    mtc = _by_id(read_events(workspace).to_pylist())["R2"]
    assert (mtc[c.A_NUMBER], mtc[c.B_NUMBER]) == ("+447700900202", SERVED_E164)
    assert (mtc[c.B_IMEI], mtc[c.B_IMSI]) == (SERVED_IMEI, SERVED_IMSI)
    assert (mtc[c.B_CELL], mtc[c.B_CELL_LAST]) == ("234-15-100-1", "234-15-100-2")
    assert (mtc[c.A_IMEI], mtc[c.A_CELL]) == (None, None)
    assert mtc[c.DURATION_S] == 600


def test_operator_messages_have_direction_and_no_duration(
    workspace, write_csv, read_events
) -> None:
    ingest_comms(workspace, write_csv("cdr.csv", CDR_HEADER, CDR_ROWS), spec=OPERATOR_CDR)
    events = _by_id(read_events(workspace).to_pylist())
    sent, received = events["R3"], events["R4"]
    assert (sent[c.KIND], sent[c.A_NUMBER], sent[c.B_NUMBER]) == (
        "sms",
        SERVED_E164,
        "+447700900203",
    )
    assert sent[c.START_UTC] == datetime(2024, 5, 13, 22, 59, 59)  # day-first date
    assert (received[c.A_NUMBER], received[c.B_NUMBER]) == ("+447700900204", SERVED_E164)
    assert received[c.START_UTC] == datetime(2024, 12, 14, 8, 0)  # GMT, hh:mm accepted
    assert sent[c.DURATION_S] == received[c.DURATION_S] == 0
    assert sent[c.ANSWERED] is None


def test_unknown_record_type_is_rejected_with_the_codes_it_knows(
    workspace, write_csv, read_rejects
) -> None:
    rows = [*CDR_ROWS, _cdr_row("R9", "01/05/2024", "11:00:00", "USSD", "00:00:01", "123")]
    summary = ingest_comms(workspace, write_csv("cdr.csv", CDR_HEADER, rows), spec=OPERATOR_CDR)
    assert (summary.accepted, summary.rejected) == (4, 1)
    (reject,) = read_rejects(summary)
    assert (reject["row"], reject["column"], reject["value"]) == ("6", "Call Type", "USSD")
    assert reject["reason"].startswith("unknown event type")
    assert "MOC" in reject["reason"]


# --- handset log ---------------------------------------------------------------------------

OWNER = "07700 900300"
OWNER_E164 = "+447700900300"
LOG_HEADER = ["Date/Time", "Type", "Direction", "Duration", "Number", "Name"]
LOG_ROWS = [
    ["01/05/2024 10:00:00", "Call", "Outgoing", "00:02:00", "07700900301", "Ann"],
    ["01/05/2024 10:05:00", "Call", "Incoming", "01:05", "07700900302", "Bob"],
    ["01/05/2024 10:10:00", "Call", "Missed", "", "07700900303", "Cat"],
    ["01/05/2024 10:15", "SMS", "Outgoing", "", "07700900301", "Ann"],
    ["2024-01-05 10:20:00", "SMS", "Incoming", "", "Withheld", ""],
]


def test_handset_log_with_owner(workspace, write_csv, read_events) -> None:
    path = write_csv("log.csv", LOG_HEADER, LOG_ROWS)
    summary = ingest_comms(workspace, path, spec=HANDSET_LOG, owner=OWNER)
    assert summary.error is None
    assert (summary.read, summary.accepted, summary.rejected) == (5, 5, 0)
    got = [
        (e[c.KIND], e[c.A_NUMBER], e[c.B_NUMBER], e[c.DURATION_S], e[c.ANSWERED])
        for e in read_events(workspace).to_pylist()
    ]
    assert got == [
        ("call", OWNER_E164, "+447700900301", 120, True),
        ("call", "+447700900302", OWNER_E164, 65, True),
        ("call", "+447700900303", OWNER_E164, 0, False),  # missed: other party called
        ("sms", OWNER_E164, "+447700900301", 0, None),
        ("sms", "Withheld", OWNER_E164, 0, None),
    ]


def test_handset_log_times_are_day_first_london_time(workspace, write_csv, read_events) -> None:
    path = write_csv("log.csv", LOG_HEADER, LOG_ROWS)
    ingest_comms(workspace, path, spec=HANDSET_LOG, owner=OWNER)
    starts = read_events(workspace).column(c.START_UTC).to_pylist()
    assert starts[0] == datetime(2024, 5, 1, 9, 0)
    assert starts[4] == datetime(2024, 1, 5, 10, 20)  # ISO date, GMT


def test_handset_log_flags_withheld_other_party(workspace, write_csv, read_events) -> None:
    path = write_csv("log.csv", LOG_HEADER, LOG_ROWS)
    ingest_comms(workspace, path, spec=HANDSET_LOG, owner=OWNER)
    assert read_events(workspace).column(c.FLAGS).to_pylist()[4] == ["a_withheld"]


def test_handset_log_without_owner_is_refused(workspace, write_csv, read_events) -> None:
    path = write_csv("log.csv", LOG_HEADER, LOG_ROWS)
    summary = ingest_comms(workspace, path, spec=HANDSET_LOG)
    assert summary.error is not None
    assert "--owner" in summary.error and str(path) in summary.error
    assert read_events(workspace).num_rows == 0


def test_handset_log_owner_must_be_a_phone_number(workspace, write_csv, read_events) -> None:
    path = write_csv("log.csv", LOG_HEADER, LOG_ROWS)
    summary = ingest_comms(workspace, path, spec=HANDSET_LOG, owner="Bob's phone")
    assert summary.error is not None and "--owner" in summary.error
    assert read_events(workspace).num_rows == 0
