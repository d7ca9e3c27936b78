"""``place fetch`` against a local HTTP server that serves police.uk-shaped archives built
from the real files (no test touches the internet)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fortress.cli.main import app
from fortress.places.fetch import archives_for

runner = CliRunner()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged to the test output."""


@pytest.fixture
def police_uk(shared_data: Path, tmp_path: Path) -> Iterator[str]:
    """A server with /data/archive/2024-04.zip: Hampshire's 2024-01..04 street and
    stop-and-search files, another force's file, and a README, in month folders."""
    root = tmp_path / "site"
    (root / "data" / "archive").mkdir(parents=True)
    source = shared_data / "policeuk"
    with zipfile.ZipFile(root / "data" / "archive" / "2024-04.zip", "w") as zipped:
        for month in ("2024-01", "2024-02", "2024-03", "2024-04"):
            for kind, folder in (("street", "hampshire_street"),
                                 ("stop-and-search", "hampshire_stop_and_search")):  # fmt: skip
                name = f"{month}-hampshire-{kind}.csv"
                zipped.write(source / folder / name, f"{month}/{name}")
        street = source / "hampshire_street" / "2024-01-hampshire-street.csv"
        zipped.write(street, "2024-01/2024-01-wessex-street.csv")
        zipped.writestr("README.txt", "not data")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _fetch(workspace: Path, base: str, *args: str) -> Result:
    return runner.invoke(
        app, ["--workspace", str(workspace), "place", "fetch", "--base-url", base, *args]
    )


def test_fetch_downloads_extracts_and_ingests_one_force(police_uk: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    span = ["--from", "2024-03", "--to", "2024-04"]
    result = _fetch(ws, police_uk, "--force", "hampshire", *span, "--json")
    assert result.exit_code == 0, result.stderr
    ingested = json.loads(result.stdout)
    assert [(Path(s["file"]).name, s["accepted"]) for s in ingested] == [
        ("2024-03-hampshire-stop-and-search.csv", 1_241),
        ("2024-03-hampshire-street.csv", 13_997),
        ("2024-04-hampshire-stop-and-search.csv", 1_001),
        ("2024-04-hampshire-street.csv", 13_445),
    ]
    assert (ws / "imports" / "police.uk" / "2024-04.zip").is_file()  # kept as provenance
    again = _fetch(ws, police_uk, "--force", "hampshire", *span)
    assert again.exit_code == 0 and "nothing added" in again.stdout


def test_fetch_failures_say_why(police_uk: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    missing = _fetch(ws, police_uk, "--force", "hampshire", "--from", "2024-05", "--to", "2024-05")
    assert missing.exit_code == 2 and "has no archive at" in missing.stderr
    typo = _fetch(ws, police_uk, "--force", "hampshir", "--from", "2024-01", "--to", "2024-04")
    assert typo.exit_code == 2
    assert "no 'hampshir' files" in typo.stderr and "hampshire, wessex" in typo.stderr
    backwards = _fetch(
        ws, police_uk, "--force", "hampshire", "--from", "2024-04", "--to", "2024-01"
    )
    assert backwards.exit_code == 2 and "ends before it starts" in backwards.stderr
    offline = _fetch(ws, "http://127.0.0.1:9", "--force", "hampshire", "--from", "2024-01",
                     "--to", "2024-01")  # fmt: skip
    assert offline.exit_code == 2 and "cannot download" in offline.stderr


def test_a_redirect_to_another_host_is_not_followed(police_uk: str, tmp_path: Path) -> None:
    """An answer must not send the download wherever it points: a redirect to another
    host (here the archives' own server by another name) is refused."""
    port = police_uk.rsplit(":", 1)[1]

    class Redirecting(_QuietHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/data/archive/2024-04.zip")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        span = ["--force", "hampshire", "--from", "2024-04", "--to", "2024-04"]
        elsewhere = _fetch(tmp_path / "ws", base, *span)
        assert elsewhere.exit_code == 2, elsewhere.output
        assert f"a redirect to another host (http://localhost:{port})" in elsewhere.stderr
        assert not list((tmp_path / "ws").rglob("*.zip"))
    finally:
        server.shutdown()


def test_the_archives_that_cover_a_span() -> None:
    assert archives_for("2024-01", "2024-04") == ["2024-04"]
    assert archives_for("2021-05", "2024-04") == ["2024-04"]  # 36 months back, inclusive
    assert archives_for("2021-04", "2024-04") == ["2024-04", "2021-04"]
