"""``fortress serve`` refuses a database it cannot use with a clear message, no trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+psycopg://root@127.0.0.1:1/test", "cannot use the database"),
        ("nonsense://", "cannot use database URL"),
    ],
)
def test_an_unusable_database_is_a_clear_error(tmp_path: Path, url: str, says: str) -> None:
    (tmp_path / "ws" / "events").mkdir(parents=True)  # a workspace whose records are elsewhere
    result = CliRunner().invoke(
        app, ["--workspace", str(tmp_path / "ws"), "serve", "--database-url", url]
    )
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output


def test_an_unmigrated_database_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "ws"), "serve"])
    assert result.exit_code == 2 and "fortress casework migrate" in result.output
