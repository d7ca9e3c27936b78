"""Canonical column names of the communications-event and cell-site tables.

Every module refers to these constants rather than to string literals, so a column is
renamed in one place. The contract is `shared/DESIGN.md` ("Communications event"), extended
with the nullable columns listed in ``EXTENSION_COLUMNS`` (see docs/data-formats.md for why).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

# --- communications events -------------------------------------------------------------
EVENT_ID: Final = "event_id"
START_UTC: Final = "start_utc"
START: Final = "start"  # the time column's name in canonical CSV files (ISO 8601 text)
KIND: Final = "kind"
A_NUMBER: Final = "a_number"
B_NUMBER: Final = "b_number"
DURATION_S: Final = "duration_s"
A_IMEI: Final = "a_imei"
A_IMSI: Final = "a_imsi"
B_IMEI: Final = "b_imei"
B_IMSI: Final = "b_imsi"
A_CELL: Final = "a_cell"
B_CELL: Final = "b_cell"
A_CELL_LAST: Final = "a_cell_last"
B_CELL_LAST: Final = "b_cell_last"
ANSWERED: Final = "answered"
FLAGS: Final = "flags"
SOURCE: Final = "source"
SOURCE_ROW: Final = "source_row"

KINDS: Final = ("call", "sms", "mms", "app_message")

EXTENSION_COLUMNS: Final = (B_IMEI, B_IMSI, A_CELL_LAST, B_CELL_LAST, ANSWERED, FLAGS)

EVENT_SCHEMA: Final = pa.schema(
    [
        pa.field(EVENT_ID, pa.string(), nullable=False),
        pa.field(START_UTC, pa.timestamp("us"), nullable=False),
        pa.field(KIND, pa.string(), nullable=False),
        pa.field(A_NUMBER, pa.string()),
        pa.field(B_NUMBER, pa.string()),
        pa.field(DURATION_S, pa.int64(), nullable=False),
        pa.field(A_IMEI, pa.string()),
        pa.field(A_IMSI, pa.string()),
        pa.field(B_IMEI, pa.string()),
        pa.field(B_IMSI, pa.string()),
        pa.field(A_CELL, pa.string()),
        pa.field(B_CELL, pa.string()),
        pa.field(A_CELL_LAST, pa.string()),
        pa.field(B_CELL_LAST, pa.string()),
        pa.field(ANSWERED, pa.bool_()),
        pa.field(FLAGS, pa.list_(pa.string()), nullable=False),
        pa.field(SOURCE, pa.string(), nullable=False),
        pa.field(SOURCE_ROW, pa.int64(), nullable=False),
    ]
)
"""Arrow schema of the workspace's event table (``start_utc`` is naive UTC)."""

EVENT_COLUMNS: Final = tuple(EVENT_SCHEMA.names)

A_NUMBER_KEY: Final = "a_number_key"
B_NUMBER_KEY: Final = "b_number_key"
NUMBER_KEYS: Final = (A_NUMBER_KEY, B_NUMBER_KEY)
"""Columns ingest adds to each published comms file, derived from the numbers: a party's
E.164 number as an integer (its digits: ``+447700900123`` is 447700900123), exact both
ways, so that detection can sort, group and join numbers as integers, twice as fast as
strings; -1 for an opaque identifier (or a number beyond 2**63, longer than any possible
number), null for a party that is no subscriber (withheld, short code, unreadable or
missing). A file holding no -1 has a key for every subscriber (``store.events``)."""

# Columns of the canonical CSV layout: the event columns with ``start`` for ``start_utc`` and
# without the provenance columns, which ingest fills in.
CANONICAL_FILE_COLUMNS: Final = tuple(
    START if name == START_UTC else name
    for name in EVENT_COLUMNS
    if name not in (SOURCE, SOURCE_ROW)
)

# --- cell sites ------------------------------------------------------------------------
CELL_ID: Final = "cell_id"
LAT: Final = "lat"
LON: Final = "lon"
AZIMUTH_DEG: Final = "azimuth_deg"
AREA: Final = "area"

CELL_SCHEMA: Final = pa.schema(
    [
        pa.field(CELL_ID, pa.string(), nullable=False),
        pa.field(LAT, pa.float64(), nullable=False),
        pa.field(LON, pa.float64(), nullable=False),
        pa.field(AZIMUTH_DEG, pa.float64()),
        pa.field(AREA, pa.string()),
        pa.field(SOURCE, pa.string(), nullable=False),
        pa.field(SOURCE_ROW, pa.int64(), nullable=False),
    ]
)
CELL_FILE_COLUMNS: Final = (CELL_ID, LAT, LON, AZIMUTH_DEG, AREA)
CELL_REQUIRED: Final = (CELL_ID, LAT, LON)
