"""Results the pages show that take a pass over the events (a line's page, a number's
summary), kept in memory for the data they were computed from: the latest detection run and
the comms files the workspace holds. New data or a new run makes a new key, so a cached
result is never stale; the oldest results are dropped beyond ``size``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from fortress.comms.lines import NoDetection, latest_run
from fortress.store.workspace import COMMS, Workspace

T = TypeVar("T")


class ResultCache:
    """A thread-safe least-recently-used cache of results by the data they were made from."""

    def __init__(self, size: int = 64, parallel: int = 2) -> None:
        self.size = size
        self._passes = threading.BoundedSemaphore(parallel)
        """At most ``parallel`` results made at once: each is a pass over the events that
        uses every core, and more at once only thrash (50 at once answered 1 a second)."""
        self._kept: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}

    def get(self, workspace: Workspace, key: Hashable, make: Callable[[], T]) -> T:
        """The result for ``key`` on the workspace's current data, made if not kept. While
        one request makes it, others asking for the same wait for it rather than make it
        again (fifty requests at a cold start would otherwise each make it)."""
        full = (data_version(workspace), key)
        with self._lock:
            making = self._making.setdefault(full, threading.Lock())
        with making:
            with self._lock:
                if full in self._kept:
                    self._kept.move_to_end(full)
                    return self._kept[full]  # type: ignore[return-value]
            with self._passes:
                made = make()
            with self._lock:
                self._kept[full] = made
                self._making.pop(full, None)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return made


def data_version(workspace: Workspace) -> tuple[str, tuple[str, ...]]:
    """What a result depends on: the latest run's id and the comms data files."""
    try:
        run = latest_run(workspace).id
    except NoDetection:
        run = ""
    return run, tuple(sorted(str(path) for path in workspace.data_files(COMMS)))
