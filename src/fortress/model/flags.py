"""Data-quality flags carried on each event in its ``flags`` list.

A value that cannot be normalised is kept as given and flagged, never dropped or guessed.
Number flags are prefixed with the party (``a_`` or ``b_``).
"""

from __future__ import annotations

from typing import Final

WITHHELD: Final = "withheld"  # the number was withheld / private / unknown
SHORT_CODE: Final = "short_code"  # a service short code (999, 101, 85075...)
UNPARSEABLE: Final = "unparseable"  # not a possible phone number: kept as given
IDENTIFIER: Final = "identifier"  # the source uses opaque subscriber ids, not numbers
MISSING: Final = "missing"  # the party's number is absent from the row
NOT_A_SUBSCRIBER: Final = (WITHHELD, SHORT_CODE, UNPARSEABLE, MISSING)
"""Number flags of a party that is no subscriber (an identifier is one)."""
IMEI_CHECK_DIGIT: Final = "imei_check_digit"  # 15-digit IMEI failing the Luhn check
IMEI_UNPARSEABLE: Final = "imei_unparseable"  # not 14-16 digits (e.g. Excel's 3.5E+14)
IMSI_UNPARSEABLE: Final = "imsi_unparseable"
RECORD_ID: Final = "record_id"  # not a casework record id (typed by a person, refused)

DURATION_UNKNOWN: Final = "duration_unknown"  # a call whose length the source does not give
DURATION_ON_MESSAGE: Final = "duration_on_message"  # a message with a length: stored as 0

TIME_AMBIGUOUS: Final = "time_ambiguous"
"""A naive local time in the repeated autumn hour: start_utc holds the first of the two
possible instants; the true time is that or one hour later."""
