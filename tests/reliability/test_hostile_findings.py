"""What the hostile corpus found, each now refused in words (``FileProblem`` or
``SpecError``) where it raised from deep inside a parser."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fortress.sources.mapping import SpecError, load_spec
from fortress.sources.networks import parse_networks
from fortress.sources.tabular import FileProblem, iter_batches, sniff
from reliability.hostile import MAPPING, NODE_LINK


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (MAPPING.encode("utf-16"), "cannot read mapping spec"),
        (b"a: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "nested too deeply"),
    ],
)
def test_a_mapping_spec_that_is_not_text_or_too_deep_is_refused(
    tmp_path: Path, data: bytes, says: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(data)
    with pytest.raises(SpecError, match=says):
        load_spec(spec)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"[" * 500_000 + b"]" * 500_000, "nested too deeply"),
        (NODE_LINK.replace('"a"', '"\\ud800"').encode(), "cannot be read"),
        (b"\xef\xbb\xbf", "the file is empty"),
        (b"source,target\n" + b"a," + b"b" * (1 << 20) + b"\n", "not readable as CSV"),
    ],
)
def test_a_network_file_that_breaks_a_parser_is_refused(
    tmp_path: Path, data: bytes, says: str
) -> None:
    path = tmp_path / ("network.json" if data[:1] in b"[{" else "network.csv")
    path.write_bytes(data)
    limit = csv.field_size_limit(131_072)  # Python's default: a library may have raised it
    try:
        with pytest.raises(FileProblem, match=says):
            parse_networks(path)
    finally:
        csv.field_size_limit(limit)


def test_a_parquet_page_damaged_past_its_footer_is_refused_at_its_row(tmp_path: Path) -> None:
    rows = [f"{i:08d}-{i * 7919 % 100_003}" for i in range(50_000)]
    out = io.BytesIO()
    pq.write_table(pa.table({"start": rows, "kind": rows}), out, compression="none",
                   use_dictionary=False)  # fmt: skip
    raw = bytearray(out.getvalue())
    for at in range(len(raw) // 4, len(raw) // 2, 97):  # data pages; the footer intact
        raw[at] ^= 0xFF
    path = tmp_path / "damaged.parquet"
    path.write_bytes(bytes(raw))
    with pytest.raises(FileProblem, match="damaged Parquet file"):
        for _ in iter_batches(sniff(path)):
            pass
