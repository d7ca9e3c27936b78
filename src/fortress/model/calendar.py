"""A typical English school calendar: when a child would be at school.

Used by the safeguarding signals (a child runner's phone is quiet in school hours on school
days at home) and by the simulator (schools text parents in term time). Local authorities'
term dates differ by a few days; these approximations are stated in ``is_school_day``.
"""

from __future__ import annotations

from datetime import date

SCHOOL_HOURS = (9, 15)
"""Local clock hours [from, to) when pupils are in lessons (about 08:45-15:15)."""


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def is_school_day(day: date) -> bool:
    """Whether ``day`` is a term-time weekday under a typical English school calendar.

    Holidays approximated: Christmas (20 Dec-5 Jan), February half term (third full week of
    February), Easter (the week before and after Easter Sunday), May half term (last week of
    May), summer (22 Jul-2 Sep), October half term (last week of October).
    """
    if day.weekday() >= 5:
        return False
    month_day = (day.month, day.day)
    if month_day >= (12, 20) or month_day <= (1, 5):
        return False
    if (7, 22) <= month_day <= (9, 2):
        return False
    easter = easter_sunday(day.year)
    if abs((day - easter).days) <= 8:
        return False
    if day.month == 2 and 15 <= day.day <= 21:
        return False
    return not (day.month in (5, 10) and day.day >= 25)
