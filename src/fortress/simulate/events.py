"""Columnar batches of simulated events, held as integer codes until they are written.

Parties, handsets and cells are indices into the world's directories (``-1`` = unknown), so a
day of traffic is a handful of numpy arrays; strings are made only by the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

import numpy as np
import numpy.typing as npt

from fortress.model.columns import KINDS

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

CALL: Final = KINDS.index("call")
SMS: Final = KINDS.index("sms")
NO_ANSWER: Final = 0
ANSWER: Final = 1
UNKNOWN: Final = -1
"""Code for a missing index or an answered flag that does not apply (messages)."""


@dataclass(frozen=True)
class EventBatch:
    """Events as parallel int64 arrays.

    ``t`` is UTC epoch seconds; ``kind`` indexes ``KINDS``; ``a``/``b`` index the phone
    directory; ``*_imei`` the handset directory; ``*_cell*`` the cell plan; ``answered`` is
    0/1 for calls and -1 for messages.
    """

    t: Ints
    kind: Ints
    a: Ints
    b: Ints
    dur: Ints
    a_imei: Ints
    b_imei: Ints
    a_cell: Ints
    b_cell: Ints
    a_cell_last: Ints
    b_cell_last: Ints
    answered: Ints

    def __len__(self) -> int:
        """Number of events."""
        return len(self.t)

    def take(self, index: Ints | npt.NDArray[np.bool_] | slice) -> EventBatch:
        """Return the events selected by an index array, mask or slice."""
        return EventBatch(*(getattr(self, f.name)[index] for f in fields(self)))

    def sorted(self) -> EventBatch:
        """Return the events in time order (stable, so ties keep generation order)."""
        return self.take(np.argsort(self.t, kind="stable"))

    @staticmethod
    def concat(batches: list[EventBatch]) -> EventBatch:
        """Concatenate batches in order."""
        if not batches:
            return EventBatch.empty()
        return EventBatch(
            *(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(EventBatch))
        )

    @staticmethod
    def empty() -> EventBatch:
        """A batch with no events."""
        return EventBatch(*(np.zeros(0, dtype=np.int64) for _ in fields(EventBatch)))


IntLike = Ints | int


@dataclass(frozen=True)
class RawEvents:
    """Events before handsets and cells are known: who, what, when (local seconds of a day)."""

    sec: Ints
    kind: Ints
    a: Ints
    b: Ints
    dur: Ints
    answered: Ints

    def __len__(self) -> int:
        """Number of events."""
        return len(self.sec)


class BatchBuilder:
    """Collects small groups of raw events (scalars broadcast) into one ``RawEvents``."""

    def __init__(self) -> None:
        """Start empty."""
        self._parts: list[tuple[Ints, ...]] = []

    def add(
        self,
        *,
        sec: Ints,
        kind: IntLike,
        a: IntLike,
        b: IntLike,
        dur: IntLike = 0,
        answered: IntLike = UNKNOWN,
    ) -> None:
        """Add events; every argument is an array of ``len(sec)`` or a scalar."""
        n = len(sec)
        if n:
            self._parts.append(tuple(_column(v, n) for v in (sec, kind, a, b, dur, answered)))

    def build(self) -> RawEvents:
        """Concatenate everything added so far; messages get 0 s and no answered flag."""
        if not self._parts:
            return RawEvents(*(np.zeros(0, dtype=np.int64) for _ in range(6)))
        sec, kind, a, b, dur, answered = (np.concatenate(c) for c in zip(*self._parts, strict=True))
        is_sms = kind == SMS
        return RawEvents(
            sec, kind, a, b, np.where(is_sms, 0, dur), np.where(is_sms, UNKNOWN, answered)
        )


def _column(value: IntLike, n: int) -> Ints:
    if isinstance(value, int):
        return np.full(n, value, dtype=np.int64)
    return np.asarray(value, dtype=np.int64)
