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
        customer_count=22,
        evidence=[EvidenceItem(kind="orders_from_base", text=text)],
    )


def printed(line: LineSummary) -> str:
    """The table's text with cell borders taken out, so a reason wrapped over several rows
    of a narrow terminal reads whole."""
    with console.capture() as captured:
        render_lines([line])
    return " ".join(captured.get().replace("│", " ").split())


def test_a_reason_with_a_colon_is_kept_whole() -> None:
    assert "125 of its 134 incoming" in printed(summary(["+447700900001"], ORDERS))


def test_the_number_prefix_of_a_brand_is_taken_off() -> None:
    numbers = ["+447700900001", "+447700900002"]
    shown = printed(summary(numbers, f"+447700900002: {ORDERS}"))
    assert "125 of its 134 incoming" in shown and "+447700900002: 125" not in shown


def test_a_number_over_the_threshold_that_does_not_trade_says_why_it_is_no_line() -> None:
    refusal = (
        "It scores 0.62, at or over the threshold of 0.54, but followed up 33% of the "
        "contacts from its list within 10 minutes, under the 70% a line reaches by answering "
        "or dispatching each order: broadcasting alone is what clubs and newsletters do too, "
        "so it is not reported as a line."
    )
    row = summary(["+447700900001"], ORDERS).model_copy(
        update={
            "line_id": None,
            "is_line": False,
            "score": 0.62,
            "evidence": [
                EvidenceItem(kind="orders_from_base", text=ORDERS),
                EvidenceItem(kind="not_trading", text=refusal),
            ],
        }
    )
    shown = printed(row)
    assert "not a line" in shown and "0.62" in shown
    assert shown.index("followed up 33% of the contacts") < shown.index("125 of its 134")
