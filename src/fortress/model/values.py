"""Typed values with a registry: ``clean``, ``validate`` and ``format`` per value type.

A value that cannot be cleaned is kept exactly as given with a flag saying why; nothing is
dropped or guessed (followthemoney, for contrast, drops numbers it thinks invalid, including
Ofcom's drama ranges, so we never rely on allocation tables for cleaning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Protocol

import phonenumbers

from fortress.model import flags

DEFAULT_REGION: Final = "GB"


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The result of cleaning one raw value.

    ``value`` is the normalised form, or the raw text when it could not be normalised;
    ``flag`` names the problem (one of ``fortress.model.flags``) or is ``None``.
    """

    value: str | None
    flag: str | None = None


class ValueType(Protocol):
    """What every registered value type offers."""

    name: str
    label: str
    """The type in words, for a person told their value is not one."""

    def clean(self, raw: str | None) -> Cleaned:
        """Normalise ``raw``; keep it with a flag when it cannot be normalised."""
        ...

    def validate(self, value: str) -> bool:
        """Return True when ``value`` is already in normalised form and well formed."""
        ...

    def format(self, value: str) -> str:
        """Return ``value`` laid out for people to read."""
        ...


_ASCII_DIGITS = re.compile(r"[0-9]+")
"""Digits as ids and handset numbers are written (``str.isdigit`` also takes ``"³"``)."""
_FORMULA_WRAPPED = re.compile(r'^\s*=\s*"([^"]*)"\s*$')  # as fortress.sources.fields
NUMBER_PUNCTUATION = re.compile(r"[\s().\-/]")
"""What is dropped from a phone number before it is parsed (SQL fast paths use it too)."""
_TRUNK_ZERO_AFTER_CODE = re.compile(r"^(\+\d{1,3})\(0\)")
_E164 = re.compile(r"^\+[1-9]\d{3,14}$")
_WITHHELD_WORDS: Final = frozenset(
    {
        "withheld",
        "private",
        "private number",
        "unknown",
        "anonymous",
        "restricted",
        "unavailable",
        "no caller id",
        "number withheld",
        "hidden",
        "blocked",
        "n/a",
    }
)


def unwrap_spreadsheet_text(raw: str) -> str:
    """Undo the ``="07700900123"`` trick spreadsheets use to keep leading zeros."""
    match = _FORMULA_WRAPPED.match(raw.strip())
    return match.group(1) if match else raw


_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise(value: str | int | None) -> str:
    """A cell's text for a spreadsheet to open, made inert if the spreadsheet would evaluate
    it: text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is
    not simply a number gets a leading apostrophe (OWASP's advice against CSV injection).

    Stricter than ``looks_like_formula``, which judges cells being read in (there ``-2+3``
    is a signed number to keep); a cell written for a spreadsheet must also not start
    ``-2+3+cmd|...``, which Excel would run."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_TRIGGERS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def looks_like_formula(raw: str) -> bool:
    """True for a cell that a spreadsheet would execute as a formula (CSV injection).

    A leading ``+`` or ``-`` followed by a digit is an ordinary signed number or an
    international phone number, not a formula.
    """
    text = raw.lstrip()
    if not text:
        return False
    if text[0] in "=@":
        return _FORMULA_WRAPPED.match(text) is None
    if text[0] in "+-" and len(text) > 1:
        rest = text[1:].lstrip()
        return bool(rest) and not (rest[0].isdigit() or rest[0] == "(")
    return False


class Msisdn:
    """A telephone number, normalised to E.164 (``+447700900123``).

    National forms are read in ``region`` (GB by default): ``07700 900123``,
    ``+44 (0)7700 900123``, ``447700900123`` and ``00447700900123`` are one number.
    Withheld markers, short codes (3-6 digits) and impossible numbers are kept as given
    and flagged. Only *possible* numbers are required (right length for the country), not
    allocated ones: Ofcom's drama ranges and newly allocated blocks stay valid.
    """

    name = "msisdn"
    label = "MSISDN"

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = region

    def clean(self, raw: str | None) -> Cleaned:
        """Normalise a raw number to E.164, or keep it with a flag."""
        if raw is None or not raw.strip():
            return Cleaned(None, flags.MISSING)
        text = unwrap_spreadsheet_text(raw).strip()
        if text.lower() in _WITHHELD_WORDS:
            return Cleaned(text, flags.WITHHELD)
        compact = NUMBER_PUNCTUATION.sub("", _TRUNK_ZERO_AFTER_CODE.sub(r"\1", text))
        if compact.isdigit() and len(compact) <= 6:
            return Cleaned(compact, flags.SHORT_CODE)
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        parsed = self._parse(compact)
        if parsed is None or not phonenumbers.is_possible_number(parsed):
            return Cleaned(raw.strip(), flags.UNPARSEABLE)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if self._round_trip(e164) != e164:
            # e.g. "+310000000": the library reads runs of leading zeros as Italian-style
            # and loses one each time; a number that does not survive its own E.164 form
            # is kept as given and flagged rather than changed further on every pass
            return Cleaned(raw.strip(), flags.UNPARSEABLE)
        return Cleaned(e164)

    def _round_trip(self, e164: str) -> str | None:
        parsed = self._parse(e164)
        if parsed is None:
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    def _parse(self, compact: str) -> phonenumbers.PhoneNumber | None:
        if not compact or not compact.lstrip("+").isdigit():
            return None
        try:
            return phonenumbers.parse(compact, self.region)
        except phonenumbers.NumberParseException:
            return None

    def validate(self, value: str) -> bool:
        """True for an E.164 string that is a possible number."""
        if not _E164.match(value):
            return False
        parsed = self._parse(value)
        return parsed is not None and phonenumbers.is_possible_number(parsed)

    def format(self, value: str) -> str:
        """International layout (``+44 7700 900123``); non-E.164 values unchanged."""
        parsed = self._parse(value) if _E164.match(value) else None
        if parsed is None:
            return value
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_UK_SERVICES: Final = (  # Ofcom's National Telephone Numbering Plan, by leading digits
    ("+441", "fixed"),
    ("+442", "fixed"),
    ("+443", "non-geographic"),
    ("+4470", "personal"),
    ("+447624", "mobile"),  # Isle of Man
    ("+4476", "pager"),
    ("+447", "mobile"),
    ("+448", "special"),
    ("+449", "premium"),
)


def number_service(e164: str) -> str:
    """What kind of service a number is: ``mobile``, ``fixed`` (geographic landline),
    another UK service, or ``unknown``.

    UK numbers go by the numbering plan's leading digits, so Ofcom's drama ranges (which
    libphonenumber calls invalid) are classed like real ones; others ask libphonenumber.
    """
    if e164.startswith("+44"):
        return next((kind for prefix, kind in _UK_SERVICES if e164.startswith(prefix)), "unknown")
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "unknown"
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    return "fixed" if kind == phonenumbers.PhoneNumberType.FIXED_LINE else "unknown"


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit that makes ``body + digit`` valid."""
    return next(d for d in "0123456789" if luhn_valid(body + d))


class Imei:
    """A handset identity: 14 digits (no check digit), 15 (with Luhn check) or 16 (IMEISV).

    Always a string, so leading zeros survive. A 15-digit IMEI failing the Luhn check is
    kept and flagged (exports sometimes zero the check digit); anything else that is not
    14-16 digits (``3.53E+14`` from a spreadsheet) is kept as given and flagged.
    """

    name = "imei"
    label = "IMEI"

    def clean(self, raw: str | None) -> Cleaned:
        """Strip separators and check the digits."""
        if raw is None or not raw.strip():
            return Cleaned(None)
        text = unwrap_spreadsheet_text(raw).strip()
        digits = re.sub(r"[\s\-/]", "", text)
        if not _ASCII_DIGITS.fullmatch(digits) or not 14 <= len(digits) <= 16:
            return Cleaned(text, flags.IMEI_UNPARSEABLE)
        if len(digits) == 15 and not luhn_valid(digits):
            return Cleaned(digits, flags.IMEI_CHECK_DIGIT)
        return Cleaned(digits)

    def validate(self, value: str) -> bool:
        """True for 14 or 16 digits, or 15 digits with a valid check digit."""
        if not _ASCII_DIGITS.fullmatch(value) or not 14 <= len(value) <= 16:
            return False
        return len(value) != 15 or luhn_valid(value)

    def format(self, value: str) -> str:
        """The usual ``AA-BBBBBB-CCCCCC-D`` grouping for 15-digit IMEIs."""
        if len(value) == 15 and value.isdigit():
            return f"{value[:2]}-{value[2:8]}-{value[8:14]}-{value[14]}"
        return value


class Imsi:
    """A SIM identity: 6-15 digits (MCC + MNC + MSIN), kept as a string."""

    name = "imsi"
    label = "IMSI"

    def clean(self, raw: str | None) -> Cleaned:
        """Strip separators and check the digits."""
        if raw is None or not raw.strip():
            return Cleaned(None)
        text = unwrap_spreadsheet_text(raw).strip()
        digits = re.sub(r"[\s\-/]", "", text)
        if not _ASCII_DIGITS.fullmatch(digits) or not 6 <= len(digits) <= 15:
            return Cleaned(text, flags.IMSI_UNPARSEABLE)
        return Cleaned(digits)

    def validate(self, value: str) -> bool:
        """True for 6-15 digits."""
        return bool(_ASCII_DIGITS.fullmatch(value)) and 6 <= len(value) <= 15

    def format(self, value: str) -> str:
        """IMSIs are shown as stored."""
        return value


class CellId:
    """An operator cell identifier, kept as trimmed text (``234-10-1234-5678`` or ``G123``)."""

    name = "cell_id"
    label = "cell id"

    def clean(self, raw: str | None) -> Cleaned:
        """Trim whitespace; empty means unknown."""
        if raw is None or not raw.strip():
            return Cleaned(None)
        return Cleaned(unwrap_spreadsheet_text(raw).strip())

    def validate(self, value: str) -> bool:
        """True for non-empty text without surrounding whitespace."""
        return bool(value) and value == value.strip()

    def format(self, value: str) -> str:
        """Cell ids are shown as stored."""
        return value


VRM_UNPARSEABLE: Final = "vrm_unparseable"
"""Not a UK vehicle registration in any DVLA format (a foreign, diplomatic, trade or partial
plate): kept as given. (The registry's own flag; ``fortress.model.flags`` holds the flags
events carry, and no event carries a registration.)"""

_LETTERS_NO_IQ: Final = "A-HJ-PR-Z"  # DVLA never issues I or Q in these positions
_YEAR_LETTERS: Final = "A-HJ-NP-TV-Y"  # prefix/suffix year letters: no I, O, U or Z (Q: Q plates)
_VRM_FORMATS: Final = (
    # current (September 2001 on): memory tag, age identifier (March: the year's last two
    # digits, September: plus 50; 00, 01 and 50 were never issued), three random letters
    ("current", re.compile(rf"^([{_LETTERS_NO_IQ}]{{2}}(?:0[2-9]|[1-4][0-9]|5[1-9]|[6-9][0-9]))"
                           rf"([{_LETTERS_NO_IQ}]{{3}})$")),
    # prefix (August 1983 to August 2001, and Q plates): year letter, 1-999, three letters
    ("prefix", re.compile(rf"^([{_YEAR_LETTERS}][1-9][0-9]{{0,2}})([A-Z]{{3}})$")),
    # suffix (1963 to 1983): three letters, 1-999, year letter
    ("suffix", re.compile(rf"^([A-Z]{{3}})([1-9][0-9]{{0,2}}[{_YEAR_LETTERS}])$")),
    # dateless (before 1963, and Northern Ireland): 1-3 letters and 1-9999, either way round
    ("dateless", re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,3})$")),
    ("dateless", re.compile(r"^([1-9][0-9]{0,3})([A-Z]{1,3})$")),
)  # fmt: skip
_VRM_SEPARATORS = re.compile(r"[\s\-.]")


class Vrm:
    """A vehicle registration mark (number plate) in one of the DVLA's formats, normalised
    to capitals without spaces (``AB12CDE``) and shown with the DVLA's spacing
    (``AB12 CDE``).

    Formats: current (``AB12 CDE``, from September 2001), prefix (``A123 BCD``, 1983-2001,
    and Q plates), suffix (``ABC 123D``, 1963-1983) and dateless (``ABC 123``, ``123 AB``;
    Northern Ireland's ``ABZ 1234``). Anything else (a foreign, diplomatic or partial
    plate) is kept exactly as given with ``VRM_UNPARSEABLE``: never dropped, never guessed
    (an ``O`` that might be a ``0`` is not changed).
    """

    name = "vrm"
    label = "VRM"

    def clean(self, raw: str | None) -> Cleaned:
        """Fold spacing, separators and case, and check the result is a UK format."""
        if raw is None or not raw.strip():
            return Cleaned(None)
        text = unwrap_spreadsheet_text(raw).strip()
        plate = _VRM_SEPARATORS.sub("", text).upper()
        if self._layout(plate) is None:
            return Cleaned(text, VRM_UNPARSEABLE)
        return Cleaned(plate)

    def _layout(self, plate: str) -> tuple[str, str] | None:
        for _name, pattern in _VRM_FORMATS:
            match = pattern.match(plate)
            if match:
                return match.group(1), match.group(2)
        return None

    def validate(self, value: str) -> bool:
        """True for a registration in a UK format, in capitals without spaces."""
        return self._layout(value) is not None

    def format(self, value: str) -> str:
        """The DVLA's spacing (``AB12 CDE``, ``A123 BCD``, ``ABC 123D``); other values
        unchanged."""
        parts = self._layout(value)
        return f"{parts[0]} {parts[1]}" if parts else value


class PersonId:
    """A casework person's id as a person types it to link a record: a whole number from 1
    to 2,147,483,647 in the digits 0-9 (``str.isdigit`` also takes ``"²"``, which ``int``
    refuses, and a larger number is past the database's integers)."""

    name = "person_id"
    label = "casework person id"

    def clean(self, raw: str | None) -> Cleaned:
        """Strip spaces and check the digits and the range."""
        if raw is None or not raw.strip():
            return Cleaned(None)
        text = raw.strip()
        return Cleaned(str(int(text))) if self.validate(text) else Cleaned(text, flags.RECORD_ID)

    def validate(self, value: str) -> bool:
        """True for 1 to 2,147,483,647 written in ASCII digits."""
        return is_record_id(value)

    def format(self, value: str) -> str:
        """The id as it is."""
        return value


MAX_RECORD_ID: Final = 2**31 - 1
"""The largest id a casework record can have (a 32-bit signed integer on every database)."""


def is_record_id(text: str) -> bool:
    """Whether ``text`` is a casework record's id: 1 to ``MAX_RECORD_ID`` in ASCII digits."""
    return bool(_ASCII_DIGITS.fullmatch(text)) and 1 <= int(text) <= MAX_RECORD_ID


REGISTRY: Final[dict[str, ValueType]] = {
    t.name: t for t in (Msisdn(), Imei(), Imsi(), CellId(), Vrm(), PersonId())
}
"""Value types by name, so that mapping specs, services and reports can name them."""

REASONS: Final = {
    flags.MISSING: "it is empty",
    flags.WITHHELD: "it is a withheld-number marker",
    flags.SHORT_CODE: "it is a short code, not a full number",
    flags.UNPARSEABLE: "it is not a possible phone number",
    flags.IMEI_CHECK_DIGIT: "its last digit is not the check digit of the other 14 (Luhn): "
    "it was probably copied wrongly",
    flags.IMEI_UNPARSEABLE: "an IMEI is 14 to 16 digits",
    flags.IMSI_UNPARSEABLE: "an IMSI is 6 to 15 digits",
    VRM_UNPARSEABLE: "it is not a UK registration (AB12 CDE, A123 BCD, ABC 123D, ABC 123)",
    flags.RECORD_ID: f"it is a whole number from 1 to {MAX_RECORD_ID:,}, in the digits 0-9",
}
"""Each flag in words, for the people who typed the value."""


class ValueProblem(ValueError):
    """A value typed by a person that its type refuses; the message says why."""


def checked(type_name: str, raw: str) -> str:
    """``raw`` cleaned by the registry's ``type_name``, or ``ValueProblem`` saying why not.

    For values a person types into a record (an IMEI on a seized phone, an intelligence
    link), where a flagged value is a slip to correct, not data to keep: every such entry
    point refuses the same values with the same reason. Ingest keeps them, flagged.
    """
    value_type = REGISTRY[type_name]
    cleaned = value_type.clean(raw)
    if cleaned.flag is not None or cleaned.value is None:
        why = REASONS.get(cleaned.flag or flags.MISSING, cleaned.flag or "")
        raise ValueProblem(f"{raw.strip()!r} is not a valid {value_type.label}: {why}")
    return cleaned.value
