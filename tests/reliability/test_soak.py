"""The soak's quick mode (``soak.py``; its long mode writes the table of
``docs/reliability.md``): the server under the mixed load for 40 seconds answers every
request as expected, and afterwards every acknowledged write is there once and audited.
Too short to judge memory or latency over time: the long mode does that."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reliability.soak import MIX, soak


@pytest.mark.slow
def test_a_short_soak_answers_everything_and_loses_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    outcome = soak(tmp_path, minutes=40 / 60, seed=seed)
    where = f"(seed {seed})"
    assert outcome.errors == 0, (outcome.error_kinds, where)
    assert set(MIX) <= set(outcome.by_kind), (outcome.by_kind, where)
    assert outcome.requests > 500 and outcome.acknowledged_writes > 50, where
    assert (outcome.writes_lost, outcome.writes_duplicated) == (0, 0), where
    assert outcome.chain_verified and outcome.unaudited == [], (outcome.unaudited, where)
