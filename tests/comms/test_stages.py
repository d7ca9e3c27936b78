"""The stage clock charges each stage only its own time, so stages add up to the run."""

from __future__ import annotations

import pytest

from fortress.comms.stages import StageClock


class FakeTimer:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_inner_stage_is_not_charged_to_the_stage_around_it() -> None:
    timer = FakeTimer()
    clock = StageClock(timer)
    with clock.stage("scoring"):
        timer.now += 2
        for _ in range(2):
            with clock.stage("neighbourhoods"):
                timer.now += 5
        timer.now += 1
    with clock.stage("roles"):
        timer.now += 0.5
    seconds = {s.stage: s.seconds for s in clock.times()}
    assert seconds == {"scoring": 3, "neighbourhoods": 10, "roles": 0.5}
    assert sum(seconds.values()) == timer.now


def test_a_stage_that_raises_is_still_charged() -> None:
    timer = FakeTimer()
    clock = StageClock(timer)
    with pytest.raises(ValueError), clock.stage("waves"):
        timer.now += 4
        raise ValueError("stop")
    assert [(s.stage, s.seconds) for s in clock.times()] == [("waves", 4)]
