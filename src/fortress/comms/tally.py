"""The most frequent value of a tally, with ties decided the same way in every run.

``Counter.most_common`` breaks a tie by insertion order, which follows the order rows
come back from the engine and the iteration order of Python sets (salted per process):
two runs on the same data could name different home areas and so give different scores.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

Key = TypeVar("Key", bound="SupportsRichComparison")


def top(tally: Counter[Key]) -> tuple[Key, int]:
    """The value counted most often and its count; among equal counts, the smallest value
    (``tally`` must not be empty)."""
    value, count = min(tally.items(), key=lambda item: (-item[1], item[0]))
    return value, count


def most_common(tally: Counter[Key]) -> Key:
    """The value counted most often; among equal counts, the smallest value."""
    return top(tally)[0]
