"""Behaviour profiles: the habits of a world's lines, look-alikes and phone users.

Deal-line detection that scored perfectly on our own worlds failed on worlds from an
independent generator: detector and simulator had learned each other's habits (issue #15).
A profile fixes those habits per world. ``CLASSIC`` is the behaviour the simulator always had
(a world simulated with it is byte-identical to one simulated before profiles existed);
``draw_profile(seed)`` draws every parameter from a documented range, so that no two seeds
share the same habits.

Each field says its range (what ``draw_profile`` draws from, uniformly unless said otherwise),
its classic value and its source. "Judgement" marks a range that no source measures: it is
chosen to cover what the sources describe in words, wide on purpose. Sources:

* NCA 2017: National Crime Agency, *County Lines Violence, Exploitation & Drug Supply 2017*.
* NCA 2019: NCA, *County Lines Drug Supply, Vulnerability and Harm 2018* (published 2019).
* NCA 2024: NCA, *National Strategic Assessment of Serious and Organised Crime 2024*
  (county lines section).
* HO 2023: Home Office, *Criminal exploitation of children and vulnerable adults: County
  Lines guidance* (2018, updated 2023).
* Coomber & Moyle 2018 (*British Journal of Criminology* 58(6)); Spicer, Moyle & Coomber
  2020 (*Trends in Organized Crime* 23); Spicer 2021 (*International Journal of Drug Policy*
  87); Robinson, McLean & Densley 2019 (*Int. J. Offender Therapy and Comparative
  Criminology* 63(5)); HMICFRS 2020, *Both sides of the coin* (the police response to
  county lines and exploitation).
* AOSP ``SmsUsageMonitor``: Android asks the user to confirm once an app has sent 30 SMS
  within 60 s, so scripted sending from a handset can be fast; sending by hand is not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np

CLASSIC_NAME: Final = "classic"
DRAWN_NAME: Final = "drawn"
PROFILES: Final = (CLASSIC_NAME, DRAWN_NAME)

STREAM_PROFILE: Final = 5
"""SeedSequence key of the stream a profile is drawn from (world.py keys 0-4 are taken)."""
STREAM_BEHAVIOUR_PLAN: Final = 6
"""Key of the stream that plans what only a drawn profile adds (switch details, look-alikes,
walk-ins, rotations), so that the classic plan streams are untouched."""
STREAM_BEHAVIOUR_LINES: Final = 7
STREAM_BEHAVIOUR_BULK: Final = 8
"""Keys of the per-day streams for the random draws the profile adds to daily traffic."""


@dataclass(frozen=True)
class BehaviourProfile:
    """The behaviour of one world. Rates and shares are per line or per person as stated.

    ``name`` is ``"classic"`` or ``"drawn"``.
    """

    name: str

    # --- number changes of deal lines ------------------------------------------------
    switch_interval_days: float
    """Mean days between a line's number changes (Poisson). Classic 40; drawn 14-90.
    NCA 2017 and HO 2023: lines change deal-line phones and numbers often, the brand
    survives; no source gives a rate (judgement)."""
    same_handset_share: float
    """Chance that the new SIM goes into the handset that carried the old number (one IMEI,
    two numbers; then the switch is a SIM swap with no overlap, as a single-SIM phone cannot
    hold both and a dual-SIM phone reports a second IMEI). Classic 0; drawn 0-0.6.
    Judgement: HO 2023 and NCA 2017 describe burner handsets and SIMs changed, not in what
    proportion together."""
    overlap_days_max: int
    """The successor texts the base 0..max days before the old number falls silent (drawn
    per switch). Classic: always 1 (the old number falls silent a day after the
    announcement); drawn max 0-5. Coomber & Moyle 2018 (customers told of a new number by
    text); the overlap is judgement."""
    straggler_share: float
    """Share of the base that misses the "new number" text and keeps ringing the old number,
    unanswered, until it hears the new one by word of mouth. Classic 0; drawn 0.05-0.35.
    Judgement (any base has lapsed or irregular buyers; Coomber & Moyle 2018)."""
    unanswered_days_max: int
    """Stragglers keep trying the old number for 1..max days after it falls silent (each
    switch draws its own number of days). Classic 0 (no stragglers); drawn 1-10. Judgement."""
    straggler_text_share: float
    """Share of stragglers' attempts that are texts rather than calls. Classic 0; drawn
    0.1-0.4. Judgement."""
    handset_swap_interval_days: float
    """Mean days between handset swaps of a line number (new IMEI, same number). Classic 30;
    drawn 14-60. HO 2023 (frequently changed phones); rate is judgement."""

    # --- look-alikes: legitimate senders that text many people daily ------------------
    organisers_per_town: float
    """Mean number (Poisson) of community organisers per town (clubs, faith groups, parents'
    groups) texting their whole group daily from a mobile and answering replies; members
    know each other. Classic 0; drawn 0.5-3, at least one in the first line's town.
    Judgement (most such groups now use app messaging, which comms data does not hold;
    some still text)."""
    newsletters_per_town: float
    """Mean number (Poisson) of daily newsletters or alerts per town sent from a mobile,
    some early in the morning or late at night, few replies. Classic 0; drawn 0.3-2.
    Judgement."""
    member_chat_rate: float
    """Conversations a community-group member starts with other members per day. Classic 0;
    drawn 0.05-0.3. Judgement."""

    # --- harder lines ------------------------------------------------------------------
    internal_share: float
    """Share of lines run from inside their town: controller and runners local, no travel
    from the hub, the phone held in town. Classic 0; drawn 0-0.5 (the first line always
    exports). NCA 2019 and NCA 2024 report a growing share of lines supplied within one
    force area; the share is judgement."""
    slow_sending_share: float
    """Share of lines that send their marketing texts one by one over many minutes (by
    hand, no bulk app). Classic 0; drawn 0-0.6. AOSP SmsUsageMonitor; judgement."""
    slow_gap_median_s: float
    """Median gap between consecutive messages of a slow line's wave (per line, lognormal
    around it, each gap lognormal again, 1 s to 15 min). Classic 0; drawn 10-90 s.
    Judgement (typing or pasting a message per recipient)."""
    call_order_share: float
    """Share of lines taking orders by call and answering by call (90% of orders are
    calls). Classic 0; drawn 0-0.4. Coomber & Moyle 2018 and NCA 2017 describe orders by
    call or text; the split is judgement."""
    text_order_share: float
    """Share of lines taking orders by text (90% of orders are texts). Classic 0; drawn
    0-0.4. The rest are mixed (half calls), as every classic line. Judgement."""
    small_line_share: float
    """Share of lines whose base is 15-40% of the usual size. Classic 0; drawn 0-0.4. NCA
    2017 and NCA 2019 describe lines of very different sizes; judgement."""
    walk_in_share: float
    """Buyers per line who order but are not on its texting list (they get no marketing
    and no "new number" text), as a share of the base. Classic 0; drawn 0-0.3. Coomber &
    Moyle 2018 (buyers reaching sellers by word of mouth); judgement."""
    shared_share: float | None
    """Share of a line's base also buying from a rival line in its town; ``None`` keeps
    the variant's (0.15, or 0.5 for ``hard``), a drawn value (0.05-0.5) applies when it is
    larger than the variant's. Coomber & Moyle 2018 (buyers using several lines);
    judgement."""
    held_in_hub_share: float
    """Share of exported lines whose phone the controller holds in the hub. Classic 0.6;
    drawn 0.3-0.8. NCA 2017; Robinson, McLean & Densley 2019; judgement."""
    cuckoo_share: float
    """Share of lines (after the first, which always does) that cuckoo an address. Classic
    0.5; drawn 0.2-0.8. NCA 2019 and Spicer, Moyle & Coomber 2020 (cuckooing widespread);
    judgement."""
    wave_fire_low: float
    """Each line fires its marketing waves with a per-line factor in [low, 1] times the
    classic chances (0.95 morning, 0.9 afternoon, 0.45 late). Classic 1; drawn 0.3-1.
    NCA 2017 (bulk marketing texts); judgement."""
    wave_coverage_low: float
    """A wave reaches between this share and 95% of the base. Classic 0.75; drawn 0.3-0.75.
    Judgement."""

    # --- number changes of people who are not lines ------------------------------------
    actor_switches_per_month: float
    """Mean changes of personal number per controller or runner per 30 days. Classic 0;
    drawn 0.5-2. HO 2023 (young people with several or frequently changed phones);
    judgement."""
    actor_same_handset_share: float
    """Chance that an actor's new SIM goes into the same handset. Classic 0; drawn 0-0.5.
    Judgement."""
    person_switches_per_year: float
    """Chance per year that an ordinary person changes number (contacts carry over).
    Classic 0; drawn 0.02-0.15. Judgement (number porting keeps most numbers)."""
    person_same_handset_share: float
    """Chance that a person changing number keeps the handset. Classic 0; drawn 0.5-0.9.
    Judgement."""

    @property
    def is_classic(self) -> bool:
        """Whether this is the classic behaviour (today's worlds, byte for byte)."""
        return self.name == CLASSIC_NAME

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (for the ground-truth file)."""
        return asdict(self)


CLASSIC: Final = BehaviourProfile(
    name=CLASSIC_NAME,
    switch_interval_days=40.0,
    same_handset_share=0.0,
    overlap_days_max=1,
    straggler_share=0.0,
    unanswered_days_max=0,
    straggler_text_share=0.0,
    handset_swap_interval_days=30.0,
    organisers_per_town=0.0,
    newsletters_per_town=0.0,
    member_chat_rate=0.0,
    internal_share=0.0,
    slow_sending_share=0.0,
    slow_gap_median_s=0.0,
    call_order_share=0.0,
    text_order_share=0.0,
    small_line_share=0.0,
    walk_in_share=0.0,
    shared_share=None,
    held_in_hub_share=0.6,
    cuckoo_share=0.5,
    wave_fire_low=1.0,
    wave_coverage_low=0.75,
    actor_switches_per_month=0.0,
    actor_same_handset_share=0.0,
    person_switches_per_year=0.0,
    person_same_handset_share=0.0,
)
"""Today's behaviour: worlds simulated with it are the worlds simulated before profiles."""

RANGES: Final[dict[str, tuple[float, float]]] = {
    "switch_interval_days": (14.0, 90.0),
    "same_handset_share": (0.0, 0.6),
    "overlap_days_max": (0, 5),
    "straggler_share": (0.05, 0.35),
    "unanswered_days_max": (1, 10),
    "straggler_text_share": (0.1, 0.4),
    "handset_swap_interval_days": (14.0, 60.0),
    "organisers_per_town": (0.5, 3.0),
    "newsletters_per_town": (0.3, 2.0),
    "member_chat_rate": (0.05, 0.3),
    "internal_share": (0.0, 0.5),
    "slow_sending_share": (0.0, 0.6),
    "slow_gap_median_s": (10.0, 90.0),
    "call_order_share": (0.0, 0.4),
    "text_order_share": (0.0, 0.4),
    "small_line_share": (0.0, 0.4),
    "walk_in_share": (0.0, 0.3),
    "shared_share": (0.05, 0.5),
    "held_in_hub_share": (0.3, 0.8),
    "cuckoo_share": (0.2, 0.8),
    "wave_fire_low": (0.3, 1.0),
    "wave_coverage_low": (0.3, 0.75),
    "actor_switches_per_month": (0.5, 2.0),
    "actor_same_handset_share": (0.0, 0.5),
    "person_switches_per_year": (0.02, 0.15),
    "person_same_handset_share": (0.5, 0.9),
}
"""The range ``draw_profile`` draws each field from (integers inclusive)."""
_INTEGER_FIELDS: Final = ("overlap_days_max", "unanswered_days_max")


def draw_profile(seed: int) -> BehaviourProfile:
    """Draw a profile from ``RANGES`` with the seed's own stream (``STREAM_PROFILE``).

    Fields are drawn in ``RANGES`` order, uniformly; integer fields uniformly among the
    integers of their range. Shares are rounded to 3 decimals, so that the ground-truth
    file shows the values the world was made with.
    """
    if seed < 0:
        raise ValueError("seed must be non-negative")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, STREAM_PROFILE])))
    values: dict[str, Any] = {}
    for name, (low, high) in RANGES.items():
        if name in _INTEGER_FIELDS:
            values[name] = int(rng.integers(int(low), int(high) + 1))
        else:
            values[name] = round(float(rng.uniform(low, high)), 3)
    return BehaviourProfile(name=DRAWN_NAME, **values)


def resolve_profile(profile: str | BehaviourProfile, seed: int) -> BehaviourProfile:
    """The profile a world is simulated with: ``"classic"``, ``"drawn"`` (drawn from the
    seed) or an explicit ``BehaviourProfile`` (tests, experiments)."""
    if isinstance(profile, BehaviourProfile):
        return profile
    if profile == CLASSIC_NAME:
        return CLASSIC
    if profile == DRAWN_NAME:
        return draw_profile(seed)
    raise ValueError(f"unknown profile {profile!r}; use one of {list(PROFILES)}")
