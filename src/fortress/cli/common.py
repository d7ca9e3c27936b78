"""What every command shares: the chosen workspace, errors for people, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from fortress.store.settings import DEFAULT_WORKSPACE

if TYPE_CHECKING:
    from fortress.ingest.report import IngestSummary
    from fortress.store.workspace import Workspace


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


class _Settings:
    workspace: Path = DEFAULT_WORKSPACE
    database_url: str | None = None


settings = _Settings()


def open_workspace(*, create: bool = False) -> Workspace:
    """Open the workspace chosen by ``--workspace`` / ``FORTRESS_WORKSPACE``.

    Commands that only read leave ``create`` off: a folder that is not a workspace (a
    misspelt ``--workspace``) is then refused, naming the nearest workspace beside it, and
    nothing is created. Commands that write into the workspace (ingest, lines detect, place
    ingest and fetch, casework migrate) pass ``create=True``.
    """
    from fortress.store.workspace import NotAWorkspace, Workspace, WorkspaceError

    try:
        return Workspace.open(settings.workspace, database_url=settings.database_url, create=create)
    except NotAWorkspace as exc:
        guess = f" Did you mean {exc.nearest}?" if exc.nearest is not None else ""
        fail(
            f"no workspace at {exc.root}: the folder {exc.reason}.{guess} Nothing was created: "
            "commands that only read need an existing workspace; commands that write "
            "(fortress ingest comms ..., fortress casework migrate) create one."
        )
    except WorkspaceError as exc:
        fail(str(exc))


def ready_casework() -> Workspace:
    """The workspace, whose casework tables must be at this Fortress's revision."""
    from fortress.casework.db import CaseworkDatabaseError, check_ready

    workspace = open_workspace()
    try:
        check_ready(workspace.engine)
    except CaseworkDatabaseError as exc:
        fail(str(exc))
    return workspace


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error for a person and exit with ``code``."""
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to standard output."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def report_ingest(summaries: list[IngestSummary], as_json: bool) -> None:
    """Print the ingest summaries (a table, or JSON); exit 1 if any file was refused."""
    from fortress.cli.render import render_ingest

    if as_json:
        print_json([s.to_dict() for s in summaries])
    else:
        render_ingest(summaries)
    if any(not s.ok for s in summaries):
        raise typer.Exit(1)
