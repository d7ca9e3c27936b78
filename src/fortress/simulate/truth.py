"""The ground-truth file of a world: what an analysis of its comms files should find.

Version 2 adds the world's behaviour ``profile``; per line its ``kind`` (exported or
internal), how it takes orders (``orders_by``), how it sends its marketing waves
(``bulk_sending``) and its walk-in buyers; per change of a line's number whether the SIM went
into the same handset, the overlap, how long stragglers kept ringing the dead number and when
the old number last originated anything; every number each controller and runner used; and
``phone_switches``, the number changes of people who are not lines. Figures that depend on
what happened (``unanswered_days``, ``old_number_last_originated``) are read from the events
as they were generated, so they match the comms files exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import numpy as np

from fortress.simulate import bulk
from fortress.simulate.clock import DAY_S, Calendar
from fortress.simulate.lines import (
    HUB_AREA,
    Actor,
    Cuckoo,
    Line,
    LineSim,
    LineWatch,
    Runner,
    ws_utc,
)
from fortress.simulate.numbers import (
    IMSI_PLMN,
    LANDLINE_DRAMA_FIRSTS,
    MOBILE_DRAMA_FIRST,
    TAC_PREFIX,
)
from fortress.simulate.places import CellPlan
from fortress.simulate.switching import CLASSIC_SWITCH, PersonSwitches
from fortress.simulate.world import Tally, World

TRUTH_FILE: Final = "ground_truth.json"
TRUTH_VERSION: Final = 2
ROLE_CONTROLLER: Final = "controller"
ROLE_RUNNER: Final = "runner"
ROLE_PERSON: Final = "person"


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
    watch = tally.watch if tally.watch is not None else LineWatch.create(world.lines, world.cal)
    book = _Book(world.cal, world.numbers, world.imeis, world.cells, watch, world.switches)
    line_records, cuckoos = line_truth(world.lines, book)
    return {
        "version": TRUTH_VERSION,
        "seed": world.seed,
        "scale": scale,
        "variant": world.variant.name,
        "profile": world.profile.to_dict(),
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
        "phone_switches": phone_switches(world.lines, book),
        "population": population_summary(world),
    }


def write_truth(out_dir: Path, document: dict[str, Any]) -> Path:
    """Write ``ground_truth.json`` (stable key order, UTF-8, trailing newline)."""
    path = out_dir / TRUTH_FILE
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


class _Book:
    """What the truth records need to name things: directories, calendar, observations."""

    def __init__(
        self,
        cal: Calendar,
        numbers: list[str],
        imeis: list[str],
        cells: CellPlan,
        watch: LineWatch,
        switches: PersonSwitches,
    ) -> None:
        self.cal = cal
        self.numbers = numbers
        self.imeis = imeis
        self.cells = cells
        self.watch = watch
        self.switches = switches
        self.later = {int(p): int(n) for p, n in zip(switches.person, switches.phone, strict=True)}

    def person_numbers(self, person: int) -> list[str]:
        """A person's number, then the one they changed to (if they did)."""
        later = self.later.get(person)
        first = self.numbers[person]
        return [first] if later is None else [first, self.numbers[later]]

    def local_day(self, epoch: int) -> int:
        """The local day index of a UTC instant."""
        return int(np.searchsorted(self.cal.midnight_utc, epoch, side="right")) - 1


# --- deal lines ------------------------------------------------------------------------


def line_truth(lines: list[Line], book: _Book) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ground-truth records of every line and every cuckooed address."""
    owners: dict[int, list[str]] = {}
    for line in lines:
        for person in line.customers:
            owners.setdefault(int(person), []).append(line.line_id)
    line_records = [_line_record(line, book, owners) for line in lines]
    cuckoos = [_cuckoo_record(line, line.cuckoo, book) for line in lines if line.cuckoo is not None]
    return line_records, cuckoos


def person_id(phone: int) -> str:
    """Stable identifier of the person who owns phone ``phone`` (their first phone)."""
    return f"person-{phone:06d}"


def _sim_last_day(sim: LineSim, cal: Calendar) -> int:
    return min(cal.days - 1, sim.silent_ws // DAY_S)


def _line_record(line: Line, book: _Book, owners: dict[int, list[str]]) -> dict[str, Any]:
    cal, numbers, cells = book.cal, book.numbers, book.cells
    history = [
        {
            "number": numbers[s.phone],
            "from": cal.day(s.start_ws // DAY_S).isoformat(),
            "to": cal.day(_sim_last_day(s, cal)).isoformat(),
        }
        for s in line.sims
    ]
    walk_in = line.walk_in if len(line.walk_in) else np.zeros(len(line.customers), np.bool_)
    base_area = HUB_AREA if line.habits.kind == "exported" else line.town
    return {
        "line_id": line.line_id,
        "brand": line.brand,
        "kind": line.habits.kind,
        "hub": cells.places[base_area].name,
        "town": cells.places[line.town].name,
        "held_in": line.held_in,
        "orders_by": line.habits.orders_by,
        "bulk_sending": "slow" if line.habits.slow_gap_s > 0 else "burst",
        "numbers": history,
        "handsets": _handset_records(line, book),
        "controller": {
            "number": numbers[line.controller.phone],
            "numbers": [numbers[p] for p in line.controller.phones],
            "person_id": person_id(line.controller.phone),
            "imei": book.imeis[line.controller.handset],
        },
        "runners": [_runner_record(r, book) for r in line.runners],
        "customers": [n for p in line.customers for n in book.person_numbers(int(p))],
        "shared_customers": [
            n
            for p in line.customers
            if len(owners[int(p)]) > 1
            for n in book.person_numbers(int(p))
        ],
        "walk_in_customers": [
            n
            for p, w in zip(line.customers, walk_in, strict=True)
            if w
            for n in book.person_numbers(int(p))
        ],
        "switches": _switch_records(line, book),
        "trap_cell": cells.cell_ids[line.trap_cell],
    }


def _handset_records(line: Line, book: _Book) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for sim in line.sims:
        last = _sim_last_day(sim, book.cal)
        for k, (handset, first) in enumerate(sim.handsets):
            to = sim.handsets[k + 1][1] - 1 if k + 1 < len(sim.handsets) else last
            records.append(
                {
                    "imei": book.imeis[handset],
                    "number": book.numbers[sim.phone],
                    "from": book.cal.day(first).isoformat(),
                    "to": book.cal.day(to).isoformat(),
                }
            )
    return records


def _runner_record(runner: Runner, book: _Book) -> dict[str, Any]:
    cal = book.cal
    return {
        "person_id": person_id(runner.actor.phone),
        "number": book.numbers[runner.actor.phone],
        "numbers": [book.numbers[p] for p in runner.actor.phones],
        "imei": book.imeis[runner.actor.handset],
        "is_child": runner.is_child,
        "local": runner.local,
        "home_area": book.cells.places[runner.actor.home_area].name,
        "periods_in_town": [
            {"from": cal.day(a).isoformat(), "to": cal.day(b).isoformat()}
            for a, b in runs(runner.in_town)
        ],
    }


def runs(flags: np.ndarray[Any, np.dtype[np.bool_]]) -> list[tuple[int, int]]:
    """Maximal runs of True as inclusive (first, last) index pairs."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _switch_records(line: Line, book: _Book) -> list[dict[str, Any]]:
    cal, numbers = book.cal, book.numbers
    records: list[dict[str, Any]] = []
    for k, (old, new) in enumerate(zip(line.sims, line.sims[1:], strict=False)):
        plan = line.switch_plans[k] if k < len(line.switch_plans) else CLASSIC_SWITCH
        day = new.start_ws // DAY_S
        last_call = book.watch.last(old.phone, originated=False)
        last_sent = book.watch.last(old.phone, originated=True)
        unanswered = 0 if last_call < 0 else book.local_day(last_call) - old.silent_ws // DAY_S
        records.append(
            {
                "old_number": numbers[old.phone],
                "new_number": numbers[new.phone],
                "date": cal.day(day).isoformat(),
                "announced_at": _iso_utc(ws_utc(cal, new.start_ws)),
                "old_number_silent_after": _iso_utc(ws_utc(cal, old.silent_ws)),
                "same_handset": plan.same_handset,
                "overlap_days": (old.silent_ws - new.start_ws) // DAY_S,
                "unanswered_days": unanswered,
                "old_number_last_originated": None if last_sent < 0 else _iso_utc(last_sent),
            }
        )
    return records


def _iso_utc(epoch: int) -> str:
    return np.datetime_as_string(np.datetime64(epoch, "s"), unit="s") + "Z"


def _cuckoo_record(line: Line, cuckoo: Cuckoo, book: _Book) -> dict[str, Any]:
    numbers, cal = book.numbers, book.cal
    nights = line.cuckoo_nights(cal.days)
    stayed = [
        numbers[phone]
        for r in line.runners
        if not r.local and any(r.in_town[n] for n in nights)
        for phone in r.actor.phones
    ]
    return {
        "line_id": line.line_id,
        "cell_id": book.cells.cell_ids[cuckoo.cell],
        "area": book.cells.places[line.town].name,
        "resident_number": numbers[cuckoo.resident],
        "resident_person_id": person_id(cuckoo.resident),
        "runner_numbers": stayed,
        "nights": [cal.day(n).isoformat() for n in nights],
    }


# --- number changes of people who are not lines -----------------------------------------


def phone_switches(lines: list[Line], book: _Book) -> list[dict[str, Any]]:
    """One record per change of number of a controller, runner or ordinary person, in date
    order (then by person)."""
    records: list[dict[str, Any]] = []
    for line in lines:
        records.extend(_actor_switches(line.controller, ROLE_CONTROLLER, book))
        for runner in line.runners:
            records.extend(_actor_switches(runner.actor, ROLE_RUNNER, book))
    sw = book.switches
    for k in range(len(sw)):
        person = int(sw.person[k])
        records.append(
            {
                "person_id": person_id(person),
                "role": ROLE_PERSON,
                "old_number": book.numbers[person],
                "new_number": book.numbers[int(sw.phone[k])],
                "date": book.cal.day(int(sw.day[k])).isoformat(),
                "same_handset": bool(sw.handset[k] < 0),
            }
        )
    return sorted(records, key=lambda r: (r["date"], r["person_id"]))


def _actor_switches(actor: Actor, role: str, book: _Book) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    old = actor.phone
    for rotation in actor.rotations:
        records.append(
            {
                "person_id": person_id(actor.phone),
                "role": role,
                "old_number": book.numbers[old],
                "new_number": book.numbers[rotation.phone],
                "date": book.cal.day(rotation.day).isoformat(),
                "same_handset": rotation.same_handset,
            }
        )
        old = rotation.phone
    return records
