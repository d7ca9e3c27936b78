"""Wall time per stage of a detection run: where ``lines detect`` spends its time.

Stages nest (fetching a neighbourhood happens inside scoring and role finding); each stage
is charged only its own time, so the stages add up to the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fortress.model.lines import StageTime


@dataclass(slots=True)
class StageClock:
    """Accumulates each stage's own wall time, in the order stages first start."""

    timer: Callable[[], float] = time.perf_counter
    _seconds: dict[str, float] = field(default_factory=dict)
    _inner: list[float] = field(default_factory=list)
    """Per open stage, the time spent in stages opened inside it."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Charge the time inside the block to ``name``, less any inner stage's time."""
        self._seconds.setdefault(name, 0.0)
        started = self.timer()
        self._inner.append(0.0)
        try:
            yield
        finally:
            inner = self._inner.pop()
            elapsed = self.timer() - started
            self._seconds[name] += elapsed - inner
            if self._inner:
                self._inner[-1] += elapsed

    def times(self) -> list[StageTime]:
        """Each stage's own time so far, in seconds to the millisecond."""
        return [StageTime(stage=name, seconds=round(s, 3)) for name, s in self._seconds.items()]
