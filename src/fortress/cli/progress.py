"""Progress for commands that take more than a moment, shown on a terminal only.

A spinner with what is being done and the seconds elapsed, on standard error, so that
``--json`` output and output sent to a file or a pipe are never mixed with it. Where the
work has countable steps (the demo's stages, the files of an ingest), a bar shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


@dataclass
class Steps:
    """What a command tells the person watching: the step it is on."""

    _progress: Progress | None = None
    _task: TaskID | None = None
    _done: int = -1

    def step(self, what: str) -> None:
        """Start the next step, described as ``what``."""
        self._done += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=what, completed=self._done)


@contextmanager
def working(what: str, *, steps: int | None = None) -> Iterator[Steps]:
    """Show ``what`` with a spinner and the time elapsed while the block runs, and a bar of
    ``steps`` when the block announces each step; on a terminal only."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield Steps()
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if steps is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        shown = Steps(progress, progress.add_task(what, total=steps))
        shown.step(what)
        yield shown
