"""Value types (Msisdn, Imei, Imsi, formulas) and how ingest normalises start times."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fortress.ingest.comms import ingest_comms
from fortress.model import flags
from fortress.model.values import (
    REGISTRY,
    VRM_UNPARSEABLE,
    Cleaned,
    Imei,
    Imsi,
    Msisdn,
    ValueProblem,
    Vrm,
    checked,
    looks_like_formula,
    luhn_check_digit,
    luhn_valid,
)
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace

LONDON = ZoneInfo("Europe/London")
msisdn, imei, imsi = Msisdn(), Imei(), Imsi()

# --- Msisdn --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "07700 900123",
        "+44 (0)7700 900123",
        "447700900123",
        "00447700900123",
        '="07700900123"',
        "+447700900123",
        "(07700) 900-123",
        "07700.900.123",
        " 07700900123 ",
    ],
)
def test_uk_number_formats_normalise_to_e164(raw: str) -> None:
    assert msisdn.clean(raw) == Cleaned("+447700900123")


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("Withheld", flags.WITHHELD),
        ("PRIVATE NUMBER", flags.WITHHELD),
        ("unknown", flags.WITHHELD),
        ("999", flags.SHORT_CODE),
        ("101", flags.SHORT_CODE),
        ("85075", flags.SHORT_CODE),
        ("not a number", flags.UNPARSEABLE),
        ("07700 900 1234 99", flags.UNPARSEABLE),
        ("+1 555", flags.UNPARSEABLE),
    ],
)
def test_numbers_that_cannot_be_normalised_are_kept_with_a_flag(raw: str, flag: str) -> None:
    cleaned = msisdn.clean(raw)
    assert cleaned.flag == flag
    assert cleaned.value is not None
    assert cleaned.value.replace(" ", "") in raw.replace(" ", "")


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_number_is_missing(raw: str | None) -> None:
    assert msisdn.clean(raw) == Cleaned(None, flags.MISSING)


def test_msisdn_validate_and_format() -> None:
    assert msisdn.validate("+447700900123")
    assert not msisdn.validate("07700900123")
    assert msisdn.format("+447700900123") == "+44 7700 900123"
    assert msisdn.format("Withheld") == "Withheld"


drama_numbers = st.integers(min_value=0, max_value=999).map(lambda n: f"7700900{n:03d}")


@st.composite
def formatted_drama_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A drama-range number in some human layout, and its E.164 form."""
    national = draw(drama_numbers)  # 10 digits without the trunk 0
    prefix = draw(st.sampled_from(["0", "+44", "+44 (0)", "+44(0)", "0044", "0044 ", "44"]))
    cut = draw(st.integers(min_value=1, max_value=9))
    sep = draw(st.sampled_from(["", " ", "-", ".", "  "]))
    body = national[:cut] + sep + national[cut:]
    if draw(st.booleans()):
        body = f"({body[:4]}){body[4:]}" if prefix == "0" else body
    text = prefix + body
    if draw(st.booleans()):
        text = f'="{text}"'
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return padding + text + padding, "+44" + national


@settings(max_examples=200)
@given(formatted_drama_numbers())
def test_any_layout_of_a_drama_number_normalises_to_the_same_e164(case: tuple[str, str]) -> None:
    raw, expected = case
    assert msisdn.clean(raw) == Cleaned(expected)


def test_property_tests_have_no_deadline() -> None:
    """A cold first call (phone metadata loading) once failed the idempotence test on
    hypothesis's 200 ms deadline; tests/conftest.py's profile removes the deadline."""
    assert settings().deadline is None


@settings(max_examples=200)
@given(
    st.one_of(
        formatted_drama_numbers().map(lambda case: case[0]),
        st.text(max_size=20),
        st.from_regex(r"\+?[0-9 ()\-]{1,20}", fullmatch=True),
    )
)
def test_clean_is_idempotent_and_keeps_a_plus_and_digits(raw: str) -> None:
    """A number kept without a flag cleans to itself, and is ``+`` and its digits (what
    ingest's number keys rely on: the key is the digits, one key one number)."""
    first = msisdn.clean(raw)
    if first.flag is None:
        assert first.value is not None
        assert msisdn.clean(first.value) == first
        assert msisdn.validate(first.value)
        assert first.value == "+" + str(int(first.value[1:]))


def test_a_number_that_does_not_survive_its_own_e164_form_is_flagged() -> None:
    """Found by the idempotence property: the library turns "+310000000" into "+31000000",
    then "+3100000"; such a number is kept as given and flagged, not shortened each pass."""
    assert msisdn.clean("+310000000") == Cleaned("+310000000", flags.UNPARSEABLE)


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_non_empty_input_is_never_lost(raw: str) -> None:
    cleaned = msisdn.clean(raw)
    assert cleaned.value is not None
    assert cleaned.flag in (None, flags.WITHHELD, flags.SHORT_CODE, flags.UNPARSEABLE)


# --- Imei --------------------------------------------------------------------------------


def _imei15(body: str) -> str:
    return body + luhn_check_digit(body)


def test_imei_keeps_leading_zeros() -> None:
    value = _imei15("00123456789012")
    assert imei.clean(value) == Cleaned(value)
    assert imei.clean(f"{value[:2]}-{value[2:8]}-{value[8:14]}-{value[14]}") == Cleaned(value)


def test_imei_lengths_14_15_16_are_accepted() -> None:
    assert imei.clean("35345678901234") == Cleaned("35345678901234")  # no check digit
    assert imei.clean(_imei15("35345678901234")).flag is None
    assert imei.clean("3534567890123401") == Cleaned("3534567890123401")  # IMEISV


def test_imei_failing_luhn_is_kept_and_flagged() -> None:
    good = _imei15("35345678901234")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert imei.clean(bad) == Cleaned(bad, flags.IMEI_CHECK_DIGIT)
    assert not imei.validate(bad)


@pytest.mark.parametrize(
    "raw", ["3.53E+14", "353456789012", "35345678901234567", "35x456789012345"]
)
def test_unparseable_imei_is_kept_as_given(raw: str) -> None:
    assert imei.clean(raw) == Cleaned(raw, flags.IMEI_UNPARSEABLE)


def test_blank_imei_is_none_without_flag() -> None:
    assert imei.clean("  ") == Cleaned(None)


def test_luhn_known_values() -> None:
    assert luhn_valid("490154203237518")  # the textbook IMEI example
    assert luhn_check_digit("49015420323751") == "8"


@settings(max_examples=200)
@given(st.from_regex(r"[0-9]{14}", fullmatch=True))
def test_any_body_with_its_luhn_digit_validates(body: str) -> None:
    value = body + luhn_check_digit(body)
    assert luhn_valid(value)
    assert imei.validate(value)
    assert imei.clean(value) == Cleaned(value)


@settings(max_examples=200)
@given(st.from_regex(r"[0-9]{14}", fullmatch=True), st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_caught(body: str, shift: int) -> None:
    wrong = body + str((int(luhn_check_digit(body)) + shift) % 10)
    assert imei.clean(wrong).flag == flags.IMEI_CHECK_DIGIT


# --- Vrm ---------------------------------------------------------------------------------

vrm = Vrm()


@pytest.mark.parametrize(
    ("raw", "value", "shown"),
    [
        ("AB12 CDE", "AB12CDE", "AB12 CDE"),  # current, March 2012
        (" ab12cde ", "AB12CDE", "AB12 CDE"),
        ("ab 12 c-de", "AB12CDE", "AB12 CDE"),
        ("LB72 XYZ", "LB72XYZ", "LB72 XYZ"),  # September 2022
        ('="AB12 CDE"', "AB12CDE", "AB12 CDE"),
        ("a123 bcd", "A123BCD", "A123 BCD"),  # prefix
        ("P7ABC", "P7ABC", "P7 ABC"),
        ("Q123 ABC", "Q123ABC", "Q123 ABC"),  # Q plate
        ("abc 123d", "ABC123D", "ABC 123D"),  # suffix
        ("ABC 1", "ABC1", "ABC 1"),  # dateless
        ("1234 ab", "1234AB", "1234 AB"),
        ("ABZ 1234", "ABZ1234", "ABZ 1234"),  # Northern Ireland
    ],
)
def test_registrations_in_every_dvla_format_are_cleaned(raw: str, value: str, shown: str) -> None:
    assert vrm.clean(raw) == Cleaned(value)
    assert vrm.validate(value) and vrm.format(value) == shown
    assert vrm.clean(shown) == Cleaned(value)


@pytest.mark.parametrize(
    "raw",
    [
        "AB50 CDE",  # September 2000 was still the prefix system
        "AB00CDE",
        "IB12 CDE",  # no I in a memory tag
        "AB12 CQE",  # no Q in the random letters
        "O123 ABC",  # no O, I, U or Z year letter
        "ABC 123Z",
        "AB12 CD",  # a partial plate
        "B-MW 12345",  # a foreign one
        "123 D 456",  # diplomatic
        "<script>",
    ],
)
def test_registrations_that_fit_no_format_are_kept_as_given_and_flagged(raw: str) -> None:
    assert vrm.clean(raw) == Cleaned(raw, VRM_UNPARSEABLE)
    assert not vrm.validate(raw) and vrm.format(raw) == raw


def test_a_blank_registration_is_none_without_flag() -> None:
    assert vrm.clean(" ") == Cleaned(None)


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=12).filter(lambda s: s.strip()))
def test_a_registration_is_never_lost_and_cleaning_is_idempotent(raw: str) -> None:
    cleaned = vrm.clean(raw)
    assert cleaned.value is not None and cleaned.flag in (None, VRM_UNPARSEABLE)
    if cleaned.flag is None:
        assert vrm.clean(cleaned.value) == cleaned
        assert vrm.clean(vrm.format(cleaned.value)) == cleaned


def test_the_registry_names_every_type() -> None:
    assert set(REGISTRY) == {"msisdn", "imei", "imsi", "cell_id", "vrm", "person_id"}


def test_checked_refuses_what_clean_flags_with_the_reason() -> None:
    good = _imei15("35345678901234")
    assert checked("imei", f" {good[:2]}-{good[2:]} ") == good
    with pytest.raises(ValueProblem, match="check digit"):
        checked("imei", good[:-1] + str((int(good[-1]) + 1) % 10))
    with pytest.raises(ValueProblem, match="14 to 16 digits"):
        checked("imei", "12345")
    assert checked("vrm", "ab12 cde") == "AB12CDE"
    with pytest.raises(ValueProblem, match="not a UK registration"):
        checked("vrm", "AB12 CD")


# --- Imsi --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["234150123456789", "001010000000001", "234 15 0123456", "123456"])
def test_imsi_digits_are_kept_as_strings(raw: str) -> None:
    cleaned = imsi.clean(raw)
    assert cleaned == Cleaned(raw.replace(" ", ""))
    assert imsi.validate(cleaned.value or "")


@pytest.mark.parametrize("raw", ["12345", "1234567890123456", "2.34E+14", "IMSI123456"])
def test_unparseable_imsi_is_kept_and_flagged(raw: str) -> None:
    assert imsi.clean(raw) == Cleaned(raw, flags.IMSI_UNPARSEABLE)


# --- formulas ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "-cmd|' /C calc'!A0", "+cmd|x", " =1+1", "\t=1"],
)
def test_formulas_are_recognised(raw: str) -> None:
    assert looks_like_formula(raw)


@pytest.mark.parametrize(
    "raw", ['="07700900123"', "+447700900123", "-1", "+44 (0)7700", "07700900123", "", "a=b"]
)
def test_ordinary_values_are_not_formulas(raw: str) -> None:
    assert not looks_like_formula(raw)


# --- start times through ingest ----------------------------------------------------------

HEADER = "event_id,start,kind,a_number,b_number,duration_s\n"


def _ingest_starts(folder: Path, starts: dict[str, str]) -> tuple[dict[str, datetime], dict]:
    """Ingest one call per start text (keyed by event id); return start_utc by id and the
    summary."""
    path = folder / "times.csv"
    body = "".join(
        f"{key},{text},call,07700900001,07700900002,10\n" for key, text in starts.items()
    )
    path.write_text(HEADER + body)
    workspace = Workspace.open(folder / "ws")
    summary = ingest_comms(workspace, path, spec=preset("canonical"))
    events = [e for f in workspace.data_files("comms") for e in pq.read_table(f).to_pylist()]
    return {e["event_id"]: e for e in events}, summary


def _in_repeated_hour(local: datetime) -> bool:
    early = local.replace(tzinfo=LONDON, fold=0).utcoffset()
    late = local.replace(tzinfo=LONDON, fold=1).utcoffset()
    return early != late


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=25, deadline=None)
@given(st.lists(instants, min_size=1, max_size=40))
def test_start_times_in_any_notation_store_the_same_instant(moments: list[datetime]) -> None:
    starts: dict[str, str] = {}
    expected: dict[str, datetime] = {}
    for i, moment in enumerate(moments):
        naive_utc = moment.replace(tzinfo=None)
        local = moment.astimezone(LONDON).replace(tzinfo=None)
        notations = {
            f"{i}z": naive_utc.isoformat() + "Z",
            f"{i}o": moment.astimezone(ZoneInfo("Etc/GMT-1")).isoformat(),  # +01:00
        }
        if not _in_repeated_hour(local):
            notations[f"{i}l"] = local.isoformat()  # naive Europe/London wall time
        starts.update(notations)
        expected.update(dict.fromkeys(notations, naive_utc))
    with tempfile.TemporaryDirectory() as folder:
        events, summary = _ingest_starts(Path(folder), starts)
    assert summary.error is None and summary.rejected == 0
    assert {key: event["start_utc"] for key, event in events.items()} == expected
    assert not any(flags.TIME_AMBIGUOUS in event["flags"] for event in events.values())


def test_offset_notation_is_plus_one_hour(tmp_path: Path) -> None:
    events, _ = _ingest_starts(tmp_path, {"x": "2024-01-15T11:00:00+01:00"})
    assert events["x"]["start_utc"] == datetime(2024, 1, 15, 10, 0)


def test_naive_times_are_london_time(tmp_path: Path) -> None:
    events, _ = _ingest_starts(
        tmp_path, {"winter": "2024-01-15 10:00:00", "summer": "2024-07-15T10:00:00"}
    )
    assert events["winter"]["start_utc"] == datetime(2024, 1, 15, 10, 0)
    assert events["summer"]["start_utc"] == datetime(2024, 7, 15, 9, 0)


def test_repeated_autumn_hour_is_flagged_not_guessed(tmp_path: Path) -> None:
    events, summary = _ingest_starts(
        tmp_path, {"amb": "2024-10-27 01:30:00", "after": "2024-10-27 02:30:00"}
    )
    assert summary.rejected == 0
    assert events["amb"]["flags"] == [flags.TIME_AMBIGUOUS]
    assert events["amb"]["start_utc"] == datetime(2024, 10, 27, 0, 30)  # first of the two
    assert events["after"]["flags"] == []
    assert events["after"]["start_utc"] == datetime(2024, 10, 27, 2, 30)


def test_spring_gap_time_is_rejected(tmp_path: Path) -> None:
    events, summary = _ingest_starts(
        tmp_path, {"gap": "2024-03-31 01:30:00", "ok": "2024-03-31 02:30:00"}
    )
    assert set(events) == {"ok"}
    assert events["ok"]["start_utc"] == datetime(2024, 3, 31, 1, 30)
    assert summary.rejected == 1
    rejects = Path(summary.rejects_file or "").read_text()
    assert "clocks went forward" in rejects
    assert ",2,start,2024-03-31 01:30:00," in rejects


def test_gap_edges_are_exact(tmp_path: Path) -> None:
    last_gmt = datetime(2024, 3, 31, 0, 59, 59)
    events, summary = _ingest_starts(
        tmp_path, {"before": last_gmt.isoformat(), "after": "2024-03-31T02:00:00"}
    )
    assert summary.rejected == 0
    assert events["before"]["start_utc"] == last_gmt
    assert events["after"]["start_utc"] == last_gmt + timedelta(seconds=1)


@pytest.mark.parametrize("type_name", ["imei", "imsi"])
def test_digits_of_other_scripts_are_not_a_handset_s(type_name: str) -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "353456789012348")
    assert REGISTRY[type_name].clean(arabic_indic).flag is not None
    assert not REGISTRY[type_name].validate(arabic_indic)
