"""The ground-truth file of a world: what an analysis of its comms files should find."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from fortress.simulate import bulk, lines
from fortress.simulate.numbers import (
    IMSI_PLMN,
    LANDLINE_DRAMA_FIRSTS,
    MOBILE_DRAMA_FIRST,
    TAC_PREFIX,
)
from fortress.simulate.world import Tally, World

TRUTH_FILE: Final = "ground_truth.json"
TRUTH_VERSION: Final = 1


def number_scheme() -> dict[str, Any]:
    """A description of the synthetic identifier scheme, for the truth file."""
    return {
        "mobile_drama_range": [f"+{MOBILE_DRAMA_FIRST}", f"+{MOBILE_DRAMA_FIRST + 999}"],
        "mobile_overflow": "+444 followed by 9 digits (UK 04 range, never allocated)",
        "landline_drama_ranges": [[f"+{f}", f"+{f + 999}"] for f in LANDLINE_DRAMA_FIRSTS],
        "imei": f"15 digits, TAC starting {TAC_PREFIX!r}, Luhn check digit",
        "imsi": f"{IMSI_PLMN} (MCC 001, MNC 01 test network) followed by 10 digits",
    }


def population_summary(world: World) -> dict[str, Any]:
    """Counts describing the ordinary population."""
    pop = world.pop
    names = world.cells.area_names
    return {
        "people": pop.size,
        "people_by_area": {names[a]: int(pop.area_count[a]) for a in range(len(names))},
        "handset_changes": int((pop.handset_second >= 0).sum()),
        "contact_list_entries": len(pop.contacts),
        "cells": len(world.cells.cell_ids),
    }


def build_truth(
    world: World, scale: str | int, tally: Tally, files: list[Path], out_dir: Path
) -> dict[str, Any]:
    """Assemble the ground-truth document."""
    line_records, cuckoos = lines.truth(
        world.lines, world.cal, world.numbers, world.imeis, world.cells
    )
    return {
        "version": TRUTH_VERSION,
        "seed": world.seed,
        "scale": scale,
        "variant": world.variant.name,
        "target_events": world.sizing.target,
        "date_range": {"from": world.cal.start.isoformat(), "to": world.cal.end.isoformat()},
        "timezone": "Europe/London",
        "events": {
            "total": tally.total,
            "deal_lines": tally.lines,
            "bulk_senders": tally.bulk,
            "population": tally.population,
        },
        "files": [p.relative_to(out_dir).as_posix() for p in files],
        "number_scheme": number_scheme(),
        "lines": line_records,
        "cuckooed_addresses": cuckoos,
        "bulk_senders": bulk.truth(world.senders, world.numbers, world.cells.area_names),
        "population": population_summary(world),
    }


def write_truth(out_dir: Path, document: dict[str, Any]) -> Path:
    """Write ``ground_truth.json`` (stable key order, UTF-8, trailing newline)."""
    path = out_dir / TRUTH_FILE
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
