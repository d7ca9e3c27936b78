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

    def __contains__(self, month: object) -> bool:
        return isinstance(month, str) and self.first <= month <= self.last

    def months(self) -> list[str]:
        """Every month of the period, in order."""
        first = month_index(self.first)
        return [month_name(first + k) for k in range(month_index(self.last) - first + 1)]

    def shifted(self, months: int) -> Period:
        """The same span ``months`` later (earlier when negative)."""
        return Period(shift(self.first, months), shift(self.last, months))


def month_index(month: str) -> int:
    """Months since year 0 of a YYYY-MM month, for arithmetic."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_name(index: int) -> str:
    """The YYYY-MM of a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift(month: str, months: int) -> str:
    """The month ``months`` after ``month`` (before, when negative)."""
    return month_name(month_index(month) + months)


def _is_month(text: str) -> bool:
    year, _, month = text.partition("-")
    return len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12
