"""Marketing waves: bursts of messages from one number to many distinct numbers.

A burst is a run of one number's outgoing messages with no gap longer than
``wave_gap_s``; a burst is a wave when it reaches ``wave_min_recipients`` distinct numbers,
mostly one message each (``wave_min_distinct_share``).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from fortress.comms.events import (
    LOCAL,
    MESSAGE_KINDS,
    has_number_keys,
    is_subscriber,
    numbers_back,
    party_columns,
)
from fortress.comms.params import DetectionParams
from fortress.model import columns as c

SENDER = "number"
BURST = "burst"
TRIPLE = 3
"""The smallest wave: three messages to three numbers."""
SENT_COLUMNS = (c.EVENT_ID, c.START_UTC, LOCAL, "recipient", "epoch", SENDER)
"""The columns of ``messages_sent``, in order."""


def messages_sent(events: ir.Table, keyed: bool = False) -> ir.Table:
    """Messages from one subscriber to another (``SENT_COLUMNS``). ``keyed``: the sender
    and recipient are number keys (``events.party_columns``)."""
    a, b = party_columns(keyed)
    sent = events.filter(
        events[c.KIND].isin(MESSAGE_KINDS)
        & is_subscriber(events, "a")
        & is_subscriber(events, "b")
        & (events[a] != events[b])
    ).select(
        c.EVENT_ID,
        c.START_UTC,
        LOCAL,
        recipient=events[b],
        epoch=events[c.START_UTC].epoch_seconds(),
        **{SENDER: events[a]},
    )
    return sent


WAVE_STEP_PARAMS = ("wave_gap_s", "wave_min_recipients", "wave_min_distinct_share", "min_wave_days")
"""The parameters that decide which messages ``sent_in_bursts`` keeps and how it numbers
their bursts: a kept wave step (``comms/increments.py``) holds only while these stand."""

FIRST_TRIPLE = "first_triple_utc"
LAST_TRIPLE = "last_triple_utc"


@dataclass(frozen=True, slots=True)
class Bursts:
    """The wave step's result: the messages of senders that could send waves, with their
    burst numbers, and what chose those senders."""

    messages: ir.Table
    """``messages_sent`` columns plus ``burst``, for the senders ``closes`` keeps."""
    triple_spans: ir.Table | None
    """``triple_spans`` of every sender, or None when every sender was kept."""


def close_senders(sent: ir.Table, params: DetectionParams) -> ir.Table | None:
    """The senders in ``sent`` that could send waves on ``min_wave_days`` days: those
    that sent three consecutive messages to three different numbers within two gaps
    (``2 * wave_gap_s``), and (from two wave days) did so twice more than a gap apart.
    Every candidate line is among them, and few other senders. None when the parameters
    allow waves this cannot vouch for (see below): keep every sender.

    Why it holds: a wave has at least three messages, each within ``wave_gap_s`` of the
    next, and at least ``wave_min_distinct_share`` of them to different numbers. If no
    three consecutive messages went to three different numbers, each new recipient after
    the second would need a repeat just before it, so at most (n + 2) / 2 of n messages
    could go to different numbers: at most three in four for four or more messages, under
    any share over 0.75, while a wave of three messages reaches three numbers. The
    argument holds for any order of messages sent in the same second, so the sender's
    messages are ordered by time alone. Waves on two days are two waves, the later
    starting more than a gap after the earlier ends, so the last message of a triple in
    each is more than a gap after that of the other. One window with no running sum:
    much cheaper than numbering bursts, which then runs on the few senders this keeps.
    """
    spans = triple_spans(sent, params)
    return None if spans is None else closes(spans, params)


def can_filter(params: DetectionParams) -> bool:
    """Whether ``close_senders`` can vouch for its filter under ``params``."""
    return params.wave_min_recipients >= TRIPLE and params.wave_min_distinct_share > 0.75


def triple_ends(sent: ir.Table, params: DetectionParams) -> ir.Table:
    """The messages of ``sent`` that end a triple: the third of three consecutive
    messages of one sender to three different numbers within two gaps."""
    order = ibis.window(group_by=SENDER, order_by=sent.epoch)
    lagged = sent.select(
        SENDER,
        c.START_UTC,
        "recipient",
        before=sent.recipient.lag(1).over(order),
        earlier=sent.recipient.lag(2).over(order),
        within=sent.epoch - sent.epoch.lag(2).over(order),
    )
    return lagged.filter(  # a separate step: Spark takes no window in a filter
        (lagged.within <= 2 * params.wave_gap_s)
        & (lagged.recipient != lagged.before)
        & (lagged.recipient != lagged.earlier)
        & (lagged.before != lagged.earlier)
    )


def triple_spans(sent: ir.Table, params: DetectionParams) -> ir.Table | None:
    """Per sender with a triple (``triple_ends``): when its first and last triple ended.
    None when ``close_senders`` cannot vouch for its filter (``can_filter``)."""
    if not can_filter(params):
        return None
    return spans_of(triple_ends(sent, params))


def spans_of(ends: ir.Table) -> ir.Table:
    """Per sender: the first and last of its ``ends`` (``triple_ends``)."""
    return ends.group_by(SENDER).aggregate(
        **{FIRST_TRIPLE: ends[c.START_UTC].min(), LAST_TRIPLE: ends[c.START_UTC].max()}
    )


def closes(spans: ir.Table, params: DetectionParams) -> ir.Table:
    """The senders of ``spans`` (``triple_spans``) that ``close_senders`` keeps."""
    if params.min_wave_days < 2:
        return spans.select(SENDER)
    apart = spans[LAST_TRIPLE].epoch_seconds() - spans[FIRST_TRIPLE].epoch_seconds()
    return spans.filter(apart > params.wave_gap_s).select(SENDER)


def sent_in_bursts(events: ir.Table, params: DetectionParams) -> Bursts:
    """The messages of every sender that could send waves on ``min_wave_days`` days,
    with their burst numbers.

    Bursts need each sender's messages in time order (a window); ordering only the
    messages of senders that could be candidates (``close_senders``), not everyone's,
    keeps detection fast and its cached tables small on large tables.
    """
    sent = messages_sent(events)
    keyed = has_number_keys(events)
    # By number keys where the events have them: the filter's window sorts every message
    # by its sender, and sorting integers took half the time of numbers on 100M events.
    spans = triple_spans(messages_sent(events, keyed), params)
    if spans is None:
        return Bursts(with_bursts(sent, params), None)
    spans = numbers_back(spans, keyed, SENDER).cache()
    # Kept apart: planned as one query with the numbering, the filter's window cost
    # DuckDB twice its own time on 100M events.
    close = closes(spans, params).cache()
    return Bursts(with_bursts(sent.semi_join(close, SENDER), params), spans)


def with_bursts(sent: ir.Table, params: DetectionParams) -> ir.Table:
    """``sent`` with ``burst``: a per-sender counter that rises after each long gap."""
    order = ibis.window(group_by=SENDER, order_by=[c.START_UTC, c.EVENT_ID])
    gap = sent.epoch - sent.epoch.lag().over(order)
    starts = sent.mutate(new=(gap.isnull() | (gap > params.wave_gap_s)).cast("int64"))
    running = ibis.window(group_by=SENDER, order_by=[c.START_UTC, c.EVENT_ID], rows=(None, 0))
    return starts.mutate(**{BURST: starts.new.sum().over(running)}).drop("new")


def waves(sent_in_bursts: ir.Table, params: DetectionParams) -> ir.Table:
    """One row per wave: sender, burst, start and end (UTC), local start, messages and
    recipients."""
    t = sent_in_bursts
    bursts = t.group_by([SENDER, BURST]).aggregate(
        start_utc=t[c.START_UTC].min(),
        end_utc=t[c.START_UTC].max(),
        local_start=t[LOCAL].min(),
        messages=t.count(),
        recipients=t.recipient.nunique(),
    )
    return bursts.filter(
        (bursts.recipients >= params.wave_min_recipients)
        & (bursts.recipients >= bursts.messages * params.wave_min_distinct_share)
    )


def wave_summary(wave_rows: ir.Table) -> ir.Table:
    """Per sender: waves, local days with a wave, weekdays with a wave, late-evening waves."""
    day = wave_rows.local_start.date()
    return wave_rows.group_by(SENDER).aggregate(
        waves=wave_rows.count(),
        wave_days=day.nunique(),
        wave_weekdays=wave_rows.local_start.day_of_week.index().nunique(),
        first_wave=wave_rows.start_utc.min(),
        last_wave=wave_rows.start_utc.max(),
        mean_recipients=wave_rows.recipients.mean(),
        max_recipients=wave_rows.recipients.max(),
    )


def wave_recipients(
    sent_in_bursts: ir.Table, wave_rows: ir.Table, params: DetectionParams
) -> ir.Table:
    """Each sender's customer base: (sender, recipient) pairs where the recipient got at
    least ``base_min_waves`` waves and ``base_min_wave_share`` of the sender's waves from
    its first one on.

    A runner or a friend texted while a wave is going out is in that one wave, not on the
    marketing list; list members get most waves. Only marketing waves count: those at
    least half the size of the wave that the sender's upper quartile of wave messages went
    out in. A busy line's quick replies to three customers in a row are a wave by count,
    but not its list; counted by messages, not by waves, a thousand of them do not pull
    the typical size down to their own.
    """
    sized = sent_in_bursts.join(
        wave_rows.select(SENDER, BURST, size=wave_rows.recipients), [SENDER, BURST]
    )
    typical = sized.group_by(SENDER).aggregate(typical=sized.size.quantile(0.75))
    marketing = sized.join(typical, SENDER)
    joined = marketing.filter(marketing.size * 2 >= marketing.typical)
    wave_rows = wave_rows.semi_join(joined, [SENDER, BURST])
    received = joined.group_by([SENDER, "recipient"]).aggregate(
        waves_received=joined[BURST].nunique(), first_received=joined[c.START_UTC].min()
    )
    starts = wave_rows.select(SENDER, wave_start=wave_rows.start_utc)
    since = received.join(starts, SENDER)
    since = since.filter(since.wave_start >= since.first_received)
    possible = since.group_by([SENDER, "recipient", "waves_received"]).aggregate(
        waves_since=since.count()
    )
    return possible.filter(
        (possible.waves_received >= params.base_min_waves)
        & (possible.waves_received >= possible.waves_since * params.base_min_wave_share)
    )
