"""Calendar and daily rhythms of a synthetic world.

Times are generated as seconds since local (Europe/London) midnight of a day and turned into
UTC by adding that midnight's UTC instant, so rhythms follow the local clock across BST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from fortress.model.calendar import is_school_day

LONDON: Final = ZoneInfo("Europe/London")
DAY_S: Final = 86_400
HOUR_S: Final = 3_600

# Relative activity by local hour: quiet 01-06h, build-up through the day, evening peak.
WEEKDAY_HOURS: Final = (
    0.9, 0.4, 0.2, 0.12, 0.12, 0.3, 1.0, 2.6, 4.2, 5.0, 5.4, 5.6,
    6.0, 5.8, 5.2, 5.4, 6.0, 7.0, 7.6, 7.6, 7.2, 6.2, 4.2, 2.2,
)  # fmt: skip
WEEKEND_HOURS: Final = (
    1.6, 1.0, 0.6, 0.3, 0.15, 0.15, 0.3, 0.8, 1.8, 3.2, 4.6, 5.6,
    6.2, 6.2, 6.0, 6.0, 6.2, 6.8, 7.2, 7.4, 7.2, 6.6, 5.0, 3.0,
)  # fmt: skip
# Relative volume by weekday (Monday first).
WEEKDAY_VOLUME: Final = (1.0, 1.0, 1.0, 1.02, 1.12, 0.95, 0.82)


@dataclass(frozen=True)
class Calendar:
    """The days of a world: local midnights in UTC epoch seconds, weekdays, school days."""

    start: date
    days: int
    midnight_utc: npt.NDArray[np.int64]
    weekday: npt.NDArray[np.int64]
    school_day: npt.NDArray[np.bool_]

    @property
    def end(self) -> date:
        """The last day of the world (inclusive)."""
        return self.start + timedelta(days=self.days - 1)

    @property
    def end_utc(self) -> int:
        """UTC epoch seconds of local midnight after the last day (events stop before it)."""
        return int(self.midnight_utc[self.days])

    def day(self, index: int) -> date:
        """The calendar date of day ``index``."""
        return self.start + timedelta(days=index)

    def volume(self, index: int) -> float:
        """Relative traffic volume of day ``index``."""
        return WEEKDAY_VOLUME[int(self.weekday[index])]

    def weekend(self, index: int) -> bool:
        """Whether day ``index`` is a Saturday or Sunday."""
        return int(self.weekday[index]) >= 5


def build_calendar(start: date, days: int) -> Calendar:
    """Build the calendar of ``days`` days from ``start``."""
    dates = [start + timedelta(days=d) for d in range(days + 1)]
    midnights = [
        int(datetime(d.year, d.month, d.day, tzinfo=LONDON).astimezone(UTC).timestamp())
        for d in dates
    ]
    return Calendar(
        start=start,
        days=days,
        midnight_utc=np.array(midnights, dtype=np.int64),
        weekday=np.array([d.weekday() for d in dates[:-1]], dtype=np.int64),
        school_day=np.array([is_school_day(d) for d in dates[:-1]], dtype=np.bool_),
    )


def hour_weights(hours: tuple[float, ...]) -> npt.NDArray[np.float64]:
    """Normalise 24 relative hourly weights into a cumulative distribution."""
    weights = np.array(hours, dtype=np.float64)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    return cumulative


WEEKDAY_CDF: Final = hour_weights(WEEKDAY_HOURS)
WEEKEND_CDF: Final = hour_weights(WEEKEND_HOURS)


def sample_seconds(
    rng: np.random.Generator, count: int, cdf: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """Draw ``count`` seconds after local midnight from an hourly cumulative distribution."""
    hours = np.searchsorted(cdf, rng.random(count), side="right").astype(np.int64)
    return hours * HOUR_S + rng.integers(HOUR_S, size=count)


def window_seconds(
    rng: np.random.Generator, count: int, start_h: float, end_h: float
) -> npt.NDArray[np.int64]:
    """Draw ``count`` seconds after local midnight uniformly in [start_h, end_h) hours."""
    low, high = int(start_h * HOUR_S), int(end_h * HOUR_S)
    return rng.integers(low, high, size=count).astype(np.int64)
