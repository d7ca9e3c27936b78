"""The count model the evaluation and the drug-market association share: monthly counts per
area, quasi-Poisson (Poisson with standard errors scaled by the Pearson dispersion), with
an effect for each area and each month, and one more regressor whose effect is wanted."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy.stats import norm

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Effect:
    """The regressor's coefficient b, as a factor exp(b) with a 95% Wald interval and the
    two-sided Wald p-value of b = 0 (the same z, so p < 0.05 exactly when the interval
    excludes 1)."""

    factor: float
    low: float
    high: float
    p_value: float


def regressor_effect(rows: list[tuple[str, str, float, float]]) -> Effect | None:
    """Fit rows of (area, month, count, regressor); the regressor's effect, or None when it
    cannot be told apart from the area and month effects (the design is rank-deficient) or
    the fit gives no finite estimate (every count zero, say)."""
    areas = sorted({r[0] for r in rows})
    months = sorted({r[1] for r in rows})
    x = np.zeros((len(rows), len(areas) + len(months) - 1 + 1))
    for i, (area, month, _, value) in enumerate(rows):
        x[i, areas.index(area)] = 1.0
        if months.index(month):
            x[i, len(areas) + months.index(month) - 1] = 1.0
        x[i, -1] = value
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return None
    y = np.array([r[2] for r in rows], dtype=float)
    if not y.any():
        return None  # no counts at all: the Poisson fit has no finite estimate
    fitted = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    b, se = float(fitted.params[-1]), float(fitted.bse[-1])
    if not (math.isfinite(b) and math.isfinite(se)) or se <= 0 or abs(b) + Z95 * se > 700:
        return None
    p = float(2 * norm.sf(abs(b) / se))
    return Effect(math.exp(b), math.exp(b - Z95 * se), math.exp(b + Z95 * se), p)
