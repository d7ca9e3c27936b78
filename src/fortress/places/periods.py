"""Periods of whole months, as the place commands take them (``2025-01..2025-06``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Period:
    """Months FROM..TO inclusive (YYYY-MM)."""

    first: str
    last: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2025-01..2025-06`` (or one month)."""
        first, _, last = text.partition("..")
        last = last or first
        for month in (first, last):
            if not _is_month(month):
                raise ValueError(f"{text!r} is not a period of months: write YYYY-MM..YYYY-MM")
        if last < first:
            raise ValueError(f"{text!r} ends before it starts")
        return cls(first, last)

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


def _is_month(text: str) -> bool:
    year, _, month = text.partition("-")
    return len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12
