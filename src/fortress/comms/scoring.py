"""Behaviour components of the deal-line score, each with the sentence that explains it.

Every component is a number in 0-1 and an :class:`Evidence` item; the score is their
weighted sum (weights in :class:`fortress.comms.params.Weights`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fortress.comms.params import DetectionParams
from fortress.comms.results import Gathered, NumberFinding
from fortress.comms.tally import most_common, top
from fortress.model.findings import Evidence
from fortress.model.values import number_service

Component = tuple[float, Evidence]
SAME_BRAND_OVERLAP = 0.5
"""Two numbers whose bases overlap at least this much (of the smaller base) are read as one
brand's old and new number (see ``continuity``), not as rival lines sharing customers."""


def score_number(
    number: str,
    figures: dict[str, Any],
    base: set[str],
    gathered: Gathered,
    params: DetectionParams,
) -> NumberFinding:
    """Every component but the shared base (which needs the other numbers' scores)."""
    parts = {
        "regular_bulk": regular_bulk(figures),
        "all_week": all_week(figures),
        "late_hours": late_hours(figures, params),
        "orders_from_base": orders_from_base(figures, len(base), params),
        "follow_ups": follow_ups(figures, params),
        "away_from_customers": away_from_customers(number, base, gathered),
    }
    cohesion, cohesion_evidence = member_cohesion(number, base, gathered, params)
    for trade in ("orders_from_base", "follow_ups"):
        value, item = parts[trade]
        parts[trade] = (value * (1 - cohesion), item)
    weights = params.weights
    total = weights.total()
    score = sum(getattr(weights, name) * value for name, (value, _) in parts.items()) / total
    evidence = [item for _, item in parts.values()]
    evidence.append(cohesion_evidence)
    service = number_service(number)
    if service == "fixed":
        evidence.insert(0, _fixed_line())
    return NumberFinding(
        number=number,
        score=round(score, 4),
        is_line=False,
        components={
            **{name: round(value, 4) for name, (value, _) in parts.items()},
            "member_cohesion": round(cohesion, 4),
        },
        evidence=evidence,
        figures={**figures, "service": service, "base": len(base)},
    )


def decide(found: NumberFinding, params: DetectionParams) -> None:
    """Set ``found.is_line``: a mobile scoring at least the threshold that follows up
    nearly every order (the share as measured: the group discount of ``member_cohesion``
    already weighs in the score). A number that scores enough on broadcasting alone gets a
    sentence saying why it is not reported."""
    follow = followed_share(found.figures)
    scores = found.score >= params.threshold and found.figures["service"] != "fixed"
    found.is_line = scores and follow >= params.follow_ups_min
    if scores and not found.is_line:
        found.evidence.append(
            Evidence(
                "not_trading",
                f"It scores {found.score:.2f}, at or over the threshold of "
                f"{params.threshold:.2f}, but followed up {follow:.0%} of the contacts from "
                f"its list within {params.follow_up_s // 60} minutes, under the "
                f"{params.follow_ups_min:.0%} a line reaches by answering or dispatching "
                "each order: broadcasting alone is what clubs and newsletters do too, so it "
                "is not reported as a line.",
                {"followed_share": round(follow, 4), "follow_ups_min": params.follow_ups_min},
            )
        )


def could_be_line(found: NumberFinding, params: DetectionParams) -> bool:
    """Whether the shared-base component could still lift ``found`` to the threshold."""
    weights = params.weights
    ceiling = found.score + weights.shared_base / weights.total()
    return ceiling >= params.threshold and found.figures["service"] != "fixed"


def add_shared_base(
    found: NumberFinding,
    bases: dict[str, set[str]],
    likely: set[str],
    params: DetectionParams,
) -> None:
    """Add the shared-base component: customers also texted by another likely line."""
    base = bases[found.number]
    rivals = [
        other
        for other in sorted(likely - {found.number})
        if overlap(base, bases[other]) < SAME_BRAND_OVERLAP
    ]
    shared = {member for other in rivals for member in base & bases[other]}
    share = len(shared) / len(base) if base else 0.0
    value = min(1.0, share / params.shared_share_full)
    weights = params.weights
    found.score = round(found.score + weights.shared_base * value / weights.total(), 4)
    found.components["shared_base"] = round(value, 4)
    sharing = [other for other in rivals if base & bases[other]]
    text = (
        f"{len(shared)} of its {len(base)} customers ({share:.0%}) are also texted in bulk by "
        f"{_list(sharing)}, scored as {'a line' if len(sharing) == 1 else 'lines'} too."
        if shared
        else "None of its customers is texted in bulk by another likely line."
    )
    found.evidence.append(
        Evidence(
            "shared_base",
            text,
            {"shared": len(shared), "base": len(base), "share": round(share, 4)},
        )
    )


def overlap(a: set[str], b: set[str]) -> float:
    """Overlap coefficient: shared members over the smaller set's size."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


def member_cohesion(
    number: str, base: set[str], gathered: Gathered, params: DetectionParams
) -> Component:
    """How far the number's customers know each other (0: a marketing list, 1: a group
    whose members talk among themselves): the share of the customers' contacts that are
    with each other, beyond the share that living in one town would give by chance. It
    discounts the orders and follow-ups, which from such a group are conversation."""
    inside, total = gathered.member_contacts.get(number, (0, 0))
    share = inside / total if total else 0.0
    where = _customers_area(base, gathered)
    people = gathered.residents.get(where[0], 0) if where else 0
    chance = min(1.0, (len(base) - 1) / (people - 1)) if people > 1 else 0.0
    excess = share - chance
    span = params.cohesion_full - params.cohesion_from
    value = min(1.0, max(0.0, (excess - params.cohesion_from) / span))
    text = (
        f"{share:.0%} of its {len(base)} customers' contacts ({inside} of {total}) are with "
        "each other"
    )
    if where and people > 1:
        text += f"; {chance:.0%} would be, by chance, among the {people} people of {where[0]}"
    if value > 0:
        text += (
            ": a group whose members know each other, as a club's or a faith group's do, so "
            f"its orders and follow-ups count {1 - value:.0%}."
        )
    else:
        text += (
            f"; under the {params.cohesion_from:.0%} beyond chance at which recipients read "
            "as a group."
        )
    return value, Evidence(
        "member_cohesion",
        text,
        {
            "contacts_within": inside,
            "contacts": total,
            "share": round(share, 4),
            "by_chance": round(chance, 4),
        },
    )


def _customers_area(base: set[str], gathered: Gathered) -> tuple[str, float] | None:
    """The area where most of ``base`` lives (each customer's most frequent area), and the
    share of the located customers who live there."""
    home = Counter(
        most_common(gathered.customer_areas[member])
        for member in base
        if gathered.customer_areas.get(member)
    )
    if not home:
        return None
    town, living = top(home)
    return town, living / sum(home.values())


def span_days(figs: dict[str, Any]) -> int:
    """Calendar days from the number's first to its last local day in the data."""
    first, last = figs.get("first_day"), figs.get("last_day")
    if first is None or last is None:
        return max(int(figs["wave_days"]), 1)
    return max(int((last - first).days) + 1, int(figs["wave_days"]))


def regular_bulk(figs: dict[str, Any]) -> Component:
    """Waves on most days of the number's life, not only on the days it was used."""
    days = span_days(figs)
    value = figs["wave_days"] / days
    text = (
        f"Sent {figs['waves']} bulk message waves (on average "
        f"{figs['mean_recipients']:.0f} recipients within minutes, at most "
        f"{figs['max_recipients']}) on {figs['wave_days']} of the {days} days from its first "
        "to its last contact."
    )
    return value, Evidence(
        "regular_bulk",
        text,
        {"waves": figs["waves"], "wave_days": figs["wave_days"], "span_days": days},
    )


def all_week(figs: dict[str, Any]) -> Component:
    """Waves on every day of the week (of those its life covered)."""
    possible = min(7, span_days(figs))
    days = int(figs["wave_weekdays"])
    value = min(1.0, days / possible)
    text = f"Waves on {days} of the 7 days of the week"
    text += f" (its {possible} days in the data cover fewer)." if possible < 7 else "."
    return value, Evidence("all_week", text, {"weekdays_with_waves": days})


def late_hours(figs: dict[str, Any], params: DetectionParams) -> Component:
    """In contact late at night on most days of its life."""
    days = span_days(figs)
    late = int(figs.get("late_days") or 0)
    value = min(1.0, late / days / params.late_share_full)
    text = (
        f"In contact between {params.late_from_hour:02d}:00 and {params.late_to_hour:02d}:00 "
        f"on {late} of its {days} days."
    )
    return value, Evidence("late_hours", text, {"late_days": late, "span_days": days})


def orders_from_base(figs: dict[str, Any], base: int, params: DetectionParams) -> Component:
    """Incoming contact comes from the numbers it texts, many of them come back (a line's
    customers order again and again, a reply to a broadcast comes once), and they come
    often: dependent users buy several times a week."""
    incoming = int(figs.get("incoming") or 0)
    orders = int(figs.get("orders") or 0)
    customers = int(figs.get("ordering_customers") or 0)
    repeat = int(figs.get("repeat_customers") or 0)
    share = orders / incoming if incoming else 0.0
    breadth = min(1.0, repeat / params.wave_min_recipients)
    weekly = orders / base / (span_days(figs) / 7) if base else 0.0
    demand = min(1.0, weekly / params.weekly_orders_full)
    text = (
        f"{orders} of its {incoming} incoming calls and messages ({share:.0%}) came from "
        f"{customers} of the {base} numbers it texts in bulk, {repeat} of them on two days "
        f"or more: {weekly:.2f} orders per customer a week"
    )
    if weekly > params.weekly_orders_most:
        demand = params.weekly_orders_most / weekly
        text += (
            f", more than the {params.weekly_orders_most:g} a week (twice a day) that buying "
            f"comes to: a crew reporting in or friends talking, so the component counts "
            f"{demand:.0%}."
        )
    else:
        text += "." if demand == 1 else f", so the component counts {demand:.0%}."
    return share * breadth * demand, Evidence(
        "orders_from_base",
        text,
        {
            "orders": orders,
            "incoming": incoming,
            "ordering_customers": customers,
            "repeat_customers": repeat,
            "base": base,
            "weekly_orders_per_customer": round(weekly, 4),
        },
    )


def followed_share(figs: dict[str, Any]) -> float:
    """The share of orders followed up within ``follow_up_s`` (0 without orders)."""
    orders = int(figs.get("orders") or 0)
    return int(figs.get("followed") or 0) / orders if orders else 0.0


def follow_ups(figs: dict[str, Any], params: DetectionParams) -> Component:
    """Orders are answered or passed on within minutes."""
    orders = int(figs.get("orders") or 0)
    followed = int(figs.get("followed") or 0)
    share = followed_share(figs)
    minutes = params.follow_up_s // 60
    median = figs.get("median_reply_s")
    text = (
        f"It called or texted someone within {minutes} minutes after {followed} of those "
        f"{orders} contacts ({share:.0%})"
        + (f"; median delay {float(median) / 60:.1f} minutes." if median is not None else ".")
    )
    example = figs.get("example_order")
    return share, Evidence(
        "follow_ups",
        text,
        {"followed": followed, "orders": orders, "median_delay_s": median},
        (str(example),) if example else (),
    )


def away_from_customers(number: str, base: set[str], gathered: Gathered) -> Component:
    """The phone is mostly somewhere other than where its customers are."""
    if not gathered.customer_areas and not gathered.sites:
        return 0.0, Evidence(
            "away_from_customers", "No cell sites are loaded, so location was not assessed."
        )
    where = _customers_area(base, gathered)
    own: Counter[str] = Counter()
    for row in gathered.sites.get(number, []):
        own[row["area"]] += int(row["events"])
    located = sum(own.values())
    if where is None or not located:
        return 0.0, Evidence(
            "away_from_customers", "Too few located events to compare with its customers."
        )
    town, concentration = where
    away = (located - own.get(town, 0)) / located
    phone_area = max(own, key=lambda area: own[area])
    text = (
        f"{concentration:.0%} of its located customers live in {town}; its phone was outside "
        f"{town} for {away:.0%} of its {located} located events (most often in {phone_area})."
    )
    if concentration < 1:
        text += (
            f" Counted as {away * concentration:.0%}: a line serves one town, so a phone is "
            "away from its customers only as far as they are in one place."
        )
    return away * concentration, Evidence(
        "away_from_customers",
        text,
        {
            "customers_area": town,
            "phone_area": phone_area,
            "away_share": round(away, 4),
            "customers_in_area": round(concentration, 4),
        },
    )


def _fixed_line() -> Evidence:
    return Evidence(
        "fixed_line",
        "A fixed (geographic) landline: a deal line is a mobile phone carried by whoever "
        "holds the line, so this number is never reported as one.",
    )


def _list(numbers: list[str]) -> str:
    return ", ".join(numbers[:3]) + (f" and {len(numbers) - 3} more" if len(numbers) > 3 else "")
