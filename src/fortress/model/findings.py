"""Findings and their evidence (DESIGN.md, "Findings"): no score is ever bare."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Figure = int | float | str | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason behind a finding: a kind, a plain-English sentence, the figures it rests
    on and example events (ids) an analyst can open to check it."""

    kind: str
    text: str
    figures: dict[str, Figure] = field(default_factory=dict)
    events: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "text": self.text,
            "figures": self.figures,
            "events": list(self.events),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=str(data["kind"]),
            text=str(data["text"]),
            figures=dict(data.get("figures", {})),
            events=tuple(data.get("events", ())),
        )


JUDGEMENTS = ("confirmed", "rejected", "unsure")
"""What an analyst may say of a finding."""
