"""Deal-line detection: score every number that sends marketing waves, with evidence.

The method (``docs/methods/deal-lines.md``): numbers that send bulk "waves" of messages on
at least ``min_wave_days`` days are candidates; each gets seven behaviour components in 0-1
(regular bulk, all week, late hours, orders from its base, follow-ups, a base shared with
another line, a phone away from its customers), weighted into a score, over its live
period (up to its last contact made or answered). Orders and follow-ups are discounted when
the customers know each other (a group's organiser, not a line). Fixed landlines are never
lines. Numbers at or above ``threshold`` that follow up nearly every order
(``follow_ups_min``: broadcasting is not trading) are deal lines; the numbers of one brand (a
successor texting the same base, often from the same handset) are grouped into one line,
which a number under the threshold may join but never start.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fortress.comms import continuity, scoring
from fortress.comms import features as f
from fortress.comms import waves as wv
from fortress.comms.events import (
    ContactSource,
    Neighbourhood,
    Span,
    small_table,
    span,
    with_local_time,
)
from fortress.comms.judgements import Judgements
from fortress.comms.params import DetectionParams
from fortress.comms.results import Detection, Gathered, NumberFinding
from fortress.comms.stages import StageClock
from fortress.comms.tallies import CELL_USE, PAIRS, TallySource
from fortress.model import columns as c


class BurstStep(Protocol):
    """The wave step: ``local`` (every event, with the local clock of ``when``) to the
    messages of the senders that could send waves, numbered into bursts, executed."""

    def __call__(self, local: ir.Table, when: Span, params: DetectionParams) -> ir.Table: ...


def every_burst(local: ir.Table, when: Span, params: DetectionParams) -> ir.Table:
    """The wave step computed over every event (``waves.sent_in_bursts``)."""
    return wv.sent_in_bursts(local, params).messages.cache()


def detect_lines(
    events: ir.Table,
    cells: ir.Table | None,
    params: DetectionParams | None = None,
    judgements: Judgements | None = None,
    clock: StageClock | None = None,
    bursts: BurstStep = every_burst,
    tallies: TallySource | None = None,
    kept_contacts: ContactSource | None = None,
) -> Detection:
    """Score every number in ``events`` that sends marketing waves; group the lines,
    respecting analysts' judgements of successor links. ``clock`` (if given) is charged
    the stages ``waves``, ``scoring`` and ``neighbourhoods``; ``bursts`` makes the wave
    step (a kept one: ``comms.increments.KeptWaveStep``), ``tallies`` the tallies over
    every event (kept ones: ``comms.tallies.KeptTallies``; by default computed), and
    ``kept_contacts`` the numbers' contacts (``comms.kept_contacts.KeptContacts``; by
    default fetched from ``events``)."""
    params = params or DetectionParams()
    clock = clock or StageClock()
    with clock.stage("waves"):
        when = span(events)
        if when is None:
            return Detection(params, None, [], [])
        local = with_local_time(events, when)
        busy = bursts(local, when, params)
        all_waves = wv.waves(busy, params).cache()
        summary = _rows(wv.wave_summary(all_waves).filter(ibis._.wave_days >= params.min_wave_days))
        if not summary:
            return Detection(params, when, [], [])
        figures = {row["number"]: dict(row) for row in summary}
        candidates = small_table(events, {"number": list(figures)})
        sent = busy.semi_join(candidates, "number").cache()
        wave_rows = all_waves.semi_join(candidates, "number").cache()
        base_rows = _rows(wv.wave_recipients(sent, wave_rows, params))
    with clock.stage("scoring"):
        base = small_table(
            events,
            {
                "number": [r["number"] for r in base_rows],
                "recipient": [r["recipient"] for r in base_rows],
            },
        )
        bases: dict[str, set[str]] = defaultdict(set)
        for row in base_rows:
            bases[row["number"]].add(row["recipient"])
        nearby = Neighbourhood(local, clock, tallies, kept_contacts)
        gathered = _gather(nearby, sent, wave_rows, base, cells, params, figures)
        contacts_rows = _rows(f.member_contacts(nearby.tally(PAIRS), base))
        gathered.member_contacts = _within_bases(bases, contacts_rows, set(figures))
        scored = _score_all(figures, bases, gathered, params)
        mobiles = [s for s in scored if s.figures["service"] != "fixed"]
        lines = continuity.group(mobiles, bases, judgements)
    return Detection(params, when, scored, lines, nearby)


def _gather(
    nearby: Neighbourhood,
    sent: ir.Table,
    wave_rows: ir.Table,
    base: ir.Table,
    cells: ir.Table | None,
    params: DetectionParams,
    figures: dict[str, dict[str, Any]],
) -> Gathered:
    """Run the feature queries for the candidates and fold their figures into ``figures``."""
    wave_ids = sent.join(wave_rows.select("number", wv.BURST), ["number", wv.BURST]).select(
        c.EVENT_ID
    )
    alive = f.while_live(nearby.contacts_of(figures), wave_ids).cache()
    wave_messages = sent.semi_join(wave_rows, ["number", wv.BURST])
    answers = f.prompted(alive, wave_messages, params)
    mine = alive.mutate(**{f.PROMPTED: alive[c.EVENT_ID].isin(answers[c.EVENT_ID])}).cache()
    replies = mine.filter(mine.outgoing & ~mine[f.IN_WAVE])
    order_rows = f.orders(mine, base)
    followed = f.follow_ups(order_rows, replies, params).cache()
    for rows in (
        _rows(f.activity(mine, params)),
        _rows(f.order_summary(order_rows, followed)),
    ):
        for row in rows:
            figures[row["number"]].update(row)
    gathered = Gathered(
        runners=_by_number(_rows(f.dispatches(followed, base)), "number"),
        handsets=_by_number(_rows(f.handsets(mine)), "number"),
        sites={},
        customer_areas={},
    )
    if cells is not None:
        gathered.sites = _by_number(_rows(f.located(mine, cells)), "number")
        everyone = f.areas_of(nearby.tally(CELL_USE), cells).cache()
        recipients = base.select(number=base.recipient).distinct()
        for row in _rows(everyone.semi_join(recipients, "number")):
            tally = gathered.customer_areas.setdefault(row["number"], Counter())
            tally[row["area"]] += row["events"]
        for row in _rows(f.residents(everyone)):
            gathered.residents[row["area"]] = row["residents"]
    return gathered


def _within_bases(
    bases: dict[str, set[str]], rows: list[dict[str, Any]], senders: set[str]
) -> dict[str, tuple[int, int]]:
    """Per number: (contacts its customers have with each other, all their contacts),
    leaving out contacts with numbers that send waves."""
    contacts: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["other"] not in senders:
            contacts[row["number"]].add(row["other"])
    return {
        number: (
            sum(len(contacts[m] & members) for m in members),
            sum(len(contacts[m]) for m in members),
        )
        for number, members in bases.items()
    }


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    table: pa.Table = expr.to_pyarrow()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def _by_number(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.pop(key)].append(row)
    return grouped


def _score_all(
    figures: dict[str, dict[str, Any]],
    bases: dict[str, set[str]],
    gathered: Gathered,
    params: DetectionParams,
) -> list[NumberFinding]:
    """Score each candidate; the shared-base component needs every other's first score."""
    findings = {
        number: scoring.score_number(number, figs, bases[number], gathered, params)
        for number, figs in figures.items()
    }
    likely = {n for n, found in findings.items() if scoring.could_be_line(found, params)}
    for found in findings.values():
        scoring.add_shared_base(found, bases, likely, params)
    ordered = sorted(findings.values(), key=lambda x: (-x.score, x.number))
    for found in ordered:
        found.customers = sorted(bases[found.number])
        found.runners = sorted(
            (
                row
                for row in gathered.runners.get(found.number, [])
                if row["dispatches"] >= params.runner_min_dispatches
                and row["target"] not in figures  # a number sending waves is no runner
            ),
            key=lambda row: (-int(row["dispatches"]), row["target"]),
        )
        found.handsets = sorted(
            gathered.handsets.get(found.number, []), key=lambda h: (h["first_utc"], h["imei"])
        )
        found.sites = sorted(
            gathered.sites.get(found.number, []), key=lambda s: (-int(s["events"]), s["cell"])
        )
        scoring.decide(found, params)
    return ordered
