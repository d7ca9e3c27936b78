"""The deal-line table keeps each reason whole: only the number prefix a line of several
numbers puts before its strongest number's evidence is taken off."""

from __future__ import annotations

from fortress.cli.render import console
from fortress.cli.render_lines import render_lines
from fortress.model.lines import EvidenceItem, LineSummary

ORDERS = (
    "125 of its 134 incoming calls and messages (93%) came from 20 of the 22 numbers it texts "
    "in bulk, 15 of them on two days or more: 2.65 orders per customer a week."
)


def summary(numbers: list[str], text: str) -> LineSummary:
    """A line whose one headline reason is ``text``."""
    return LineSummary(
        line_id="line-0123456789",
        is_line=True,
        numbers=numbers,
        score=0.9,
        first_seen_utc="2025-01-06T00:00:00",
        last_seen_utc="2025-02-02T00:00:00",
        evidence=[EvidenceItem(kind="orders_from_base", text=text)],
    )


def printed(line: LineSummary) -> str:
    with console.capture() as captured:
        render_lines([line])
    return " ".join(captured.get().split())


def test_a_reason_with_a_colon_is_kept_whole() -> None:
    assert "125 of its 134 incoming" in printed(summary(["+447700900001"], ORDERS))


def test_the_number_prefix_of_a_brand_is_taken_off() -> None:
    numbers = ["+447700900001", "+447700900002"]
    shown = printed(summary(numbers, f"+447700900002: {ORDERS}"))
    assert "125 of its 134 incoming" in shown and "+447700900002: 125" not in shown
