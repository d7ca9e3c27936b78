"""Parameters of deal-line detection, each with the domain reason for its value.

They are set from what the field describes (NCA county-lines assessments, Coomber & Moyle,
Spicer, Robinson et al.; see ``docs/methods/deal-lines.md``), never fitted to Fortress's own
simulator. Analysts can override them; every stored run records the values it used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Weights:
    """Share of the score (0-1) carried by each behaviour; they sum to 1."""

    regular_bulk: float = 0.25  # the defining behaviour: marketing waves, day after day
    all_week: float = 0.15  # an always-open service, weekends included
    late_hours: float = 0.15  # orders and texts late into the night
    orders_from_base: float = 0.15  # inbound contact comes from the people it texts
    follow_ups: float = 0.15  # orders are answered or dispatched within minutes
    shared_base: float = 0.05  # customers who also buy from another line
    away_from_customers: float = 0.10  # phone held in the hub, customers in town

    def total(self) -> float:
        """Sum of the weights (1.0 unless an analyst changed them)."""
        return float(sum(asdict(self).values()))


@dataclass(frozen=True, slots=True)
class DetectionParams:
    """What counts as a marketing wave, an order, a follow-up, and a line."""

    wave_gap_s: int = 300
    """Messages of one wave follow each other within this gap. A bulk-SMS app or a group
    send goes out in seconds, but a line phone is often worked by hand: forwarding the
    advert to each contact in turn, with a call or an order in between, spreads one wave
    over many minutes. Five minutes keeps such a wave whole. Longer gaps chain the line's
    own dispatch texts to its runners into its waves (so runners would read as customers),
    and most of a wave's messages must still go to different numbers
    (``wave_min_distinct_share``), so conversations do not make a broadcast."""
    wave_min_recipients: int = 3
    """A wave reaches at least this many distinct numbers. "Text bombs" reach tens to
    hundreds of customers, but a line starting out, a local line or one rebuilding its list
    after a number change texts a handful, and an advert to one or two numbers cannot be
    told from ordinary texting: three is the smallest list a broadcast can have. The bound
    only decides which numbers are scored: ordinary people seldom text three different
    people within minutes on two days or more (one of the Copenhagen study's students did,
    in four weeks), and club organisers and newsletters who do must still trade like a line
    to be reported (``threshold`` and ``follow_ups_min``)."""
    wave_min_distinct_share: float = 0.8
    """At least this share of a wave's messages go to different numbers: a broadcast, not a
    conversation with a few people."""
    base_min_wave_share: float = 0.25
    """A recipient is on the number's marketing list (its customer base) when it got at
    least a quarter of the waves sent since its first: lists get most waves, while a runner
    or friend texted during a wave is in few of them."""
    base_min_waves: int = 2
    """And it got at least two waves: once is chance."""
    min_wave_days: int = 2
    """A number is scored only when it sent waves on at least this many local days: one
    broadcast (a party invitation, a New Year greeting) is not a pattern."""
    late_from_hour: int = 22
    late_to_hour: int = 6
    """Local hours counted as late night (22:00-05:59)."""
    prompt_s: int = 1800
    """A contact from a recipient within half an hour after one of the number's waves
    reached it answers the wave (most text replies come within minutes): it does not show
    the number open for trade at night, since a broadcast can go out at any hour."""
    late_share_full: float = 0.5
    """Late activity on this share of active days gives the full late-hours component."""
    weekly_orders_full: float = 1.0
    """Orders per customer per week that give the full orders component. Dependent heroin
    and crack users buy several times a week, often daily (Coomber & Moyle 2018; NCA 2017),
    so a line's inbound traffic, spread over its whole list, comes to well over one order
    per customer a week; replies to a newsletter or alerts come to a small fraction of
    that."""
    weekly_orders_most: float = 14.0
    """Orders per customer per week beyond which the traffic is not buying: twice a day,
    every day, from every number on the list. Dependent users buy several times a week,
    often daily (Coomber & Moyle 2018; NCA 2017); numbers that contact one far more often
    are a crew reporting in (runners to their controller) or friends talking, and the
    orders component counts ``weekly_orders_most`` over the rate. No line in the choosing
    worlds exceeds 7; two non-lines in the benchmark worlds reach 17 and 50."""
    follow_up_s: int = 600
    """An order is followed up when the number texts or calls anyone (a reply to the
    customer or a dispatch to a runner) within ten minutes."""
    runner_min_dispatches: int = 3
    """A number the line passes orders to at least this often is a runner candidate (one
    follow-up call to a friend is not a dispatch pattern)."""
    shared_share_full: float = 0.1
    """A tenth of the base also texted by another scored line gives the full component
    (rival lines' bases overlap by about that much or more in the NCA's accounts)."""
    cohesion_from: float = 0.1
    cohesion_full: float = 0.3
    """Recipients who know each other: the share of a number's customers' contacts that
    are with each other, beyond the share that living in one town gives by chance (the
    base's size over the town's people). A line's customers are a marketing list of people
    who buy from it; a club's, faith group's or parents' group's members talk among
    themselves. From ``cohesion_from`` beyond chance the replies a number gets read
    increasingly as a group's conversation, and at ``cohesion_full`` (three contacts in ten
    within the group beyond chance) its orders and follow-ups count for nothing."""
    threshold: float = 0.54
    """Numbers scoring at least this are reported as deal lines, provided they also follow
    up nearly every order (``follow_ups_min``). Set midway between the highest score of a
    number that is not a line in any world looked at (0.52: a busy person in the 100M-event
    benchmark world who now and then texts three friends at once, late every night) and the
    lowest score of a line number in the choosing worlds (0.56: a line of three customers)."""
    follow_ups_min: float = 0.7
    """A line trades: a buyer is waiting, so it answers an order or passes it to a runner
    within minutes nearly every time (Coomber & Moyle 2018; NCA 2017). A number that follows
    up fewer than seven in ten of the contacts from its list is not reported as a line,
    whatever its score: broadcasting every day, as clubs, faith groups and newsletters do
    too, is not enough. The share is as measured (before the group discount). Set midway
    between the most a look-alike followed up in the choosing worlds (62%) and the least a
    line number did in any world looked at (78%, in the 100M-event benchmark world)."""
    weights: Weights = field(default_factory=Weights)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, recorded with every detection run."""
        return asdict(self)
