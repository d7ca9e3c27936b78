"""Per-number behaviour figures for the numbers that send marketing waves.

Each function returns an Ibis expression over the candidates' contacts; ``detect`` executes
them and turns the figures into scored evidence.
"""

from __future__ import annotations

import ibis.expr.types as ir

from fortress.comms.events import LOCAL, is_live
from fortress.comms.params import DetectionParams
from fortress.model import columns as c

ORDER_ID = "order_id"


IN_WAVE = "in_wave"
LAST_LIVE = "last_live_utc"


def while_live(contacts: ir.Table, waves: ir.Table) -> ir.Table:
    """``contacts`` up to each number's last live contact (``is_live``), each marked
    ``in_wave`` when it is a message of a marketing wave (``waves``: wave event ids)."""
    live = contacts.filter(is_live(contacts))
    last = live.group_by("number").aggregate(**{LAST_LIVE: live[c.START_UTC].max()})
    joined = contacts.join(last, "number")
    marked = joined.mutate(**{IN_WAVE: joined[c.EVENT_ID].isin(waves[c.EVENT_ID])})
    return marked.filter(marked[c.START_UTC] <= marked[LAST_LIVE]).drop(LAST_LIVE)


PROMPTED = "prompted"


def soon_after(
    earlier: ir.Table,
    later: ir.Table,
    keys: list[str],
    epochs: tuple[str, str],
    width: int,
) -> ir.Table:
    """Pairs of an ``earlier`` and a ``later`` row with equal ``keys``, the later at most
    ``width`` seconds after the earlier (``epochs``: each side's seconds column), with
    ``delay_s``. A time-bucketed equi-join (this bucket and the next) keeps the join small
    on any engine, where a plain range join would pair every row of a number with every
    other."""
    first, then = epochs
    e = earlier.mutate(bucket=(earlier[first] // width).cast("int64"))
    t = later.mutate(bucket=(later[then] // width).cast("int64"))
    pairs = [e.mutate(bucket=e.bucket + step).join(t, [*keys, "bucket"]) for step in (0, 1)]
    joined = pairs[0].union(pairs[1], distinct=False)
    delay = joined[then] - joined[first]
    return joined.filter((delay >= 0) & (delay <= width)).mutate(delay_s=delay)


def prompted(contacts: ir.Table, wave_messages: ir.Table, params: DetectionParams) -> ir.Table:
    """Event ids of incoming contacts that answer one of the number's own waves: from a
    recipient of a wave message within ``prompt_s`` after it (``wave_messages``: number,
    recipient, epoch)."""
    inbound = contacts.filter(~contacts.outgoing)
    replies = inbound.select(
        "number",
        "other",
        reply_id=inbound[c.EVENT_ID],
        reply_epoch=inbound[c.START_UTC].epoch_seconds(),
    )
    waves = wave_messages.select("number", other=wave_messages.recipient, wave_epoch="epoch")
    answers = soon_after(
        waves, replies, ["number", "other"], ("wave_epoch", "reply_epoch"), params.prompt_s
    )
    return answers.select(**{c.EVENT_ID: answers.reply_id}).distinct()


def activity(contacts: ir.Table, params: DetectionParams) -> ir.Table:
    """Per number (``contacts`` as ``while_live`` leaves them, marked ``prompted``): active
    local days, late-night days of trade - contacts outside its own marketing waves that
    do not answer one (a broadcast can be scheduled at any hour, and its recipients reply
    when it arrives; a line is open at night when customers order unprompted and it
    answers) - first and last day, in/out counts."""
    day = contacts[LOCAL].date()
    hour = contacts[LOCAL].hour()
    late = (hour >= params.late_from_hour) | (hour < params.late_to_hour)
    trade = ~contacts[IN_WAVE] & ~contacts[PROMPTED]
    return contacts.group_by("number").aggregate(
        active_days=day.nunique(),
        late_days=day.nunique(where=late & trade),
        first_day=day.min(),
        last_day=day.max(),
        first_utc=contacts[c.START_UTC].min(),
        last_utc=contacts[c.START_UTC].max(),
        incoming=(~contacts.outgoing).sum(),
        outgoing=contacts.outgoing.sum(),
    )


def orders(contacts: ir.Table, base: ir.Table) -> ir.Table:
    """Incoming calls and messages from the number's own wave recipients (its base)."""
    inbound = contacts.filter(~contacts.outgoing)
    return inbound.join(base, [inbound.number == base.number, inbound.other == base.recipient])


def follow_ups(order_rows: ir.Table, replies: ir.Table, params: DetectionParams) -> ir.Table:
    """Outgoing contacts (not wave messages) within ``follow_up_s`` after each order."""
    orders = order_rows.select(
        "number",
        customer=order_rows.other,
        order_epoch=order_rows[c.START_UTC].epoch_seconds(),
        **{ORDER_ID: order_rows[c.EVENT_ID]},
    )
    answers = replies.select(
        "number",
        target=replies.other,
        reply_id=replies[c.EVENT_ID],
        reply_epoch=replies[c.START_UTC].epoch_seconds(),
    )
    return soon_after(
        orders, answers, ["number"], ("order_epoch", "reply_epoch"), params.follow_up_s
    )


def order_summary(order_rows: ir.Table, followed: ir.Table) -> ir.Table:
    """Per number: orders, orders followed up, distinct customers ordering (and how many
    of them ordered on two days or more), example ids."""
    per_order = followed.group_by(["number", ORDER_ID]).aggregate(
        first_reply=followed.delay_s.min()
    )
    o = order_rows.select("number", "other", **{ORDER_ID: order_rows[c.EVENT_ID]})
    marked = o.left_join(per_order, ["number", ORDER_ID])
    summary = marked.group_by(marked.number).aggregate(
        orders=marked.count(),
        ordering_customers=marked.other.nunique(),
        followed=marked.first_reply.notnull().sum(),
        median_reply_s=marked.first_reply.median(),
        example_order=marked[ORDER_ID].min(where=marked.first_reply.notnull()),
    )
    days = order_rows.group_by(["number", "other"]).aggregate(
        days=order_rows[LOCAL].date().nunique()
    )
    repeat = days.group_by("number").aggregate(repeat_customers=(days.days >= 2).sum())
    return summary.join(repeat, "number")


def dispatches(followed: ir.Table, base: ir.Table) -> ir.Table:
    """Per (number, target): follow-ups to numbers outside the base and other than the
    customer who ordered - the line passing the order on (to a runner, or a controller)."""
    outside = followed.filter(followed.target != followed.customer)
    members = base.select("number", target=base.recipient)
    passed = outside.anti_join(members, ["number", "target"])
    return passed.group_by(["number", "target"]).aggregate(
        dispatches=passed[ORDER_ID].nunique(), example=passed.reply_id.min()
    )


def member_contacts(pairs: ir.Table, members: ir.Table) -> ir.Table:
    """Distinct (``number``, ``other``) contacts of ``members`` (column ``recipient``), by
    call or message either way: with whom a sender's recipients are in touch. ``pairs``:
    the tally ``tallies.PAIRS`` (the distinct pairs of all events come first: customers
    are a large share of all numbers, so filtering every event by membership first costs
    more, 27 against 8 s on 100M events)."""
    wanted = members.select(x=members.recipient).distinct()
    out = pairs.semi_join(wanted, "x")
    back = pairs.select(x=pairs.y, y=pairs.x).semi_join(wanted, "x")
    both = out.union(back, distinct=True)
    return both.select(number=both.x, other=both.y)


def areas_of(cell_use: ir.Table, cells: ir.Table) -> ir.Table:
    """Per (number, area): how many of the number's events used a cell in the area
    (``cell_use``: the tally ``tallies.CELL_USE``)."""
    joined = cell_use.join(cells.select(cell=cells[c.CELL_ID], area=cells[c.AREA]), "cell")
    return joined.group_by(["number", "area"]).aggregate(events=joined.events.sum())


def residents(areas: ir.Table) -> ir.Table:
    """Per area: the numbers whose located events are mostly there (``areas``: as
    ``areas_of`` gives them; a number tied between areas counts in each)."""
    top = areas.group_by("number").aggregate(most=areas.events.max())
    main = areas.join(top, "number")
    main = main.filter(main.events == main.most)
    return main.group_by("area").aggregate(residents=main.number.nunique())


def located(contacts: ir.Table, cells: ir.Table) -> ir.Table:
    """Per (number, cell): the cell's area and how many of the number's events used it."""
    joined = contacts.filter(contacts.cell.notnull()).join(
        cells.select(cell=cells[c.CELL_ID], area=cells[c.AREA]), "cell"
    )
    return joined.group_by(["number", "cell", "area"]).aggregate(events=joined.count())


def handsets(contacts: ir.Table) -> ir.Table:
    """Per (number, IMEI): first and last sighting of the handset that sent from it."""
    sent = contacts.filter(contacts.outgoing & contacts.imei.notnull())
    return sent.group_by(["number", "imei"]).aggregate(
        first_utc=sent[c.START_UTC].min(), last_utc=sent[c.START_UTC].max(), events=sent.count()
    )
