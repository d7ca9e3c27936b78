"""The results of deal-line detection: scored numbers and the lines they form."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fortress.comms.events import Neighbourhood, Span
from fortress.comms.params import DetectionParams
from fortress.model.findings import Evidence


@dataclass(slots=True)
class NumberFinding:
    """The score of one number that sent waves, and everything behind it."""

    number: str
    score: float
    is_line: bool
    components: dict[str, float]
    evidence: list[Evidence]
    figures: dict[str, Any]
    customers: list[str] = field(default_factory=list)
    runners: list[dict[str, Any]] = field(default_factory=list)
    handsets: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first_utc(self) -> datetime:
        """When the number was first seen."""
        value: datetime = self.figures["first_utc"]
        return value


@dataclass(slots=True)
class DealLine:
    """A brand: one or more numbers (oldest first) found to be one deal line."""

    line_id: str
    numbers: list[NumberFinding]
    score: float
    evidence: list[Evidence]


@dataclass(slots=True)
class Detection:
    """Everything one detection run found."""

    params: DetectionParams
    span: Span | None
    scored: list[NumberFinding]
    lines: list[DealLine]
    nearby: Neighbourhood | None = field(default=None, repr=False, compare=False)
    """The contacts fetched during detection, kept for finding the lines' people."""


@dataclass(slots=True)
class Gathered:
    """Per-number extras from the event queries (beyond the wave summary)."""

    runners: dict[str, list[dict[str, Any]]]
    handsets: dict[str, list[dict[str, Any]]]
    sites: dict[str, list[dict[str, Any]]]
    customer_areas: dict[str, Counter[str]]
    member_contacts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per number: its customers' contacts with each other, and all their contacts (other
    than numbers that send waves), summed over the customers."""
    residents: Counter[str] = field(default_factory=Counter)
    """Per area: the numbers whose located events are mostly there."""
