"""What is known about one number (``fortress.comms.numbers.summarise_number``)."""

from __future__ import annotations

from typing import Literal

from fortress.model.lines import Frozen, Sighting, SilentNumber

Role = Literal["line number", "controller", "runner", "customer"]


class Traffic(Frozen):
    """A number's calls and messages, made and received (``contacts`` rows: each event
    counted at the number's end)."""

    events: int
    calls_made: int
    calls_received: int
    messages_made: int
    messages_received: int
    first_utc: str | None
    last_utc: str | None
    active_days: int
    """UTC days with at least one event."""
    contacts: int
    """Distinct other parties."""


class TopContact(Frozen):
    """One of the number's busiest contacts."""

    number: str
    events: int
    made: int
    """Events this number made to the contact (the rest it received)."""
    first_utc: str
    last_utc: str


class LineRole(Frozen):
    """A part the number plays in a line of the latest detection run."""

    line_id: str
    role: Role


class ContactTimes(Frozen):
    """When the number was in contact with another (for a timeline), at most ``cap``
    events, the earliest first; ``events`` is the whole count."""

    other: str
    made_utc: list[str]
    received_utc: list[str]
    events: int


class NumberSummary(Frozen):
    """Everything the comms data and the latest detection run say about one number."""

    number: str
    traffic: Traffic
    top_contacts: list[TopContact]
    handsets: list[Sighting]
    roles: list[LineRole]
    run_id: str | None
    """The detection run the roles come from (None: no run yet)."""
    successors_sought: bool
    """Whether successors were looked for (a pass over every number's contacts)."""
    successors: SilentNumber | None
    """Candidate successors, if they were looked for and the number fell silent."""
    timeline: list[ContactTimes]
