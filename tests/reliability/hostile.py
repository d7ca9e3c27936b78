"""Hostile files: a generated corpus of inputs for every format Fortress reads, each fed
to the command (or the server's upload) that reads it.

Every input must end in a clear refusal, a documented rejection of rows, or acceptance,
never a traceback, within ``MOST_SECONDS``; the corpus runs in a child process whose peak
memory is reported. Run by hand for the table of ``docs/reliability.md``::

    .venv/bin/python tests/reliability/hostile.py /tmp/hostile
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import resource
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

MOST_SECONDS = 60.0

COMMS_CSV = (
    "start,kind,a_number,b_number,duration_s\n"
    "2024-01-01T10:00:00Z,call,07700 900001,07700 900002,60\n"
    "2024-01-01T10:05:00Z,sms,07700 900002,07700 900003,\n"
)
CELLS_CSV = "cell_id,lat,lon,azimuth,town\n23410-1-1,50.80,-1.10,90,Gosport\n"
STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                 "LSOA code,LSOA name,Crime type,Last outcome category,Context")  # fmt: skip
STREET_CSV = (
    STREET_HEADER + "\n"
    "abc,2024-01,Test Police,Test Police,-1.1,50.8,On or near Test Road,E01000001,"
    "Test 001A,Drugs,Under investigation,\n"
)
GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<graph edgedefault="directed"><node id="a"/><node id="b"/><edge source="a" target="b"/></graph>
</graphml>
"""
GEXF = """<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph defaultedgetype="directed">
<nodes><node id="a"/><node id="b"/></nodes><edges><edge id="0" source="a" target="b"/></edges>
</graph></gexf>
"""
NODE_LINK = json.dumps({"directed": True, "nodes": [{"id": "a"}, {"id": "b"}],
                        "links": [{"source": "a", "target": "b"}]})  # fmt: skip
ROAD = {"type": "LineString", "coordinates": [[-1.14, 50.79], [-1.13, 50.80]]}
GEOJSON = json.dumps({"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"highway": "primary", "name": "Test Road"},
    "geometry": ROAD}]})  # fmt: skip
MAPPING = """name: hostile-test
version: 1
file:
  type: csv
columns:
  start: {from: start, parse: iso8601}
  kind: {from: kind}
  a_number: {from: a_number}
  b_number: {from: b_number}
"""


@dataclass(frozen=True)
class Hostile:
    """One input: its file, what reads it, and what makes it hostile."""

    target: str
    kind: str
    path: Path


@dataclass
class Outcome:
    """What reading one input came to."""

    target: str
    kind: str
    name: str
    outcome: str
    """accepted, refused, or failed (a traceback, a crash, or too slow)."""
    seconds: float
    detail: str = ""


# --- text mutations: (kind, bytes of a valid file) -> variants ---------------------------


def text_variants(base: str, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """Hostile variants of a valid text file."""
    raw = base.encode()
    lines = base.splitlines(keepends=True)
    yield "empty", b""
    yield "bom only", b"\xef\xbb\xbf"
    yield "newlines only", b"\n" * 1000
    yield "header only", lines[0].encode()
    for codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "shift_jis", "cp037"):
        yield f"encoding {codec}", base.replace("Test", "Tést").encode(codec, errors="replace")
    yield "invalid utf-8", raw.replace(b"Test", b"T\xff\xfest") + b"\xc3\x28\n"
    for where in (0, len(raw) // 2, len(raw) - 2):
        yield f"nul byte at {where}", raw[:where] + b"\x00" + raw[where:]
    yield "nuls everywhere", raw.replace(b",", b"\x00,")
    yield "huge field", (lines[0] + lines[-1].replace(",", "," + "x" * (8 << 20), 1)).encode()
    yield "huge line no newline", raw.rstrip(b"\n") + b"y" * (16 << 20)
    yield "many columns", (lines[0].rstrip("\n") + ",c" * 50_000 + "\n").encode() + raw
    yield "ragged extra", (base + lines[-1].rstrip("\n") + ",extra,more,cells\n").encode()
    yield "ragged short", (base + lines[-1].split(",")[0] + "\n").encode()
    yield "unterminated quote", (base + '"never closed,' + lines[-1]).encode()
    yield "quote in the middle", (base + lines[-1].replace(",", ',"a"b"c,', 1)).encode()
    for formula in ("=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd",
                    "-2+3+cmd|'/c calc'!A0", "=1+1", "\t=1"):  # fmt: skip
        cells = lines[-1].rstrip("\n").split(",")
        yield f"formula {formula[:8]}", (base + ",".join(formula for _ in cells) + "\n").encode()
    yield "cr line endings", raw.replace(b"\n", b"\r")
    yield (
        "crlf and lf mixed",
        b"".join(
            line.encode().replace(b"\n", b"\r\n" if i % 2 else b"\n")
            for i, line in enumerate(lines)
        ),
    )
    yield "only a header of 10k duplicates", (",".join(["start"] * 10_000) + "\n").encode()
    yield "binary noise", rng.randbytes(4096)
    yield "png renamed", b"\x89PNG\r\n\x1a\n" + rng.randbytes(512)
    yield "gzip renamed", gzip.compress(raw)
    yield "zip renamed", _zip_bytes({"inner.csv": raw})
    yield "a million tiny rows", lines[0].encode() + b",,,,\n" * 1_000_000
    yield "deep quotes", b'"' * 100_000 + b"\n"
    yield "html", b"<html><script>alert(1)</script></html>"
    for cut in sorted(rng.sample(range(1, max(len(raw), 2)), min(10, len(raw) - 1))):
        yield f"truncated at {cut}", raw[:cut]
    for flip in range(25):  # random byte damage
        damaged = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        yield f"damaged {flip}", bytes(damaged)


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return out.getvalue()


def parquet_variants(rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """Hostile Parquet files for the canonical comms layout."""
    good = pa.table({"start": ["2024-01-01T10:00:00Z"], "kind": ["call"],
                     "a_number": ["07700 900001"], "b_number": ["07700 900002"],
                     "duration_s": ["60"]})  # fmt: skip
    raw = _parquet_bytes(good)
    yield "parquet empty table", _parquet_bytes(good.slice(0, 0))
    yield "parquet magic only", b"PAR1"
    yield "parquet magic twice", b"PAR1PAR1"
    yield "parquet truncated", raw[: len(raw) // 2]
    yield "parquet footer damaged", raw[:-12] + rng.randbytes(8) + b"PAR1"
    yield "parquet wrong types", _parquet_bytes(pa.table({"start": [1.5], "kind": [True],
                                                          "a_number": [3], "b_number": [None],
                                                          "duration_s": [[1, 2]]}))  # fmt: skip
    yield "parquet nested", _parquet_bytes(pa.table({"start": [{"a": 1}], "kind": [["x"]]}))
    yield "parquet no columns we know", _parquet_bytes(pa.table({"x": [1], "y": [2]}))
    yield "parquet binary numbers", _parquet_bytes(pa.table({
        "start": ["2024-01-01T10:00:00Z"], "kind": ["call"], "a_number": [b"\x00\xff"],
        "b_number": [b"\x01"], "duration_s": ["60"]}))  # fmt: skip
    yield "parquet huge string", _parquet_bytes(pa.table({
        "start": ["2024-01-01T10:00:00Z"], "kind": ["call"], "a_number": ["9" * (8 << 20)],
        "b_number": ["07700 900002"], "duration_s": ["60"]}))  # fmt: skip
    yield "parquet 100k columns", _parquet_bytes(pa.table({f"c{i}": [i] for i in range(20_000)}))
    for flip in range(10):
        damaged = bytearray(raw)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(4, len(damaged) - 4)] = rng.randrange(256)
        yield f"parquet damaged {flip}", bytes(damaged)


def _parquet_bytes(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def archive_variants() -> Iterator[tuple[str, bytes]]:
    """Hostile police.uk archives."""
    good = STREET_CSV.encode()
    yield "zip bomb of zeros", _zip_bytes({"2024-01/2024-01-test-street.csv": b"0" * (512 << 20)})
    yield "zip of many members", _zip_bytes({f"2024-01/2024-01-f{i}-street.csv": good
                                             for i in range(300)})  # fmt: skip
    for name in ("../../2024-01-test-street.csv", "/etc/2024-01-test-street.csv",
                 "..\\..\\2024-01-test-street.csv", "2024-01/../../../2024-01-test-street.csv",
                 "2024-01/\x00/2024-01-test-street.csv"):  # fmt: skip
        yield f"path {name[:20]!r}", _zip_bytes({name: good})
    yield "zip in a zip", _zip_bytes({"2024-01-test-street.csv": _zip_bytes({"x.csv": good})})
    yield "zip truncated", _zip_bytes({"2024-01/2024-01-test-street.csv": good})[:60]
    yield "zip no police.uk names", _zip_bytes({"notes.txt": b"hello"})
    yield "zip duplicate names", _zip_bytes({"a/2024-01-test-street.csv": good,
                                             "b/2024-01-test-street.csv": good + b"x"})  # fmt: skip
    yield "zip with a lying size", _lying_zip(good)
    yield "zip symlink member", _symlink_zip()


def _lying_zip(data: bytes) -> bytes:
    raw = bytearray(_zip_bytes({"2024-01-test-street.csv": data}))
    at = raw.find(b"PK\x01\x02")  # the central directory's declared size: a tenth
    raw[at + 24 : at + 28] = (len(data) // 10).to_bytes(4, "little")
    return bytes(raw)


def _symlink_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        member = zipfile.ZipInfo("2024-01-test-street.csv")
        member.external_attr = 0o120777 << 16  # a symbolic link
        zipped.writestr(member, "/etc/passwd")
    return out.getvalue()


def xml_variants(base: str) -> Iterator[tuple[str, bytes]]:
    """Hostile XML (GraphML, GEXF)."""
    head = '<?xml version="1.0"?>\n'
    laughs = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    yield "billion laughs", f"{head}<!DOCTYPE g [{laughs}]><graphml>&l9;</graphml>".encode()
    yield "external entity file", (f'{head}<!DOCTYPE g [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                   "<graphml>&x;</graphml>").encode()  # fmt: skip
    yield "external entity http", (f'{head}<!DOCTYPE g [<!ENTITY x SYSTEM "http://127.0.0.1:9/">]>'
                                   "<graphml>&x;</graphml>").encode()  # fmt: skip
    yield "external dtd", f'{head}<!DOCTYPE g SYSTEM "http://127.0.0.1:9/g.dtd"><graphml/>'.encode()
    yield "parameter entity", (f'{head}<!DOCTYPE g [<!ENTITY % p SYSTEM "file:///etc/passwd">%p;]>'
                               "<graphml/>").encode()  # fmt: skip
    yield "deep nesting", (head + "<a>" * 200_000 + "</a>" * 200_000).encode()
    yield "huge attribute", (head + '<graphml><graph><node id="' + "n" * (16 << 20)
                             + '"/></graph></graphml>').encode()  # fmt: skip
    yield "not xml", b"<graphml><graph>"
    yield "xml declares latin-1", base.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        'id="a"', 'id="\u00e9"').encode("latin-1")  # fmt: skip
    yield "xml utf-16", base.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    yield "edge to nowhere", base.replace('target="b"', 'target="zz"').encode()
    edges = "".join(f'<edge source="a" target="b{i}"/>' for i in range(100_000))
    yield "many edges", base.replace("</graph>", edges + "</graph>").encode()
    yield "processing instruction", (head + '<?xml-stylesheet href="http://127.0.0.1:9/x"?>'
                                     + base.split("?>", 1)[1]).encode()  # fmt: skip


def json_variants(base: str) -> Iterator[tuple[str, bytes]]:
    """Hostile JSON (node-link networks, GeoJSON, bundles)."""
    yield "deep arrays", b"[" * 500_000 + b"]" * 500_000
    yield "deep objects", b'{"a":' * 200_000 + b"1" + b"}" * 200_000
    yield "huge number", base.replace("-1.14", "1e999999").replace('"a"', "1e999999").encode()
    yield "nan", base.replace("-1.14", "NaN").replace('"a"', "NaN").encode()
    yield "duplicate keys", base.replace("{", '{"type": "x", ', 1).encode()
    yield "wrong types", json.dumps({"type": 7, "features": "no", "nodes": 3, "links": {}}).encode()
    yield "null document", b"null"
    yield "array document", b"[1, 2, 3]"
    yield "string document", json.dumps("x" * (8 << 20)).encode()
    yield "invalid utf-8", base.encode()[:-2] + b"\xff\xfe}"
    yield "truncated", base.encode()[: len(base) // 2]
    yield (
        "lone surrogate",
        base.replace('"a"', '"\\ud800"').replace("Test Road", "\\udfff").encode(),
    )
    yield "many features", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": None}] * 200_000}).encode()  # fmt: skip
    yield "ndjson garbage", b"\n".join([b'{"a":', b"}", b"[]", b"{}"] * 1000)


def yaml_variants() -> Iterator[tuple[str, bytes]]:
    """Hostile mapping specs."""
    yield "python object tag", b"!!python/object/apply:os.system ['echo pwned']\n"
    yield "python name tag", b"name: !!python/name:os.system\n"
    aliases = b"".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n".encode()
                       for p, c in zip("abcdefgh", "bcdefghi", strict=True))  # fmt: skip
    yield "yaml alias bomb", b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol"]\n' + aliases
    yield "deep yaml", b"a: " + b"[" * 50_000 + b"]" * 50_000 + b"\n"
    yield "not a mapping", b"- 1\n- 2\n"
    yield "wrong types", b"name: [1]\nversion: x\nfile: 3\ncolumns: no\n"
    yield "unknown parse", MAPPING.replace("iso8601", "exec('x')").encode()
    yield "tabs", MAPPING.replace("  ", "\t").encode()
    yield "binary", b"\x00\x01\x02"
    yield "huge", MAPPING.encode() + b"# " + b"x" * (16 << 20) + b"\n"
    for text in ("", "name:", "columns: {}", "file: {type: exe}", "version: -1"):
        yield f"partial {text!r}", text.encode()


# --- the corpus --------------------------------------------------------------------------


QUICK_DROPS: Final = re.compile(r"^(damaged|parquet damaged) ([3-9]|\d\d)$|^truncated at \d{2,}$")
"""What the test suite's quick corpus leaves out: the fourth and later random damages, and
truncations past the 99th byte (the long mode reads them all)."""
HEAVY: Final = ("a million tiny rows", "huge attribute")
"""Slow inputs the quick corpus keeps for one format each."""


def quick(corpus: list[Hostile]) -> list[Hostile]:
    """The test suite's share of the corpus: every kind of hostility, fewer random ones."""
    kept, heavy_seen = [], set()
    for item in corpus:
        if QUICK_DROPS.match(item.kind):
            continue
        if item.kind in HEAVY:
            if item.kind in heavy_seen:
                continue
            heavy_seen.add(item.kind)
        kept.append(item)
    return kept


def make_corpus(folder: Path, seed: int = 7) -> list[Hostile]:
    """Write every hostile input under ``folder``; the list of them."""
    rng = random.Random(seed)
    found: list[Hostile] = []

    def add(target: str, variants: Iterator[tuple[str, bytes]], name: Callable[[int], str]) -> None:
        for number, (kind, data) in enumerate(variants):
            path = folder / target.replace(" ", "-") / name(number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            found.append(Hostile(target, kind, path))

    add("comms csv", text_variants(COMMS_CSV, rng), lambda n: f"{n:04d}.csv")
    add("comms parquet", parquet_variants(rng), lambda n: f"{n:04d}.parquet")
    add("comms parquet", ((k, d) for k, d in text_variants(COMMS_CSV, rng)),
        lambda n: f"text-{n:04d}.parquet")  # fmt: skip
    add("cells csv", text_variants(CELLS_CSV, rng), lambda n: f"{n:04d}.csv")
    add("police.uk csv", text_variants(STREET_CSV, rng),
        lambda n: f"{n:04d}/2024-01-test-street.csv")  # fmt: skip
    add("police.uk archive", archive_variants(), lambda n: f"{n:04d}.zip")
    add("police.uk archive", ((k, d) for k, d in text_variants(STREET_CSV, rng)),
        lambda n: f"text-{n:04d}.zip")  # fmt: skip
    add("mapping yaml", yaml_variants(), lambda n: f"{n:04d}.yaml")
    add("mapping yaml", text_variants(MAPPING, rng), lambda n: f"text-{n:04d}.yaml")
    add("network graphml", xml_variants(GRAPHML), lambda n: f"{n:04d}.graphml")
    add("network graphml", text_variants(GRAPHML, rng), lambda n: f"text-{n:04d}.graphml")
    add("network gexf", xml_variants(GEXF), lambda n: f"{n:04d}.gexf")
    add("network json", json_variants(NODE_LINK), lambda n: f"{n:04d}.json")
    add("network json", text_variants(NODE_LINK, rng), lambda n: f"text-{n:04d}.json")
    add("network edge list", text_variants("source,target,weight\na,b,1\nb,c,2\n", rng),
        lambda n: f"{n:04d}.csv")  # fmt: skip
    add("geojson", json_variants(GEOJSON), lambda n: f"{n:04d}.geojson")
    add("geojson", text_variants(GEOJSON, rng), lambda n: f"text-{n:04d}.geojson")
    add("bundle", json_variants(NODE_LINK), lambda n: f"{n:04d}.bundle")
    add("bundle", text_variants('{"header": {}}\n{"id": "x"}\n', rng), lambda n: f"t{n:04d}.bundle")
    add("upload comms", text_variants(COMMS_CSV, rng), lambda n: f"{n:04d}.csv")
    add("upload network", xml_variants(GRAPHML), lambda n: f"{n:04d}.graphml")
    add("upload network", json_variants(NODE_LINK), lambda n: f"{n:04d}.json")
    add("upload bundle", json_variants(NODE_LINK), lambda n: f"{n:04d}.bundle")
    add("upload bundle", text_variants('{"header": {}}\n', rng), lambda n: f"t{n:04d}.bundle")
    return found


# --- reading each input -------------------------------------------------------------------


def _commands(item: Hostile, workspace: Path, base_csv: Path) -> list[str]:
    where = ["--workspace", str(workspace)]
    path = str(item.path)
    return {
        "comms csv": [*where, "ingest", "comms", path, "--layout", "canonical"],
        "comms parquet": [*where, "ingest", "comms", path, "--layout", "canonical"],
        "cells csv": [*where, "ingest", "cells", path],
        "police.uk csv": [*where, "place", "ingest", path],
        "police.uk archive": [*where, "place", "ingest", path],
        "mapping yaml": [*where, "ingest", "comms", str(base_csv), "--mapping", path],
        "network graphml": ["network", "measures", path],
        "network gexf": ["network", "measures", path],
        "network json": ["network", "measures", path],
        "network edge list": ["network", "measures", path],
        "geojson": [*where, "basemap", "add", path, "--credit", "test"],
        "bundle": [*where, "share", "import", path],
    }[item.target]


def read_all(corpus: list[Hostile], folder: Path) -> list[Outcome]:
    """Feed every input to its command, in this process."""
    from typer.testing import CliRunner

    from fortress.cli.main import app

    runner = CliRunner()
    workspace = folder / "ws"
    base_csv = folder / "base.csv"
    base_csv.write_text(COMMS_CSV, encoding="utf-8")
    found: list[Outcome] = []
    for item in (i for i in corpus if not i.target.startswith("upload")):
        started = time.perf_counter()
        result = runner.invoke(app, _commands(item, workspace, base_csv))
        seconds = round(time.perf_counter() - started, 3)
        found.append(_judge(item, result, seconds))
    found += upload_all([i for i in corpus if i.target.startswith("upload")], folder / "served")
    return found


UPLOADS = {  # target -> (address, form field, other fields)
    "upload comms": ("/app/work/uploads", "data", {"kind": "comms", "layout": "canonical"}),
    "upload network": ("/app/network/files", "data", {}),
    "upload bundle": ("/app/sharing/received", "bundle", {}),
}


def upload_all(corpus: list[Hostile], folder: Path) -> list[Outcome]:
    """Send every input through the server's upload forms, signed in as an analyst."""
    from fastapi.testclient import TestClient

    from fortress.casework.db import migrate
    from fortress.server.app import create_app
    from fortress.store.workspace import Workspace
    from helpers.casework import browser_sign_in, seed_casework

    workspace = Workspace.open(folder)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    found: list[Outcome] = []
    with TestClient(create_app(workspace.engine, comms=workspace),
                    raise_server_exceptions=False) as client:  # fmt: skip
        csrf = browser_sign_in(client, "analyst")
        for item in corpus:
            address, field_name, fields = UPLOADS[item.target]
            started = time.perf_counter()
            sent = {field_name: (item.path.name, item.path.read_bytes())}
            answer = client.post(address, data={**fields, "csrf": csrf}, files=sent,
                                 follow_redirects=False)  # fmt: skip
            outcome, detail = _served_outcome(client, answer)
            seconds = round(time.perf_counter() - started, 3)
            if seconds > MOST_SECONDS:
                outcome, detail = "failed", "too slow"
            found.append(Outcome(item.target, item.kind, item.path.name, outcome, seconds, detail))
    workspace.engine.dispose()
    return found


def _served_outcome(client: object, answer: object) -> tuple[str, str]:
    """A page answered (2xx, 4xx) with no traceback, or a job that ended in words."""
    status = int(getattr(answer, "status_code", 0))
    text = str(getattr(answer, "text", ""))
    if status >= 500 or "Traceback" in text:
        return "failed", f"{status}: {text[-300:]}"
    location = getattr(answer, "headers", {}).get("location", "")
    if status == 303 and "/app/work/jobs/" in location:
        jobs = client.app.state.jobs  # type: ignore[attr-defined]
        job_id = location.rsplit("/", 1)[1]
        for _ in range(1200):
            job = jobs.get(job_id)
            if job is not None and job.state in ("done", "failed"):
                break
            time.sleep(0.05)
        if job is None or job.state != "done":
            return "failed", f"job {job.state if job else 'lost'}: {job.error if job else ''}"
        refused = any(f.get("error") for f in job.result.get("files", [job.result]))
        return ("refused" if refused else "accepted"), str(job.result)[:200]
    return ("accepted" if status < 400 else "refused"), f"{status}"


def _judge(item: Hostile, result: object, seconds: float) -> Outcome:
    code = getattr(result, "exit_code", None)
    output = str(getattr(result, "output", ""))
    exception = getattr(result, "exception", None)
    name = str(item.path.name)
    if exception is not None and not isinstance(exception, SystemExit):
        detail = f"{type(exception).__name__}: {str(exception)[:300]}"
        return Outcome(item.target, item.kind, name, "failed", seconds, detail)
    if "Traceback" in output:
        return Outcome(item.target, item.kind, name, "failed", seconds, output[-300:])
    if seconds > MOST_SECONDS:
        return Outcome(item.target, item.kind, name, "failed", seconds, "too slow")
    outcome = "accepted" if code == 0 else "refused"
    return Outcome(item.target, item.kind, name, outcome, seconds, output.strip()[-200:])


def run(folder: Path) -> dict[str, object]:
    """Make the corpus, read it, and report: the outcomes and this process's peak memory."""
    corpus = make_corpus(folder / "corpus")
    outcomes = read_all(corpus, folder)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"inputs": len(corpus), "peak_mb": round(peak_mb),
            "outcomes": [asdict(o) for o in outcomes]}  # fmt: skip


def table(report: dict[str, object]) -> str:
    """The Markdown table of ``docs/reliability.md``."""
    outcomes = [Outcome(**o) for o in report["outcomes"]]  # type: ignore[attr-defined]
    lines = ["| format (command) | inputs | accepted | refused | failed | slowest s |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for target in sorted({o.target for o in outcomes}):
        mine = [o for o in outcomes if o.target == target]
        counts = Counter(o.outcome for o in mine)
        lines.append(f"| {target} | {len(mine)} | {counts['accepted']} | {counts['refused']} | "
                     f"{counts['failed']} | {max(o.seconds for o in mine):.1f} |")  # fmt: skip
    return "\n".join(lines)


RESULTS = Path(__file__).resolve().parent / "results" / "hostile.json"


def summary(report: dict[str, object]) -> dict[str, object]:
    """What ``results/hostile.json`` keeps: counts per format and every failure whole."""
    outcomes = [Outcome(**o) for o in report["outcomes"]]  # type: ignore[attr-defined]
    by_target = {
        target: {**Counter(o.outcome for o in outcomes if o.target == target),
                 "slowest_s": max(o.seconds for o in outcomes if o.target == target)}
        for target in sorted({o.target for o in outcomes})
    }  # fmt: skip
    failed = [asdict(o) for o in outcomes if o.outcome == "failed"]
    return {"inputs": report["inputs"], "peak_mb": report["peak_mb"], "by_target": by_target,
            "failed": failed}  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
    where = Path(sys.argv[1])
    report = run(where)
    (where / "hostile.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    RESULTS.write_text(json.dumps(summary(report), indent=1), encoding="utf-8")
    print(table(report))
    print(f"{report['inputs']} inputs, peak memory {report['peak_mb']} MB")
