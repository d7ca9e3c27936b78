"""The operations ledger: operations, what they did and achieved, and their totals with a
press-ready paragraph generated only from what was recorded.

Amounts are exact: drug weights in milligrams, cash in pence (never floating point), so
that £30,240.89 recorded as several seizures adds up to the penny.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.models import Operation, OperationResult
from fortress.comms.lines import as_number
from fortress.model.values import ValueProblem, checked
from fortress.store.workspace import now_utc

KINDS: Final = {  # kind -> (what it needs beyond a count, verb, one, many)
    "arrest": ((), "made", "arrest", "arrests"),
    "warrant": ((), "executed", "warrant", "warrants"),
    "charge": ((), "charged", "person", "people"),
    "conviction": ((), "secured", "conviction", "convictions"),
    "network_dismantled": ((), "dismantled", "network", "networks"),
    "line_closed": ((), "closed", "deal line", "deal lines"),
    "drug_seizure": (("label", "grams"), "seized", "", ""),
    "cash_seizure": (("pounds",), "seized", "", ""),
    "weapon_seizure": (("label",), "seized", "weapon", "weapons"),
    "phone_seizure": ((), "seized", "phone", "phones"),
    "stop_search": (("label",), "carried out", "stop-search", "stop-searches"),
    "order": (("label",), "obtained", "order", "orders"),
    "joint_action": (
        ("label",),
        "took",
        "joint action with partners",
        "joint actions with partners",
    ),
    "person_safeguarded": ((), "safeguarded", "person", "people"),
    "referral": (("label",), "made", "referral", "referrals"),
}
"""``label``: for a stop-search its outcome, for an order its type (DDTRO, closure order,
criminal behaviour order), for a joint action the partner, for a seizure the drug or weapon
type, for a referral where to. ``imei`` and ``number`` may come with a phone seizure."""


AGE_BANDS: Final = ("under 10", "10-17", "18-24", "25-34", "over 34")
"""A stop-search's age band, in police.uk's ranges."""


class OperationProblem(ValueError):
    """A record that cannot be made as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class ResultInput:
    """One result as given (the API's body, the CLI's options)."""

    kind: str
    count: int = 1
    label: str | None = None
    grams: str | None = None
    pounds: str | None = None
    imei: str | None = None
    number: str | None = None
    age_band: str | None = None
    on: date | None = None


def create_operation(
    session: Session, name: str, starts_on: date, ends_on: date, *, actor: str
) -> Operation:
    """A new operation (audited as a collection)."""
    if not name.strip() or len(name) > 200:
        raise OperationProblem("an operation's name is 1 to 200 characters")
    if ends_on < starts_on:
        raise OperationProblem(f"the operation ends ({ends_on}) before it starts ({starts_on})")
    operation = Operation(
        name=name.strip(), starts_on=starts_on, ends_on=ends_on, created_by=actor,
        created_at=now_utc().replace(tzinfo=None),
    )  # fmt: skip
    session.add(operation)
    session.flush()
    audit.record(session, actor, "collection", "operation", [operation.id])
    return operation


def get_operation(session: Session, operation_id: int, *, actor: str) -> Operation:
    """The operation (audited as a consultation), or ``LookupError``."""
    return audit.consulted(session, Operation, operation_id, actor=actor, record_type="operation")


def record_result(
    session: Session, operation: Operation, given: ResultInput, *, actor: str
) -> OperationResult:
    """One result of ``operation``, checked (audited as a collection)."""
    if given.kind not in KINDS:
        raise OperationProblem(f"unknown kind {given.kind!r}: use one of {', '.join(KINDS)}")
    needs = KINDS[given.kind][0]
    missing = [name for name in needs if not getattr(given, name)]
    if missing:
        raise OperationProblem(f"a {given.kind} needs {', '.join(missing)}")
    wrong_band = given.kind != "stop_search" or given.age_band not in AGE_BANDS
    if given.age_band is not None and wrong_band:
        raise OperationProblem(
            f"an age band belongs to a stop-search and is one of {', '.join(AGE_BANDS)}"
        )
    if not 1 <= given.count <= 100_000:
        raise OperationProblem("count is a whole number from 1 to 100,000")
    try:  # the registry's rule, refused with its reason wherever an IMEI is typed
        imei = checked("imei", given.imei) if given.imei else None
    except ValueProblem as exc:
        raise OperationProblem(str(exc)) from exc
    on = given.on or operation.starts_on
    if not operation.starts_on <= on <= operation.ends_on:
        raise OperationProblem(
            f"{on} is outside the operation ({operation.starts_on} to {operation.ends_on})"
        )
    result = OperationResult(
        operation_id=operation.id, kind=given.kind, count=given.count,
        label=(given.label or "").strip()[:100] or None,
        milligrams=_exact(given.grams, 1000, "grams") if given.grams else None,
        pence=_exact(given.pounds, 100, "pounds") if given.pounds else None,
        imei=imei, number=as_number(given.number) if given.number else None,
        age_band=given.age_band, recorded_on=on, recorded_by=actor,
    )  # fmt: skip
    session.add(result)
    session.flush()
    audit.record(session, actor, "collection", "operation_result", [result.id])
    return result


def _exact(text: str, scale: int, unit: str) -> int:
    """``text`` (a decimal number of ``unit``) in units of 1/``scale``, refusing anything
    finer, negative or not a number."""
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation as exc:
        raise OperationProblem(f"{unit} must be a number, not {text!r}") from exc
    scaled = value * scale
    if not value.is_finite() or value <= 0 or scaled != scaled.to_integral_value():
        raise OperationProblem(
            f"{unit} must be positive with at most {len(str(scale)) - 1} decimal places: {text!r}"
        )
    return int(scaled)


class OperationBrief(BaseModel):
    """Which operation a summary is of."""

    id: int
    name: str
    starts_on: date
    ends_on: date


class OperationSummary(BaseModel):
    """An operation's totals and the paragraph for the press."""

    operation: OperationBrief
    totals: dict[str, int]
    drugs_grams: dict[str, str]
    cash: str
    records: int
    by_label: dict[str, dict[str, int]]
    paragraph: str


def summary(*, session: Session, operation: Operation, actor: str) -> OperationSummary:
    """Totals by kind, drug weights by drug, cash to the penny, counts by label within a
    kind (stop-search outcomes and age bands, order types, weapon types, partners,
    referral destinations), and the paragraph."""
    results = session.scalars(
        select(OperationResult).where(OperationResult.operation_id == operation.id)
    ).all()
    audit.record(session, actor, "consultation", "operation_result", [r.id for r in results])
    totals: dict[str, int] = defaultdict(int)
    drugs: dict[str, int] = defaultdict(int)
    pence = 0
    details: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        totals[r.kind] += r.count
        if r.label and r.kind not in ("drug_seizure", "cash_seizure"):
            details[r.kind][r.label.lower()] += r.count
        if r.age_band:
            details["stop_search_age_band"][r.age_band] += r.count
        if r.kind == "drug_seizure" and r.milligrams:
            drugs[(r.label or "unknown drug").lower()] += r.milligrams * r.count
        if r.kind == "cash_seizure" and r.pence:
            pence += r.pence * r.count
    return OperationSummary(
        operation=OperationBrief(id=operation.id, name=operation.name,
                                 starts_on=operation.starts_on, ends_on=operation.ends_on),
        totals=dict(totals),
        drugs_grams={drug: _grams(mg) for drug, mg in sorted(drugs.items())},
        cash=f"£{pence // 100:,}.{pence % 100:02d}",
        records=len(results),
        by_label={kind: dict(sorted(counts.items())) for kind, counts in sorted(details.items())},
        paragraph=_paragraph(operation, totals, drugs, pence),
    )  # fmt: skip


def _grams(milligrams: int) -> str:
    grams = Decimal(milligrams) / 1000
    return f"{grams.normalize():f}" if grams != grams.to_integral_value() else f"{int(grams):,}"


def _count(kind: str, n: int) -> str:
    one, many = KINDS[kind][2], KINDS[kind][3]
    return f"{n:,} {one if n == 1 else many}"


def _paragraph(
    operation: Operation, totals: dict[str, int], drugs: dict[str, int], pence: int
) -> str:
    """Words for the press, from the recorded results only, in the order of ``KINDS``."""
    when = f"{operation.starts_on:%-d %B} to {operation.ends_on:%-d %B %Y}"
    seized = [f"{_grams(mg)} g of {drug}" for drug, mg in sorted(drugs.items())]
    if pence:
        seized.append(f"£{pence // 100:,}.{pence % 100:02d} in cash")
    seized += [_count(k, totals[k]) for k in ("weapon_seizure", "phone_seizure") if totals.get(k)]
    clauses = []
    for kind, (_needs, verb, _one, _many) in KINDS.items():
        if kind == "drug_seizure" and seized:
            clauses.append(f"seized {_join(seized)}")
        elif verb != "seized" and totals.get(kind):
            clauses.append(f"{verb} {_count(kind, totals[kind])}")
    if not clauses:
        return f"No results have been recorded for {operation.name} ({when})."
    return f"During {operation.name} ({when}), officers {_join(clauses)}."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
