"""Quantum: how much a line supplied over a period, by the two methods argued in court.

* **Crown** (prosecution practice): every customer on the line's base buys every day, and
  each consumes the mean daily amount: ``sum over days of base(d) x mean daily use``.
* **Defence** (the usual critique): count only confirmed transactions, each of a number
  of deals of a typical weight: ``sum over days of confirmed(d) x deals per transaction
  x grams per deal``, with median rather than mean use setting the deal size.

Parameters are uncertain, so each estimate is a Monte Carlo distribution (triangular
draws between a low, a central and a high value) with a 95% interval, and a sensitivity
table shows how far each parameter alone moves the central estimate. The values, their
ranges and their sources are in ``docs/methods/quantum.md``; every output repeats them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from fortress.model.lines import DayActivity, Grams, Quantum, QuantumParamsUsed, Sensitivity


@dataclass(frozen=True, slots=True)
class Range:
    """A parameter as (low, central, high); drawn from a triangular distribution."""

    low: float
    central: float
    high: float
    source: str

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` triangular draws."""
        if self.low == self.high:
            return np.full(n, self.central)
        return rng.triangular(self.low, self.central, self.high, size=n)


@dataclass(frozen=True, slots=True)
class QuantumParams:
    """Illustrative defaults for heroin and crack sold in £10 deals; an expert witness
    replaces them with the figures they will defend (``fortress lines quantum --daily-use
    LOW,CENTRAL,HIGH`` and the like)."""

    crown_daily_use_g: Range = field(
        default_factory=lambda: Range(
            0.25,
            0.5,
            1.0,
            "mean daily use of a dependent user: Parker 1987 and ISDD via IDMU "
            "(0.25-0.5 g), RUSI SHOC 2020 (0.2 g); high value assumed",
        )
    )
    deals_per_transaction: Range = field(
        default_factory=lambda: Range(
            1.0, 1.5, 3.0, "deals per order: IDMU (single units, or two or more); high assumed"
        )
    )
    grams_per_deal: Range = field(
        default_factory=lambda: Range(
            0.08,
            0.1,
            0.2,
            "weight of a street deal: RUSI SHOC 2020 (£10 bag 0.1 g), IDMU (0.1-0.2 g)",
        )
    )
    draws: int = 10_000
    seed: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters, repeated in every output."""
        return asdict(self)


def parse_range(text: str, source: str) -> Range:
    """``"LOW,CENTRAL,HIGH"`` (grams or counts) as a :class:`Range`; ValueError if not."""
    try:
        low, central, high = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"{text!r} is not LOW,CENTRAL,HIGH (three numbers)") from None
    if not 0 <= low <= central <= high:
        raise ValueError(f"{text!r}: need 0 <= LOW <= CENTRAL <= HIGH")
    return Range(low, central, high, source)


def estimate(days: list[DayActivity], params: QuantumParams | None = None) -> Quantum:
    """Both estimates over ``days`` (rows of ``fortress.comms.activity``)."""
    params = params or QuantumParams()
    base_days = sum(d.base for d in days)
    transactions = sum(d.confirmed for d in days)
    rng = np.random.default_rng(params.seed)
    use = params.crown_daily_use_g.draw(rng, params.draws)
    deals = params.deals_per_transaction.draw(rng, params.draws)
    grams = params.grams_per_deal.draw(rng, params.draws)
    crown = base_days * use
    defence = transactions * deals * grams
    return Quantum(
        days=len(days),
        first_day=days[0].day if days else None,
        last_day=days[-1].day if days else None,
        customer_days=base_days,
        confirmed_transactions=transactions,
        crown_g=_summary(crown, base_days * params.crown_daily_use_g.central),
        defence_g=_summary(
            defence,
            transactions * params.deals_per_transaction.central * params.grams_per_deal.central,
        ),
        sensitivity=_sensitivity(base_days, transactions, params),
        params=QuantumParamsUsed.model_validate(params.to_dict()),
    )


def _summary(draws: np.ndarray, central: float) -> Grams:
    low, median, high = np.percentile(draws, [2.5, 50, 97.5])
    return Grams(
        central=round(float(central), 2),
        median=round(float(median), 2),
        low_95=round(float(low), 2),
        high_95=round(float(high), 2),
    )


def _sensitivity(base_days: int, transactions: int, params: QuantumParams) -> list[Sensitivity]:
    """Each parameter at its low and high with the others central."""
    use, deals, grams = (
        params.crown_daily_use_g,
        params.deals_per_transaction,
        params.grams_per_deal,
    )
    rows: list[tuple[Literal["crown", "defence"], str, Range, float]] = [
        ("crown", "crown_daily_use_g", use, base_days),
        ("defence", "deals_per_transaction", deals, transactions * grams.central),
        ("defence", "grams_per_deal", grams, transactions * deals.central),
    ]
    return [
        Sensitivity(
            method=method,
            parameter=name,
            at_low_g=round(factor * r.low, 2),
            central_g=round(factor * r.central, 2),
            at_high_g=round(factor * r.high, 2),
        )
        for method, name, r, factor in rows
    ]
