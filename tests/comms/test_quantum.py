"""Quantum estimates: the two methods' formulas, Monte Carlo intervals, ranges."""

from __future__ import annotations

import pytest

from fortress.comms.quantum import QuantumParams, Range, estimate, parse_range
from fortress.model.lines import DayActivity, Quantum


def _day(day: str, base: int, confirmed: int) -> DayActivity:
    return DayActivity(
        day=day,
        base=base,
        potential=confirmed,
        confirmed=confirmed,
        incoming=confirmed,
        outgoing=0,
        active_hours=1,
        customers_texted=base,
    )


DAYS = [_day("2025-01-06", 20, 6), _day("2025-01-07", 22, 4)]


def test_central_estimates_follow_each_method() -> None:
    result = estimate(DAYS)
    params = QuantumParams()
    assert result.customer_days == 42 and result.confirmed_transactions == 10
    assert result.crown_g.central == pytest.approx(42 * params.crown_daily_use_g.central)
    deals, grams = params.deals_per_transaction.central, params.grams_per_deal.central
    assert result.defence_g.central == pytest.approx(10 * deals * grams)


def test_intervals_are_ordered_and_repeatable() -> None:
    first, again = estimate(DAYS), estimate(DAYS)
    for g, same in ((first.crown_g, again.crown_g), (first.defence_g, again.defence_g)):
        assert g.low_95 <= g.median <= g.high_95
        assert g == same


def test_a_fixed_parameter_gives_no_spread() -> None:
    fixed = Range(0.5, 0.5, 0.5, "fixed")
    result = estimate(DAYS, QuantumParams(crown_daily_use_g=fixed))
    assert result.crown_g.low_95 == result.crown_g.high_95 == 21.0


def test_sensitivity_moves_one_parameter_at_a_time() -> None:
    rows = {row.parameter: row for row in estimate(DAYS).sensitivity}
    use = QuantumParams().crown_daily_use_g
    assert rows["crown_daily_use_g"].at_low_g == pytest.approx(42 * use.low)
    assert rows["crown_daily_use_g"].at_high_g == pytest.approx(42 * use.high)


@pytest.mark.parametrize("text", ["1,2", "a,b,c", "3,2,1", "-1,0,1"])
def test_bad_ranges_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_range(text, "given")


def test_the_estimate_round_trips_through_its_json() -> None:
    result = estimate(DAYS)
    dumped = result.model_dump(mode="json")
    assert Quantum.model_validate(dumped) == result
    assert list(dumped) == [
        "days", "first_day", "last_day", "customer_days", "confirmed_transactions",
        "crown_g", "defence_g", "sensitivity", "params",
    ]  # fmt: skip
    assert dumped["params"]["crown_daily_use_g"]["source"].startswith("mean daily use")
