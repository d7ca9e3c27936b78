"""The crash harness's quick mode (``crashes.py``; its long mode writes the table of
``docs/reliability.md``): a few SIGKILLs at random moments of each kind of write, and
nothing lost, nothing duplicated, nothing half-done."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reliability.crashes import TARGETS, run


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_a_kill_at_any_moment_loses_nothing(tmp_path: Path, target: str) -> None:
    seed = random.randrange(1 << 30)
    trials = run(tmp_path, trials=2, rows=100_000, world_scale="demo", seed=seed,
                 targets=[target])  # fmt: skip
    where = f"(seed {seed})"
    assert len(trials) == 2
    assert any(t.stage != "finished" for t in trials), f"no kill interrupted the work {where}"
    for trial in trials:
        assert trial.problems == [], (trial, where)
        assert (trial.lost, trial.duplicated) == (0, 0), (trial, where)
