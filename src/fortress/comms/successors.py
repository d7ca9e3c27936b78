"""Successor numbers: when a number's relationships stop, the numbers that take them up.

Works for any number, not only deal lines. ``docs/methods/successors.md`` is the method
page; each parameter's reason is on :class:`SuccessorParams`.

* **Active contact** of a number: an event it originated, or a call to it that was
  answered. Texts it received and calls it did not answer are not: a phone that is off,
  lost or seized still receives them (customers who missed a "new number" text keep
  ringing the old one), so they say nothing of whether anyone still uses it.
* **Switch**: the day ``T`` that best splits a number's daily active contacts into a busy
  period (its first active day to ``T``) and a quiet one (``T`` to the end of the data),
  by the likelihood of two Poisson rates, where the quiet count is at most ``drop_ratio``
  of what the busy period's weekday rates lead one to expect and that few would happen by
  chance with probability at most ``drop_alpha`` (a change point: a phone that still
  makes a call or two a day later has switched all the same). Tested on all its active
  contacts and, failing that, on those with its *main contacts* (the fewest contacts that
  carry half of them): a phone kept for odd calls after its owner moved stops reaching
  the people who mattered.
* **Its people**: the numbers it was in contact with, either way, before ``T``.
* **Candidate successor**: a number whose relationships with those people (or with their
  own successors, when a group switches together) *begin* around ``T``: the lower
  quartile of its first contacts with them falls within ``window_before_days`` before and
  ``window_after_days`` after ``T``; and it is new then (the mirror of a switch: its
  active contacts before were at most ``new_ratio`` of what its rate after leads one to
  expect), so a number used a little earlier qualifies and a friend who knew the same
  people all along does not. A number that took over one of the old number's handsets in
  that window is a candidate too.

Each candidate is scored on four signals (each 0-1, each with a sentence and figures):

* ``contacts`` - F2 (recall counted twice) of the share of the old number's
  relationships the candidate took up and the share of the candidate's early
  relationships (its first ``profile_days``) that are with the old number's people; each
  relationship weighted by ``log2(1 + contacts)`` (use, with diminishing returns) times
  ``1 / log2(2 + degree)`` (exclusivity: a shared switchboard counts little, a private
  contact much);
* ``handset`` - the two numbers were used in the same handset (IMEI);
* ``place`` - cosine similarity of the two numbers' cell-site profiles;
* ``timing`` - how close the start of the candidate's relationships is to the old
  number's last active contact.

A candidate is listed when it shows identity (it took up at least ``min_identity`` of the
old number's relationships, with ``min_shared`` people, and they make up at least as much
of its own; or a shared handset) and scores at least ``min_score``. When a whole group
switches, its members' old contacts are gone too, so scoring is repeated with every
contact that itself switched standing for its successor (where the two are each other's
best match) until the matches stop changing, at most ``passes`` times; where no contact
is left at all, numbers new in the old number's main cell are kept as possible matches
for that pass (never listed on that alone). A new number matched both ways with one old
number is listed only for that one (one SIM, one phone).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import pdtr, xlogy

from fortress.comms.events import contacts, is_live
from fortress.model import columns as c
from fortress.model.findings import Evidence, Figure
from fortress.model.lines import EvidenceItem, SilentNumber, SuccessorCandidate

DAY_S = 86_400
CONTACTS_BETA = 2.0
"""The contacts signal weighs the share of the old number's relationships taken up twice
as much as the share of the candidate's own that they make (F2, the usual measure when
missing matters more than a false inclusion): a replaced phone's people should mostly
move to the new one, while the new phone also makes new contacts of its own. Precision
still rules out hubs (a new switchboard reaches everyone, and everyone else too)."""


@dataclass(frozen=True, slots=True)
class SuccessorParams:
    """When a number has switched, what counts as its successor, and how signals weigh."""

    drop_ratio: float = 0.25
    """A switch: the quiet rate is at most a quarter of the busy one. A person's phone use
    varies from day to day within about a factor of two (weekends, a day off, a busy
    day); a fall to a quarter that lasts is beyond that. Old phones that linger (a few
    calls a day after 20-50) fall far below it."""
    drop_alpha: float = 0.001
    """... and that few active contacts after the switch would happen by chance at the
    busy rate (Poisson) with probability at most 1 in 1,000. Every number is tested at
    every day, so chance drops must be rare per test; it also means a quiet spell only
    counts when enough contacts were expected in it (about 7 or more): a phone used
    twice a week is not declared switched after three quiet days."""
    min_busy_days: int = 2
    """The busy period lasts at least two days, so one busy day is not taken for a habit."""
    main_share: float = 0.5
    """Main contacts: the fewest contacts that carry half of a number's active contacts
    (its inner circle: the two or three people a person talks to most, the runners and
    the controller of a line)."""
    min_contacts: int = 3
    """A number in contact with fewer than three numbers before its switch says too
    little to match a successor on."""
    window_before_days: int = 7
    """A successor's relationships may begin up to a week before the old number's switch:
    a line announces its new number and runs both while customers move; a person may
    carry a new phone for some days first. Longer than that, it is a second phone."""
    window_after_days: int = 14
    """... and up to two weeks after: a phone lost, seized on arrest or dropped when it
    felt hot is replaced within days; two weeks allows for a gap (custody, lying low)."""
    profile_days: int = 14
    """A successor's early relationships are those it began in its first two weeks: long
    enough to see a person's weekly contacts twice, short enough that the circle has not
    turned over (a line gains new customers every week)."""
    new_ratio: float = 0.25
    """New: the candidate's rate of active contacts before its relationships with the old
    number's people began is at most a quarter of its rate after (the same factor as
    ``drop_ratio``, the other way): a SIM used a little before the switch is new, a
    phone already in steady use is not."""
    min_identity: float = 0.2
    """Identity: the candidate took up at least a fifth of the old number's relationships
    (weighted), and they make up at least a fifth of its own early ones; or the two
    shared a handset. Less, and it is someone else's phone that also deals with them (a
    takeaway, a surgery, a newcomer to the group). Place and timing corroborate identity;
    they never establish it (a town's new numbers all start near someone's switch, in the
    same cells)."""
    min_shared: int = 2
    """... with at least two of the old number's people (or their successors): with one
    in common, a successor cannot be told from a new acquaintance of that one person."""
    min_score: float = 0.3
    """Listed candidates score at least 0.3, the most that place and timing alone give
    (0.15 + 0.15 with the default weights)."""
    max_candidates: int = 5
    """At most five candidates per number: an analyst reads the list."""
    passes: int = 3
    """Group switches: contacts are matched again, with switched contacts standing for
    their successors, until the matches stop changing; three passes follow a chain of
    successors two steps deep."""
    weights: dict[str, float] = field(
        default_factory=lambda: {"contacts": 0.45, "handset": 0.25, "place": 0.15, "timing": 0.15}
    )
    """Contacts are the evidence that the same people are being served; a shared handset
    is strong but absent when the handset changes too; place and timing are weak alone."""


@dataclass(slots=True)
class _Data:
    """The aggregates the method reads, with numbers as integer ids."""

    names: list[str]
    ids: dict[str, int]
    day0: int
    """The first day of the data, as days since 1970-01-01 (UTC)."""
    end: float
    """The end of the data, in days since ``day0``."""
    active: np.ndarray
    """Numbers x days: active contacts."""
    main: np.ndarray
    """Numbers x days: active contacts with the number's main contacts."""
    cum: np.ndarray
    """Numbers x (days + 1): active contacts before each day (``cum[:, 0]`` is 0)."""
    last_active: np.ndarray
    """Numbers x days: epoch seconds of the day's last active contact (nan: none)."""
    first_seen: np.ndarray
    last_seen: np.ndarray
    by_number: _Ties
    by_other: _Ties
    degree: np.ndarray
    imeis: dict[int, dict[str, tuple[float, float]]]
    holders: dict[str, list[tuple[int, float, float]]]
    cells: _Cells

    def knows(self, number: str) -> bool:
        """Whether ``number`` is a party to any event as a subscriber."""
        k = self.ids.get(number)
        return k is not None and bool(np.isfinite(self.last_seen[k]))


@dataclass(slots=True)
class _Ties:
    """Pairs (number, other) grouped by one side: ``start[k]:start[k+1]`` are id ``k``'s."""

    start: np.ndarray
    peer: np.ndarray
    n: np.ndarray
    first_day: np.ndarray
    first_epoch: np.ndarray

    def of(self, k: int) -> slice:
        return slice(int(self.start[k]), int(self.start[k + 1]))


@dataclass(slots=True)
class _Switch:
    """One number's switch (change point)."""

    number: int
    day: int
    """The first quiet day (index from ``day0``)."""
    series: str
    """``all`` or ``main``: which of its active contacts dropped."""
    busy: float
    busy_days: int
    quiet: float
    quiet_days: float
    expected: float
    """Active contacts expected in the quiet period at the busy period's weekday rates."""
    chance: float
    last_active: float
    """Epoch seconds of its last active contact before ``day``."""
    people: np.ndarray
    weights: np.ndarray


@dataclass(slots=True)
class Candidate:
    """One scored candidate successor."""

    number: str
    score: float
    signals: dict[str, float]
    evidence: list[Evidence]
    started: float
    """Epoch seconds: when its relationships with the old number's people began."""
    listed: bool = True
    """False: kept only as a possible match for the group pass (see ``_Arrival.seed``)."""

    def result(self) -> SuccessorCandidate:
        """As a result (rounded, not yet judged)."""
        return SuccessorCandidate(
            number=self.number,
            score=round(self.score, 3),
            signals={k: round(v, 3) for k, v in self.signals.items()},
            evidence=[EvidenceItem.of(e) for e in self.evidence],
            started_utc=_iso(self.started),
        )


def find_successors(
    events: ir.Table,
    params: SuccessorParams | None = None,
    *,
    number: str | None = None,
) -> list[SilentNumber]:
    """For each number that switched (or just ``number``), its ranked candidate successors.

    Without ``number``, only switched numbers with at least one candidate are listed,
    best first; with it, that number is listed whatever was found (an empty list when it
    does not appear in ``events``).
    """
    params = params or SuccessorParams()
    data = _load(events, params)
    if data is None or (number is not None and not data.knows(number)):
        return []
    switches = _switches(data, params)
    ranked = _match(data, switches, params)
    if number is not None:
        k = data.ids[number]
        return [_result(data, k, switches.get(k), ranked.get(k, []), params)]
    results = [
        _result(data, k, switch, ranked[k], params)
        for k, switch in switches.items()
        if ranked.get(k)
    ]
    return sorted(results, key=lambda r: (-_best(r), r.number))


def _best(result: SilentNumber) -> float:
    return result.candidates[0].score if result.candidates else 0.0


# --- aggregates (Ibis) ------------------------------------------------------------------


def directed(events: ir.Table) -> ir.Table:
    """Each event from both ends: ``number``, ``other``, ``active`` (it originated the
    event or answered the call), ``epoch`` (seconds), ``day`` (since 1970), own ``cell``
    and ``imei``."""
    both = contacts(events, (c.START_UTC, c.KIND, c.DURATION_S, c.ANSWERED))
    epoch = both[c.START_UTC].epoch_seconds()
    return both.select(
        "number",
        "other",
        "cell",
        "imei",
        active=is_live(both).fill_null(False),
        epoch=epoch,
        day=epoch // DAY_S,
    )


def _aggregates(both: ir.Table, params: SuccessorParams) -> dict[str, pa.Table]:
    """Per pair, per number and day (all active contacts, and those with main contacts),
    per handset and per cell: four grouped queries, the pairs kept while the main
    contacts are chosen from them."""
    ties = both.filter(both.other.notnull() & (both.number != both.other))
    pairs = ties.group_by(["number", "other"]).aggregate(
        n=ties.count(),
        active=ties.active.cast("int64").sum(),
        first_day=ties.day.min(),
        first_epoch=ties.epoch.min(),
    )
    daily = both.group_by(["number", "day"]).aggregate(
        active=both.active.cast("int64").sum(),
        last_active=both.epoch.max(where=both.active),
        first=both.epoch.min(),
        last=both.epoch.max(),
    )
    out = {"daily": daily.to_pyarrow()}
    with pairs.cache() as kept:
        busy = kept.filter(kept.active > 0)
        ranked = busy.mutate(
            total=busy.active.sum().over(group_by="number"),
            upto=busy.active.sum().over(
                ibis.cumulative_window(group_by="number", order_by=[ibis.desc("active"), "other"])
            ),
        )
        main = ranked.filter(ranked.upto - ranked.active < ranked.total * params.main_share)
        with_main = both.filter(both.active).semi_join(main, ["number", "other"])
        out["main"] = (
            with_main.group_by(["number", "day"]).aggregate(n=with_main.count()).to_pyarrow()
        )
        out["pairs"] = kept.drop("active").to_pyarrow()
    # Cells and handsets in one grouped query: (number, "cell" or "imei", value).
    located = both.filter(both.cell.notnull()).select(
        "number", "epoch", what=ibis.literal("cell"), value=both.cell
    )
    held = both.filter(both.imei.notnull()).select(
        "number", "epoch", what=ibis.literal("imei"), value=both.imei
    )
    used = located.union(held, distinct=False)
    seen = used.group_by(["number", "what", "value"]).aggregate(
        n=used.count(), first=used.epoch.min(), last=used.epoch.max()
    )
    out["seen"] = seen.to_pyarrow()
    return out


def _load(events: ir.Table, params: SuccessorParams) -> _Data | None:
    tables = _aggregates(directed(events), params)
    daily, pairs = tables["daily"], tables["pairs"]
    if daily.num_rows == 0:
        return None
    names_array = pc.unique(
        pa.chunked_array(
            [
                *daily["number"].chunks,
                *pairs["number"].chunks,
                *pairs["other"].chunks,
            ],
            type=pa.string(),
        )
    )
    names: list[str] = names_array.to_pylist()
    ids = {name: k for k, name in enumerate(names)}

    def idx(column: pa.ChunkedArray) -> np.ndarray:
        return np.asarray(pc.index_in(column, value_set=names_array).to_numpy(), dtype=np.int64)

    days = daily["day"].to_numpy()
    day0 = int(days.min())
    width = int(days.max()) - day0 + 1
    last_epoch = float(pc.max(daily["last"]).as_py())
    end = last_epoch / DAY_S - day0
    rows, cols = idx(daily["number"]), days - day0
    active = np.zeros((len(names), width))
    main = np.zeros((len(names), width))
    last_active = np.full((len(names), width), np.nan)
    active[rows, cols] = daily["active"].to_numpy()
    mains = tables["main"]
    main[idx(mains["number"]), mains["day"].to_numpy() - day0] = mains["n"].to_numpy()
    last_active[rows, cols] = daily["last_active"].to_numpy(zero_copy_only=False)
    first_seen = np.full(len(names), np.inf)
    last_seen = np.full(len(names), -np.inf)
    np.minimum.at(first_seen, rows, daily["first"].to_numpy().astype(float))
    np.maximum.at(last_seen, rows, daily["last"].to_numpy().astype(float))

    number, other = idx(pairs["number"]), idx(pairs["other"])
    columns = {
        "n": pairs["n"].to_numpy(),
        "first_day": pairs["first_day"].to_numpy() - day0,
        "first_epoch": pairs["first_epoch"].to_numpy().astype(float),
    }
    by_number = _grouped(number, other, columns, len(names))
    by_other = _grouped(other, number, columns, len(names))
    degree = np.bincount(other, minlength=len(names))

    seen = tables["seen"]
    imeis: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
    holders: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for row in seen.filter(pc.equal(seen["what"], "imei")).to_pylist():
        k = ids[row["number"]]
        imeis[k][row["value"]] = (float(row["first"]), float(row["last"]))
        holders[row["value"]].append((k, float(row["first"]), float(row["last"])))
    cells = _cells(seen.filter(pc.equal(seen["what"], "cell")), idx, len(names))
    cum = np.hstack([np.zeros((len(names), 1)), np.cumsum(active, axis=1)])
    return _Data(
        names, ids, day0, end, active, main, cum, last_active, first_seen, last_seen,
        by_number, by_other, degree, imeis, holders, cells,
    )  # fmt: skip


def _cells(table: pa.Table, idx: Callable[[pa.ChunkedArray], np.ndarray], size: int) -> _Cells:
    """Each number's cells, most used first (ties by name), and who lives where."""
    keyed = pa.table({"k": idx(table["number"]), "n": table["n"], "cell": table["value"]})
    keyed = keyed.take(
        pc.sort_indices(
            keyed, sort_keys=[("k", "ascending"), ("n", "descending"), ("cell", "ascending")]
        )
    )
    k = keyed["k"].to_numpy()
    start = np.searchsorted(k, np.arange(size + 1))
    names = keyed["cell"].to_pylist()
    first = start[:-1][start[:-1] < start[1:]]
    homes: dict[str, list[int]] = defaultdict(list)
    for number, at in zip(k[first].tolist(), first.tolist(), strict=True):
        homes[names[at]].append(number)
    return _Cells(
        start,
        names,
        keyed["n"].to_numpy(),
        {cell: np.array(found, dtype=np.int64) for cell, found in homes.items()},
    )


@dataclass(slots=True)
class _Cells:
    """Each number's cells (``start[k]:start[k+1]``, most used first) and events in each."""

    start: np.ndarray
    cell: list[str]
    n: np.ndarray
    homes: dict[str, np.ndarray]
    """Main cell -> the numbers whose most used cell it is."""

    def of(self, k: int) -> dict[str, int]:
        a, b = int(self.start[k]), int(self.start[k + 1])
        return dict(zip(self.cell[a:b], self.n[a:b].tolist(), strict=True))

    def home(self, k: int) -> str | None:
        a, b = int(self.start[k]), int(self.start[k + 1])
        return self.cell[a] if b > a else None


def _grouped(key: np.ndarray, peer: np.ndarray, columns: dict[str, np.ndarray], size: int) -> _Ties:
    order = np.argsort(key, kind="stable")
    start = np.searchsorted(key[order], np.arange(size + 1))
    return _Ties(
        start,
        peer[order],
        columns["n"][order],
        columns["first_day"][order],
        columns["first_epoch"][order],
    )


# --- switches (numpy, all numbers at once) ------------------------------------------------


def change_points(
    daily: np.ndarray,
    first: np.ndarray,
    end: float,
    params: SuccessorParams,
    *,
    weekday0: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``daily`` (numbers x days of counts): the first quiet day of its best
    drop (-1: none), the counts expected from then at the busy rates, and the Poisson
    chance of so few.

    ``first`` is each row's first active day; ``end`` the end of the data in days;
    ``weekday0`` the weekday of day 0 (Monday 0). A drop at day ``T`` compares the counts
    over ``[T, end)`` with those expected from ``[first, T)``, weekday by weekday (each
    weekday at its own rate where the busy period saw it, else at the overall rate), so a
    surgery or an office closed at weekends has not switched on a Saturday. Of the days
    that pass the test, the one where two Poisson rates fit best (likelihood) is taken.
    """
    count, width = daily.shape
    cum = np.cumsum(daily, axis=1)
    before = np.hstack([np.zeros((count, 1)), cum[:, :-1]])
    total = cum[:, -1:]
    after = total - before
    day = np.arange(width)
    busy_days = day[None, :] - first[:, None]
    quiet_days = end - day[None, :]
    # The last day may be partial: it counts for the part of it the data covers.
    share = np.ones(width)
    share[-1] = min(1.0, max(end - (width - 1), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        busy = before / busy_days
        expected = np.zeros((count, width))
        for weekday in range(7):
            on = ((weekday0 + day) % 7 == weekday).astype(float)
            seen = np.concatenate([[0.0], np.cumsum(on)])  # such days before each day
            days_on = seen[:-1][None, :] - seen[np.minimum(first, width)][:, None]
            counts_on = np.hstack([np.zeros((count, 1)), np.cumsum(daily * on, axis=1)[:, :-1]])
            rate = np.where(days_on > 0, counts_on / np.maximum(days_on, 1), busy)
            ahead = np.cumsum((on * share)[::-1])[::-1]  # such days from each day on
            expected += rate * ahead[None, :]
        chance = pdtr(after, expected)
        likelihood = (
            xlogy(before, busy)
            + xlogy(after, after / quiet_days)
            - xlogy(total, total / (busy_days + quiet_days))
        )
    ok = (
        (busy_days >= params.min_busy_days)
        & (quiet_days > 0)
        & (before > 0)
        & (after <= params.drop_ratio * expected)
        & (chance <= params.drop_alpha)
    )
    likelihood = np.where(ok, likelihood, -np.inf)
    best = np.argmax(likelihood, axis=1)
    rows = np.arange(count)
    found = np.isfinite(likelihood[rows, best])
    return np.where(found, best, -1), expected[rows, best], chance[rows, best]


def _switches(data: _Data, params: SuccessorParams) -> dict[int, _Switch]:
    """Every number whose active contacts, or those with its main contacts, dropped."""
    has = data.active > 0
    first = np.where(has.any(axis=1), has.argmax(axis=1), data.active.shape[1])
    found: dict[int, _Switch] = {}
    for series, daily in (("all", data.active), ("main", data.main)):
        days, expected, chance = change_points(
            daily, first, data.end, params, weekday0=(data.day0 + 3) % 7
        )
        for k in np.flatnonzero(days >= 0):
            if int(k) in found:
                continue
            test = (float(expected[k]), float(chance[k]))
            switch = _switch(data, int(k), int(days[k]), series, daily, test)
            if len(switch.people) >= params.min_contacts:
                found[int(k)] = switch
    return found


def _switch(
    data: _Data, k: int, day: int, series: str, daily: np.ndarray, test: tuple[float, float]
) -> _Switch:
    row = daily[k]
    first = int(np.argmax(data.active[k] > 0))
    quiet_days = data.end - day
    seen = data.by_number.of(k)
    before = data.by_number.first_day[seen] < day
    people = data.by_number.peer[seen][before]
    weights = np.log2(1 + data.by_number.n[seen][before]) * _exclusivity(data, people)
    stamps = data.last_active[k, :day]
    last = float(np.nanmax(stamps)) if np.isfinite(stamps).any() else data.first_seen[k]
    return _Switch(
        k, day, series,
        busy=float(row[first:day].sum() / (day - first)),
        busy_days=day - first,
        quiet=float(row[day:].sum() / quiet_days),
        quiet_days=quiet_days,
        expected=test[0],
        chance=test[1],
        last_active=last,
        people=people,
        weights=weights,
    )  # fmt: skip


def _exclusivity(data: _Data, numbers: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / np.log2(2 + data.degree[numbers]))


# --- matching -----------------------------------------------------------------------------


def _match(
    data: _Data, switches: dict[int, _Switch], params: SuccessorParams
) -> dict[int, list[Candidate]]:
    """Each switched number's listed candidates, contacts matched again with switched
    contacts standing for their successors until the matches stop changing."""
    mapping: dict[int, int] = {}
    ranked = {k: _rank(data, s, mapping, params) for k, s in switches.items()}
    for _ in range(max(1, params.passes) - 1):
        again = _mutual_best(data, ranked)
        changed = {
            old for old in again.keys() | mapping.keys() if again.get(old) != mapping.get(old)
        }
        if not changed:
            break
        mapping = again
        # Only numbers in contact with one whose match changed can score differently.
        for k, s in switches.items():
            if not changed.isdisjoint(s.people.tolist()):
                ranked[k] = _rank(data, s, mapping, params)
    # A SIM is one phone's number: a number matched both ways with one old number is not
    # listed for the others (a runner's phone that stops is not succeeded by its line's
    # new number; an early number of a line is not succeeded by its number after next).
    listed = {old: [cand for cand in found if cand.listed] for old, found in ranked.items()}
    taken = {new: old for old, new in _mutual_best(data, listed).items()}
    return {
        old: [cand for cand in found if taken.get(data.ids[cand.number], old) == old]
        for old, found in listed.items()
    }


def _mutual_best(data: _Data, ranked: dict[int, list[Candidate]]) -> dict[int, int]:
    """Old id -> new id where each is the other's best match."""
    best_old: dict[str, tuple[float, int]] = {}
    for old, found in ranked.items():
        for cand in found:
            if cand.score > best_old.get(cand.number, (-1.0, -1))[0]:
                best_old[cand.number] = (cand.score, old)
    return {
        old: data.ids[found[0].number]
        for old, found in ranked.items()
        if found and best_old[found[0].number][1] == old
    }


def _rank(
    data: _Data, switch: _Switch, mapping: dict[int, int], params: SuccessorParams
) -> list[Candidate]:
    lo = switch.day - params.window_before_days
    hi = switch.day + params.window_after_days
    # The old number's people and, for those that switched, their successors: each key
    # stands for one person (its index in ``switch.people``). Their ties, all at once.
    people = switch.people
    moved = np.array([p in mapping for p in people.tolist()], bool)
    keys = np.concatenate([people, [mapping[p] for p in people[moved].tolist()]]).astype(int)
    who = np.concatenate([np.arange(len(people)), np.flatnonzero(moved)])
    ties = data.by_other
    rows, who = _rows(ties.start[keys], ties.start[keys + 1], who)
    numbers, days, epochs = ties.peer[rows], ties.first_day[rows], ties.first_epoch[rows]
    by_handset = np.fromiter(_handset_takers(data, switch, lo, hi), np.int64)
    by_place = _neighbours(data, switch, lo, hi)
    fresh = np.unique(numbers[(days >= lo) & (days <= hi) & (numbers != switch.number)])
    wanted = np.union1d(np.union1d(fresh, by_handset), by_place)
    keep = np.isin(numbers, wanted)
    numbers, who, epochs = numbers[keep], who[keep], epochs[keep]
    # One row per (candidate, person): the first contact, directly or with a successor.
    order = np.lexsort((epochs, who, numbers))
    numbers, who, epochs = numbers[order], who[order], epochs[order]
    first = np.ones(len(numbers), bool)
    first[1:] = (numbers[1:] != numbers[:-1]) | (who[1:] != who[:-1])
    numbers, who, epochs = numbers[first], who[first], epochs[first]
    # Per candidate: the share of the old number's relationships it reached, and when its
    # relationships with them began (lower quartile of its first contacts).
    order = np.lexsort((epochs, numbers))
    numbers, who, epochs = numbers[order], who[order], epochs[order]
    a = np.searchsorted(numbers, wanted, side="left")
    b = np.searchsorted(numbers, wanted, side="right")
    whole = float(switch.weights.sum()) or 1.0
    recall = np.zeros(len(wanted))
    np.add.at(recall, np.searchsorted(wanted, numbers), switch.weights[who] / whole)
    reaches = b > a
    quartile = np.minimum(a + (b - a - 1) // 4, max(len(epochs) - 1, 0))
    started = np.where(reaches, epochs[quartile] if len(epochs) else 0.0, 0.0)
    started = np.where(reaches, started, data.first_seen[wanted])
    start_day = (np.floor(started / DAY_S) - data.day0).astype(int)
    handset = np.isin(wanted, by_handset)
    seed = np.isin(wanted, by_place)
    before, after, new = _newness(data, wanted, start_day, params)
    keep = (
        # Too little in common otherwise, even if all its contacts were the old number's.
        (((recall >= params.min_identity) & (b - a >= params.min_shared)) | handset | seed)
        & (start_day >= lo)
        & (start_day <= hi)
        & new
    )
    found = []
    for j in np.flatnonzero(keep).tolist():
        reached = dict(zip(who[a[j] : b[j]].tolist(), epochs[a[j] : b[j]].tolist(), strict=True))
        arrival = _Arrival(
            int(wanted[j]), reached, float(recall[j]), float(started[j]),
            float(before[j]), float(after[j]), bool(seed[j]),
        )  # fmt: skip
        cand = _score(data, switch, arrival, mapping, params)
        if cand is not None:
            found.append(cand)
    return sorted(found, key=lambda cand: (-cand.score, cand.number))


def f_beta(recall: float, precision: float, beta: float) -> float:
    """The F-measure weighting recall ``beta`` times as much as precision (0 when both
    are 0): ``(1 + beta^2) P R / (beta^2 P + R)``."""
    both = beta * beta * precision + recall
    return (1 + beta * beta) * precision * recall / both if both else 0.0


def _rows(start: np.ndarray, stop: np.ndarray, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row numbers ``start[k]:stop[k]`` for every ``k``, and each row's ``label[k]``."""
    sizes = stop - start
    total = int(sizes.sum())
    offsets = np.repeat(start - (np.cumsum(sizes) - sizes), sizes)
    return np.arange(total) + offsets, np.repeat(label, sizes)


@dataclass(slots=True)
class _Arrival:
    """A candidate's arrival among the old number's people."""

    number: int
    reached: dict[int, float]
    """Person (index into the switch's people) -> the candidate's first contact (epoch)."""
    recall: float
    started: float
    before: float
    """Its active contacts a day before ``started`` ..."""
    after: float
    """... and in its first ``profile_days`` from then."""
    seed: bool
    """It lives in the old number's main cell: kept, even without identity, as a
    possible match for the group pass (never listed on that alone)."""


def _newness(
    data: _Data, numbers: np.ndarray, start_day: np.ndarray, params: SuccessorParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per candidate: its active contacts a day before and after ``start_day`` and whether
    it was new then: the mirror of a switch, a rise from at most ``new_ratio`` of its
    later rate that chance would give at most ``drop_alpha`` of the time. Its first
    ``profile_days`` give the later rate, weekday by weekday as for a switch (a takeaway
    that texts its clients on Fridays is not new on the first Friday of the data); the
    data before ``start_day`` must be long enough to have seen it at that rate (a number
    first seen on the data's first day may have been in use for years)."""
    width = data.active.shape[1]
    start = np.clip(start_day, 0, width)
    until = np.minimum(start + params.profile_days, width)
    span = np.minimum(start + params.profile_days, data.end) - start
    rows = data.cum[numbers]
    after_count = rows[np.arange(len(numbers)), until] - rows[np.arange(len(numbers)), start]
    count = rows[np.arange(len(numbers)), start]
    daily = data.active[numbers]
    day = np.arange(width)
    with np.errstate(divide="ignore", invalid="ignore"):
        after = np.where(span > 0, after_count / span, 0.0)
        before = np.where(start > 0, count / start, 0.0)
        expected = np.zeros(len(numbers))
        for weekday in range(7):
            on = ((data.day0 + 3 + day) % 7 == weekday).astype(float)
            seen = np.concatenate([[0.0], np.cumsum(on)])
            summed = np.hstack([np.zeros((len(numbers), 1)), np.cumsum(daily * on, axis=1)])
            pick = np.arange(len(numbers))
            days_on = seen[until] - seen[start]
            counted = summed[pick, until] - summed[pick, start]
            rate = np.where(days_on > 0, counted / np.maximum(days_on, 1), after)
            expected += rate * seen[start]
        new = (
            (start > 0)
            & (after > 0)
            & (count <= params.new_ratio * expected)
            & (pdtr(count, expected) <= params.drop_alpha)
        )
    return before, after, new


def _neighbours(data: _Data, switch: _Switch, lo: int, hi: int) -> np.ndarray:
    """Numbers whose main cell is the old number's and that were first seen within the
    window: possible matches for the group pass when no contact is left to compare."""
    home = data.cells.home(switch.number)
    if home is None:
        return np.zeros(0, np.int64)
    near = data.cells.homes[home]
    day = np.floor(data.first_seen[near] / DAY_S) - data.day0
    return np.asarray(near[(day >= lo) & (day <= hi) & (near != switch.number)])


def _handset_takers(data: _Data, switch: _Switch, lo: int, hi: int) -> set[int]:
    """Numbers first seen in one of the old number's handsets within the window."""
    out = set()
    for imei in data.imeis.get(switch.number, {}):
        for number, first, _ in data.holders[imei]:
            day = first // DAY_S - data.day0
            if number != switch.number and lo <= day <= hi:
                out.add(number)
    return out


def _score(
    data: _Data,
    switch: _Switch,
    arrival: _Arrival,
    mapping: dict[int, int],
    params: SuccessorParams,
) -> Candidate | None:
    """The candidate scored, or None where it shows no identity or scores too little."""
    number = arrival.number
    value, precision, said = _contacts(data, switch, arrival, mapping, params)
    contacts = (value, said)
    handset = _handset(data, switch, number)
    identity = handset[0] > 0 or (
        arrival.recall >= params.min_identity
        and precision >= params.min_identity
        and len(arrival.reached) >= params.min_shared
    )
    if not identity and not arrival.seed:
        return None
    parts = {
        "contacts": contacts,
        "handset": handset,
        "place": _place(data, switch, number),
        "timing": _timing(data, switch, arrival, params),
    }
    total = sum(params.weights.values())
    share = {name: params.weights[name] * value / total for name, (value, _) in parts.items()}
    score = sum(share.values())
    listed = identity and score >= params.min_score
    if not listed and not arrival.seed:
        return None
    order = sorted(parts, key=lambda name: -share[name])
    return Candidate(
        data.names[number],
        score,
        {name: value for name, (value, _) in parts.items()},
        [parts[name][1] for name in order],
        arrival.started,
        listed,
    )


def _contacts(
    data: _Data,
    switch: _Switch,
    arrival: _Arrival,
    mapping: dict[int, int],
    params: SuccessorParams,
) -> tuple[float, float, Evidence]:
    """The contacts signal, the share of the candidate's early relationships that are with
    the old number's people (precision), and the evidence."""
    number, reached, recall = arrival.number, arrival.reached, arrival.recall
    start_day = int(arrival.started // DAY_S) - data.day0
    people = {int(p) for p in switch.people}
    theirs = {mapping[p] for p in people if p in mapping}
    ties = data.by_number
    seen = ties.of(number)
    early = ties.first_day[seen] < start_day + params.profile_days
    others = ties.peer[seen][early]
    keep = others != switch.number
    others = others[keep]
    weights = np.log2(1 + ties.n[seen][early][keep]) * _exclusivity(data, others)
    ours = np.fromiter((int(o) in people or int(o) in theirs for o in others), bool, len(others))
    precision = float(weights[ours].sum() / weights.sum()) if weights.sum() else 0.0
    value = f_beta(recall, precision, CONTACTS_BETA)
    mine = {int(p) for p in data.by_number.peer[seen]}
    direct = sum(1 for w in reached if int(switch.people[w]) in mine)
    moved = len(reached) - direct
    old, new = data.names[switch.number], data.names[number]
    text = f"{new} took up {direct} of the {len(people)} numbers {old} was in contact with"
    if moved:
        text += f", and {moved} more through their new numbers"
    text += (
        f": {recall:.0%} of {old}'s relationships (weighted by use and exclusivity), "
        f"{precision:.0%} of {new}'s in its first {params.profile_days} days."
    )
    figures: dict[str, Figure] = {
        "shared": direct,
        "via_their_successors": moved,
        "taken_up": round(recall, 4),
        "of_its_own": round(precision, 4),
        "weighted": round(value, 4),
    }
    return value, precision, Evidence("contacts", text, figures)


def _handset(data: _Data, switch: _Switch, number: int) -> tuple[float, Evidence]:
    old_imeis = data.imeis.get(switch.number, {})
    new_imeis = data.imeis.get(number, {})
    shared = sorted(old_imeis.keys() & new_imeis.keys())
    if not shared:
        return 0.0, Evidence("handset", "No handset (IMEI) in common.")
    imei = shared[0]
    old_last, new_first = old_imeis[imei][1], new_imeis[imei][0]
    text = (
        f"Both numbers were used in handset {', '.join(shared)}: "
        f"{data.names[switch.number]} until {_day(old_last)}, "
        f"{data.names[number]} from {_day(new_first)} (a new SIM in the same phone)."
    )
    return 1.0, Evidence("handset", text, {"imei": imei})


def _place(data: _Data, switch: _Switch, number: int) -> tuple[float, Evidence]:
    old, new = data.cells.of(switch.number), data.cells.of(number)
    if not old or not new:
        return 0.0, Evidence("place", "No cell sites to compare.")
    dot = sum(old[cell] * new[cell] for cell in old.keys() & new.keys())
    norm = math.sqrt(sum(v * v for v in old.values())) * math.sqrt(sum(v * v for v in new.values()))
    value = dot / norm if norm else 0.0
    home = data.cells.home(switch.number)
    text = f"Cell-site profiles {value:.0%} alike (the old number's main cell {home})."
    return value, Evidence("place", text, {"cosine": round(value, 4)})


def _timing(
    data: _Data, switch: _Switch, arrival: _Arrival, params: SuccessorParams
) -> tuple[float, Evidence]:
    number, started = arrival.number, arrival.started
    gap_days = (started - switch.last_active) / DAY_S
    if -1 <= gap_days <= 1:
        value = 1.0
    elif gap_days > 1:
        value = max(0.0, 1 - (gap_days - 1) / (params.window_after_days - 1))
    else:
        value = max(0.0, 1 - (-gap_days - 1) / (params.window_before_days - 1))
    when = "after" if gap_days >= 0 else "before"
    old, new = data.names[switch.number], data.names[number]
    before, after = arrival.before, arrival.after
    text = (
        f"{new}'s relationships with {old}'s people began {_minute(started)}, "
        f"{abs(gap_days):.1f} days {when} {old}'s last originated or answered contact "
        f"({_minute(switch.last_active)}); {new} made {after:.1f} active contacts a day "
        f"from then, {before:.1f} before."
    )
    figures: dict[str, Figure] = {
        "gap_days": round(gap_days, 2),
        "per_day_before": round(before, 2),
        "per_day_after": round(after, 2),
    }
    return value, Evidence("timing", text, figures)


# --- results ------------------------------------------------------------------------------


def _result(
    data: _Data,
    k: int,
    switch: _Switch | None,
    ranked: list[Candidate],
    params: SuccessorParams,
) -> SilentNumber:
    last_seen = _iso(float(data.last_seen[k]))
    if switch is None:
        stamps = data.last_active[k]
        last = _iso(float(np.nanmax(stamps))) if np.isfinite(stamps).any() else None
        return SilentNumber(
            number=data.names[k],
            last_seen_utc=last_seen,
            contacts=int(data.by_number.start[k + 1] - data.by_number.start[k]),
            candidates=[],
            last_active_utc=last,
        )
    return SilentNumber(
        number=data.names[k],
        last_seen_utc=last_seen,
        contacts=len(switch.people),
        candidates=[cand.result() for cand in ranked[: params.max_candidates]],
        switched_utc=_iso((data.day0 + switch.day) * DAY_S),
        last_active_utc=_iso(switch.last_active),
        quiet=EvidenceItem.of(_quiet(data, switch)),
    )


def _quiet(data: _Data, switch: _Switch) -> Evidence:
    which = (
        "active contacts (originated or answered)"
        if switch.series == "all"
        else "active contacts with its main contacts"
    )
    since = (data.day0 + switch.day) * DAY_S
    seen = round(switch.quiet * switch.quiet_days)
    text = (
        f"Its {which} fell from {switch.busy:.1f} a day over {switch.busy_days} days to "
        f"{switch.quiet:.1f} a day from {_day(since)}: {seen} in the "
        f"{switch.quiet_days:.1f} days to the end of the data, where its earlier rates "
        f"(weekday by weekday) lead one to expect {switch.expected:.0f} (chance of so few "
        f"{switch.chance:.1g})."
    )
    figures: dict[str, Figure] = {
        "series": switch.series,
        "per_day_before": round(switch.busy, 3),
        "per_day_after": round(switch.quiet, 3),
        "days_before": switch.busy_days,
        "days_after": round(switch.quiet_days, 2),
        "expected_after": round(switch.expected, 1),
        "chance": float(f"{switch.chance:.3g}"),
    }
    return Evidence("quiet", text, figures)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None).isoformat()


def _minute(epoch: float) -> str:
    return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M} UTC"


def _day(epoch: float) -> str:
    return f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d}"
