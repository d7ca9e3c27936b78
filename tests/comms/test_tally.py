"""A tie for the most frequent value is decided by the value, never by arrival order."""

from __future__ import annotations

import itertools
from collections import Counter

from fortress.comms.tally import most_common, top


def test_a_tie_goes_to_the_smallest_value_whatever_the_order_counted() -> None:
    counts = [("Newbury", 3), ("Gosport", 3), ("Fareham", 1)]
    for order in itertools.permutations(counts):
        tally = Counter(dict(order))
        assert top(tally) == ("Gosport", 3)
        assert most_common(tally) == "Gosport"


def test_the_most_frequent_value_wins_over_a_smaller_one() -> None:
    assert top(Counter({"a": 1, "b": 2})) == ("b", 2)
    assert most_common(Counter({("c1", "Gosport"): 2, ("c0", "Gosport"): 2})) == ("c0", "Gosport")
