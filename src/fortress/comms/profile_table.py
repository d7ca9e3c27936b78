"""Profiles of many numbers at once, as one table (``fortress numbers profiles``).

One Ibis query over the events, portable to every engine Fortress runs (DuckDB, Spark):
the indicators of ``fortress.comms.indicators`` that reduce to aggregates, over the whole
period, for every number (or the numbers asked for). Each column is named as the profile's
measure is (``indicator__interaction[__statistic]``), and holds the same value as that
number's profile (``tests/comms/test_profile_table.py`` checks every cell). The indicators
that need a number's records in order (conversations, half-hour cells, home, weeks) are
the single profile's.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Final

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from fortress.comms.clock import local_time
from fortress.comms.events import contacts, is_subscriber, small_table, span
from fortress.comms.indicators import NIGHT_END, NIGHT_START, PARETO_SHARE
from fortress.comms.lines import workspace_tables
from fortress.comms.profiles import Period, within
from fortress.model import columns as c
from fortress.model.profiles import ProfileTableWritten
from fortress.model.values import neutralise
from fortress.store.workspace import Workspace, write_atomically

KINDS: Final = ("call", "text")
PER_KIND: Final = (
    "number_of_contacts", "number_of_interactions", "number_of_interaction_in",
    "number_of_interaction_out", "percent_nocturnal", "entropy_of_contacts",
    "interactions_per_contact__mean", "interactions_per_contact__std",
    "balance_of_contacts__mean", "balance_of_contacts__std", "interevent_time__mean",
    "percent_pareto_interactions",
)  # fmt: skip
CALLS_ONLY: Final = (
    "call_duration__call__mean", "call_duration__call__std", "call_duration__call__min",
    "call_duration__call__max", "percent_initiated_interactions__call",
    "percent_pareto_durations__call",
)  # fmt: skip
COLUMNS: Final = (
    "number", "records", "first_utc", "last_utc", "active_days__callandtext",
    *(f"{name.split('__')[0]}__{kind}{name[len(name.split('__')[0]):]}"
      for kind in KINDS for name in PER_KIND),
    *CALLS_ONLY,
)  # fmt: skip
"""The table's columns, in order: measure keys as the profile names them."""


def profile_table(events: ir.Table, when: Period, numbers: list[str] | None = None) -> ir.Table:
    """One row per number with calls or texts in ``when`` (of ``numbers``, if given):
    ``COLUMNS``. Not executed."""
    counted = within(events, when)
    counted = counted.filter(is_subscriber(counted, "a") & is_subscriber(counted, "b"))
    mine = contacts(counted, common=(c.START_UTC, c.KIND, c.DURATION_S))
    if numbers is not None:
        mine = mine.semi_join(small_table(events, {"number": numbers}), "number")
    mine = _with_clock(mine, counted, when)
    return _per_record(mine).join(_per_contact(mine), "number").select(*COLUMNS)


def write_profile_table(
    workspace: Workspace, when: Period, out: Path, numbers: list[str] | None = None
) -> ProfileTableWritten:
    """The table of every number's (or ``numbers``') profile over ``when``, sorted by
    number, written to ``out``: CSV (no cell a spreadsheet would run) or Parquet."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{out.name}: write the table as .csv or .parquet")
    started = time.perf_counter()
    comms, _ = workspace_tables(workspace)
    table = profile_table(comms, when, numbers).order_by("number").to_pyarrow()
    buffer = io.BytesIO()
    if suffix == ".csv":
        safe = pa.array([neutralise(n) for n in table["number"].to_pylist()], pa.string())
        pa_csv.write_csv(table.set_column(0, "number", safe), buffer)
    else:
        pq.write_table(table, buffer)
    write_atomically(out, buffer.getvalue())
    return ProfileTableWritten(
        file=str(out), numbers=table.num_rows, columns=table.num_columns,
        period=when.describe(), seconds=round(time.perf_counter() - started, 3),
    )  # fmt: skip


def _with_clock(mine: ir.Table, counted: ir.Table, when: Period) -> ir.Table:
    """``mine`` with its interaction (call or text), local time and whether at night."""
    seen = span(counted)
    local = (
        local_time(mine[c.START_UTC], when.zone, seen.first, seen.last)
        if seen is not None
        else mine[c.START_UTC]
    )
    day = local.truncate("D")
    day_begins = day + ibis.interval(hours=NIGHT_END.hour)
    night_begins = day + ibis.interval(hours=NIGHT_START.hour)
    return mine.mutate(
        interaction=ibis.ifelse(mine[c.KIND] == "call", "call", "text"),
        local_day=local.date(),
        night=~((local > day_begins) & (local < night_begins)),
    )


def _per_record(mine: ir.Table) -> ir.Table:
    """The indicators that are aggregates of the records: counts, shares, durations."""
    measures: dict[str, ir.Value] = {
        "records": mine.count(),
        "first_utc": mine[c.START_UTC].min(),
        "last_utc": mine[c.START_UTC].max(),
        "active_days__callandtext": mine.local_day.nunique(),
    }
    for kind in KINDS:
        of = mine.interaction == kind
        n = mine.count(where=of)
        seconds = (
            mine[c.START_UTC].max(where=of).epoch_seconds()
            - mine[c.START_UTC].min(where=of).epoch_seconds()
        )
        measures |= {
            f"number_of_interactions__{kind}": _null_if_none(n),
            f"number_of_interaction_in__{kind}": _null_if_none(n, (~mine.outgoing).sum(where=of)),
            f"number_of_interaction_out__{kind}": _null_if_none(n, mine.outgoing.sum(where=of)),
            f"percent_nocturnal__{kind}": mine.night.cast("float64").mean(where=of),
            f"interevent_time__{kind}__mean": seconds.cast("float64") / (n - 1).nullif(0),
        }
    call = mine.interaction == "call"
    duration = mine[c.DURATION_S].cast("float64")
    measures |= {
        "call_duration__call__mean": duration.mean(where=call),
        "call_duration__call__std": duration.std(how="pop", where=call),
        "call_duration__call__min": duration.min(where=call),
        "call_duration__call__max": duration.max(where=call),
        "percent_initiated_interactions__call": mine.outgoing.cast("float64").mean(where=call),
    }
    return mine.group_by("number").aggregate(**measures)


def _null_if_none(n: ir.IntegerValue, value: ir.IntegerValue | None = None) -> ir.Value:
    """``value`` (default ``n``) as a float, null where there are no such records."""
    chosen = n if value is None else value.fill_null(0)
    return ibis.ifelse(n > 0, chosen.cast("float64"), ibis.null("float64"))


def _per_contact(mine: ir.Table) -> ir.Table:
    """The indicators of the number's contacts: how many, how even, how one-sided."""
    pairs = mine.group_by(["number", "interaction", "other"]).aggregate(
        k=mine.count(),
        made=mine.outgoing.cast("int64").sum(),
        seconds=mine[c.DURATION_S].sum(),
    )
    per_kind = pairs.group_by(["number", "interaction"]).aggregate(
        n=pairs.k.sum(), total_seconds=pairs.seconds.sum()
    )
    pairs = pairs.join(per_kind, ["number", "interaction"])
    pairs = pairs.mutate(
        balance=pairs.made.cast("float64") / pairs.n,
        top_by_records=_needed_for_pareto(pairs, pairs.k, pairs.n),
        top_by_seconds=_needed_for_pareto(pairs, pairs.seconds, pairs.total_seconds),
    )
    measures: dict[str, ir.Value] = {}
    for kind in KINDS:
        of = pairs.interaction == kind
        contacts_n = pairs.count(where=of)
        k = pairs.k.cast("float64")
        n = pairs.n.max(where=of).cast("float64")
        measures |= {
            f"number_of_contacts__{kind}": _null_if_none(contacts_n),
            f"entropy_of_contacts__{kind}": n.ln() - (k * k.ln()).sum(where=of) / n,
            f"interactions_per_contact__{kind}__mean": k.mean(where=of),
            f"interactions_per_contact__{kind}__std": k.std(how="pop", where=of),
            f"balance_of_contacts__{kind}__mean": pairs.balance.mean(where=of),
            f"balance_of_contacts__{kind}__std": pairs.balance.std(how="pop", where=of),
            f"percent_pareto_interactions__{kind}": (
                pairs.top_by_records.cast("float64").sum(where=of) / contacts_n.nullif(0)
            ),
        }
    call = pairs.interaction == "call"
    measures["percent_pareto_durations__call"] = pairs.top_by_seconds.cast("float64").sum(
        where=call
    ) / pairs.count(where=call).nullif(0)
    return pairs.group_by("number").aggregate(**measures)


def _needed_for_pareto(
    pairs: ir.Table, weight: ir.IntegerValue, total: ir.IntegerValue
) -> ir.BooleanValue:
    """Whether a contact is among those that, heaviest first, reach 80% of ``total``
    (rounded up): the weight of the heavier contacts before it falls short of that."""
    heavier_first = ibis.window(
        group_by=[pairs.number, pairs.interaction],
        order_by=[ibis.desc(weight), pairs.other],
        rows=(None, 0),
    )
    before = weight.sum().over(heavier_first) - weight
    return before < (total.cast("float64") * PARETO_SHARE).ceil()
