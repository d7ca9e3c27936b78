"""Merging forces' lines into brands: a shared number or handset joins two lines, the join
is transitive, and lines that share nothing stay apart. Numbers are in the drama range."""

from __future__ import annotations

from fortress.sharing.regional import Contribution, _groups, _merge


def part(force: str, line: str, numbers: list[str], handsets: tuple[str, ...] = ()) -> Contribution:
    return Contribution(
        force=force, own=force == "Hampshire", line_id=line, numbers=numbers,
        handsets=list(handsets), first_seen=None, last_seen=None, grade=None,
        handling_conditions=None, marking=None, bundle_id=None,
    )  # fmt: skip


def brands(parts: list[Contribution]) -> list[list[tuple[str, str]]]:
    return sorted(sorted((p.force, p.line_id) for p in group) for group in _groups(parts))


def test_a_shared_number_or_handset_joins_lines_and_the_join_is_transitive() -> None:
    parts = [
        part("Hampshire", "h1", ["+447700900001", "+447700900002"]),
        part("Sussex", "s1", ["+447700900002"]),  # a successor Hampshire also saw
        part("Kent", "k1", ["+447700900003"], ("35209900176148",)),
        part("Sussex", "s2", ["+447700900004"], ("35209900176148",)),  # the same handset
        part("Surrey", "y1", ["+447700900003"]),  # joins Kent's line, so Sussex's s2 too
        part("Dorset", "d1", ["+447700900005"]),  # shares nothing
    ]
    assert brands(parts) == [
        [("Dorset", "d1")],
        [("Hampshire", "h1"), ("Sussex", "s1")],
        [("Kent", "k1"), ("Surrey", "y1"), ("Sussex", "s2")],
    ]


def test_a_brand_says_what_joins_it_and_lists_this_force_first() -> None:
    group = [
        part("Sussex", "s1", ["+447700900002"], ("35209900176148",)),
        part("Hampshire", "h1", ["+447700900001", "+447700900002"], ("35209900176148",)),
    ]
    merged = _merge(group)
    assert merged.forces == ["Hampshire", "Sussex"]
    assert merged.joined_by == ["handset 35209900176148", "number +447700900002"]
    assert merged.numbers == ["+447700900001", "+447700900002"]
