"""``fortress cluster``: a Spark standalone cluster on this machine's loopback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fortress.cli.common import JsonOption, fail, print_json

if TYPE_CHECKING:
    from fortress.store.cluster import ClusterStatus

cluster_app = typer.Typer(
    help="A Spark cluster (master and workers) on this machine's loopback, from PySpark's "
    "own files; Fortress runs on it when FORTRESS_ENGINE=spark and FORTRESS_SPARK_MASTER "
    "names it.",
    no_args_is_help=True,
)

FolderOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="The cluster's folder (state and logs); default FORTRESS_CLUSTER_DIR, else "
        "~/.local/state/fortress/cluster.",
    ),
]


def _folder(folder: Path | None) -> Path:
    from fortress.store.cluster import default_folder

    return folder or default_folder()


@cluster_app.command("start")
def cluster_start_command(
    workers: Annotated[int, typer.Option(min=1, help="How many workers.")] = 2,
    cores: Annotated[int, typer.Option(min=1, help="Cores each worker offers.")] = 1,
    memory: Annotated[
        str, typer.Option(help="Memory each worker offers (Spark's 2g, 512m).")
    ] = "2g",
    port: Annotated[int, typer.Option(help="The master's port.")] = 7077,
    status_port: Annotated[int, typer.Option(help="The master's status page's port.")] = 8080,
    folder: FolderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a master and its workers (each a Java process that outlives this command)."""
    from fortress.store.cluster import ClusterError, start_cluster

    try:
        status = start_cluster(_folder(folder), workers, cores, memory, port, status_port)
    except ClusterError as exc:
        fail(str(exc))
    _print(status, as_json, "Cluster started")


@cluster_app.command("status")
def cluster_status_command(folder: FolderOption = None, as_json: JsonOption = False) -> None:
    """The cluster: its master, its workers as the master sees them, and what runs on it.
    Exits 1 when it is not running."""
    from fortress.store.cluster import ClusterError, cluster_status

    try:
        status = cluster_status(_folder(folder))
    except ClusterError as exc:
        fail(str(exc))
    _print(status, as_json, "Cluster")
    if not status.running:
        raise typer.Exit(1)


@cluster_app.command("stop")
def cluster_stop_command(folder: FolderOption = None) -> None:
    """Stop the master and workers that ``fortress cluster start`` started (logs stay)."""
    from fortress.store.cluster import ClusterError, stop_cluster

    try:
        stopped = stop_cluster(_folder(folder))
    except ClusterError as exc:
        fail(str(exc), code=1)
    typer.echo(f"Cluster stopped ({stopped} {'process' if stopped == 1 else 'processes'} ended).")


def _print(status: ClusterStatus, as_json: bool, title: str) -> None:
    from fortress.cli.render import console, render_table

    if as_json:
        print_json(status.to_dict())
        return
    rows: list[tuple[str, object]] = [
        ("folder", status.folder),
        ("running", "yes" if status.running else "no"),
    ]
    if status.master_url:
        rows += [
            ("master", status.master_url),
            ("status page", str(status.status_url)),
            ("processes", f"{status.processes_alive} of {status.processes_started} running"),
            ("workers alive", f"{status.alive_workers} of {len(status.workers)}"),
            ("applications running", ", ".join(status.applications) or "none"),
            ("applications finished", status.applications_finished),
        ]
    if status.problem:
        rows.append(("problem", status.problem))
    render_table(title, ("what", "value"), rows, header=False)
    if status.workers:
        workers = [
            (w.worker_id, w.state, f"{w.cores_used} of {w.cores}",
             f"{w.memory_used_mb:,} of {w.memory_mb:,}")
            for w in status.workers
        ]  # fmt: skip
        columns = ("worker", "state", "cores used", "memory used (MiB)")
        render_table("Workers", columns, workers)
    if status.running and status.master_url:
        console.print(
            f"Use it: FORTRESS_ENGINE=spark FORTRESS_SPARK_MASTER={status.master_url} "
            "fortress lines detect",
            highlight=False,
            soft_wrap=True,
        )
