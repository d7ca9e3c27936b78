"""Marketing waves: bursts of messages from one number to many distinct numbers.

A burst is a run of one number's outgoing messages with no gap longer than
``wave_gap_s``; a burst is a wave when it reaches ``wave_min_recipients`` distinct numbers,
mostly one message each (``wave_min_distinct_share``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fortress.comms.events import LOCAL, MESSAGE_KINDS, is_subscriber
from fortress.comms.params import DetectionParams
from fortress.model import columns as c

SENDER = "number"
BURST = "burst"
HOUR_S = 3600


def messages_sent(events: ir.Table) -> ir.Table:
    """Messages from one E.164 number to another, with their burst number per sender."""
    sent = events.filter(
        events[c.KIND].isin(MESSAGE_KINDS)
        & is_subscriber(events, "a")
        & is_subscriber(events, "b")
        & (events[c.A_NUMBER] != events[c.B_NUMBER])
    ).select(
        c.EVENT_ID,
        c.START_UTC,
        LOCAL,
        recipient=events[c.B_NUMBER],
        epoch=events[c.START_UTC].epoch_seconds(),
        **{SENDER: events[c.A_NUMBER]},
    )
    return sent


def busy_hour_thresholds(params: DetectionParams) -> tuple[int, int]:
    """(distinct recipients, messages): a sender can only send a wave if, in some clock
    hour, it texts at least that many distinct numbers or sends at least that many messages.

    A wave reaches ``wave_min_recipients`` distinct numbers with no gap over ``wave_gap_s``.
    Spread over one or two clock hours, one of them holds at least half of its recipients;
    spread over three or more, a middle hour is covered end to end, so holds at least
    ``3600 // wave_gap_s`` messages. Conversations (many messages to one or two people) and
    ordinary texting stay below both.
    """
    half = -(-params.wave_min_recipients // 2)
    return max(1, half), max(1, HOUR_S // params.wave_gap_s)


def busy_senders(sent: ir.Table, params: DetectionParams) -> ir.Table:
    """The senders in ``sent`` that could send a wave (see ``busy_hour_thresholds``); every
    wave sender is among them, and few other senders.

    Counting distinct recipients per sender and hour is the costly part, so it runs only on
    the sender-hours with enough messages to be busy: a cheap count per (hash of the
    sender, hour) finds those. A hash collision merges two senders' counts, which can only
    let more hours through, never fewer; the exact count that follows decides.
    """
    recipients, messages = busy_hour_thresholds(params)
    keyed = sent.mutate(key=sent[SENDER].hash(), hour=(sent.epoch // HOUR_S).cast("int64"))
    enough = keyed.group_by(["key", "hour"]).aggregate(n=keyed.count())
    # A sender never has more distinct recipients than messages in an hour.
    enough = enough.filter(enough.n >= min(recipients, messages)).drop("n")
    busy_enough = keyed.semi_join(enough, ["key", "hour"])
    hours = busy_enough.group_by([SENDER, "hour"]).aggregate(
        recipients=busy_enough.recipient.nunique(), messages=busy_enough.count()
    )
    busy = (hours.recipients >= recipients) | (hours.messages >= messages)
    return hours.filter(busy).select(SENDER).distinct()


def sent_in_bursts(events: ir.Table, params: DetectionParams) -> ir.Table:
    """The messages of every sender that could send a wave, with their burst numbers.

    Bursts need each sender's messages in time order (a window); ordering only the busy
    senders' messages, not everyone's, is what keeps detection fast on large tables.
    """
    sent = messages_sent(events)
    return with_bursts(sent.semi_join(busy_senders(sent, params), SENDER), params)


def with_bursts(sent: ir.Table, params: DetectionParams) -> ir.Table:
    """``sent`` with ``burst``: a per-sender counter that rises after each long gap."""
    order = ibis.window(group_by=SENDER, order_by=[c.START_UTC, c.EVENT_ID])
    gap = sent.epoch - sent.epoch.lag().over(order)
    starts = sent.mutate(new=(gap.isnull() | (gap > params.wave_gap_s)).cast("int64"))
    running = ibis.window(group_by=SENDER, order_by=[c.START_UTC, c.EVENT_ID], rows=(None, 0))
    return starts.mutate(**{BURST: starts.new.sum().over(running)}).drop("new")


def waves(sent_in_bursts: ir.Table, params: DetectionParams) -> ir.Table:
    """One row per wave: sender, burst, start (UTC and local), messages, recipients and the
    first message's event id."""
    t = sent_in_bursts
    bursts = t.group_by([SENDER, BURST]).aggregate(
        start_utc=t[c.START_UTC].min(),
        end_utc=t[c.START_UTC].max(),
        local_start=t[LOCAL].min(),
        messages=t.count(),
        recipients=t.recipient.nunique(),
        first_event=t[c.EVENT_ID].argmin(t.epoch),
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
    least half the size of the sender's upper-quartile wave. A busy line's quick replies to
    six customers in a row are a wave by count, but not its list.
    """
    t = sent_in_bursts
    typical = wave_rows.group_by(SENDER).aggregate(typical=wave_rows.recipients.quantile(0.75))
    sized = wave_rows.join(typical, SENDER)
    wave_rows = sized.filter(sized.recipients * 2 >= sized.typical).drop("typical")
    joined = t.join(wave_rows.select(SENDER, BURST), [SENDER, BURST])
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
