"""Typed results of the deal-line services (``fortress.comms``), shared by the CLI, the
reports and the API.

They live in ``model`` (DESIGN.md: "model: domain types ... typed results") because they
depend on nothing in ``comms``: each is plain data (numbers, strings, other models), so the
CLI, ``reports`` and the coming web API can import them without importing the analytics,
and ``comms`` builds them. Each is a frozen pydantic model, so a route can name it as its
``response_model`` and ``/openapi.json`` describes the answer.

Their JSON (``model_dump(mode="json")``) is the JSON ``fortress lines … --json`` has always
printed, key for key and in the same order, because **a model's field order is its JSON's
key order**. Two orders exist, and both are kept:

* results assembled by the services (a line, its history, activity, quantum, successors,
  the evaluation) in the order the fields are declared here;
* findings stored with a run as JSON with sorted keys (controllers, phone holders, runner
  movements, possible child runners, safeguarding sites) and printed as stored: their
  models declare fields alphabetically, and their evidence is :class:`StoredEvidenceItem`
  (the same four fields as :class:`EvidenceItem`, alphabetically). Changing that would
  change what scripts reading the JSON see; a versioned JSON could merge the two.

Times are ISO 8601 strings (UTC, without offset), as the JSON has always had them; days are
``YYYY-MM-DD`` strings.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fortress.model.findings import Evidence

Figure = bool | int | float | str | None
"""A figure behind a sentence of evidence (bool first, so a flag stays a flag)."""

Verdict = Literal["confirmed", "rejected", "unsure"]
"""An analyst's judgement of a link (``fortress.model.findings.JUDGEMENTS``)."""


class Frozen(BaseModel):
    """Base of every result: immutable once made."""

    model_config = ConfigDict(frozen=True)


# --- evidence --------------------------------------------------------------------------


class EvidenceItem(Frozen):
    """One reason behind a finding (:class:`fortress.model.findings.Evidence` as a model):
    a kind, a plain-English sentence, the figures it rests on and example event ids."""

    kind: str
    text: str
    figures: dict[str, Figure] = Field(default_factory=dict)
    events: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceItem:
        """The model of an :class:`Evidence`."""
        return cls(
            kind=evidence.kind,
            text=evidence.text,
            figures=dict(evidence.figures),
            events=list(evidence.events),
        )


class StoredEvidenceItem(Frozen):
    """:class:`EvidenceItem` as stored with a run's people and places (keys sorted)."""

    events: list[str] = Field(default_factory=list)
    figures: dict[str, Figure] = Field(default_factory=dict)
    kind: str
    text: str


# --- detection and lines ---------------------------------------------------------------


class DetectedLine(Frozen):
    """A line as a detection run reports it."""

    line_id: str
    numbers: list[str]
    """Oldest first."""
    score: float
    evidence: list[EvidenceItem]


class StageTime(Frozen):
    """The wall time one stage of a detection run took on its own."""

    stage: str
    seconds: float


class DetectionRun(Frozen):
    """What one ``lines detect`` run scored and found (``run_detection``)."""

    run_id: str
    events: int
    numbers_scored: int
    lines_found: int
    seconds: float
    lines: list[DetectedLine]
    stages: list[StageTime] = Field(default_factory=list)
    """Where the time went: waves, scoring, neighbourhoods (fetching the contacts of
    chosen numbers), roles, safeguarding, writing results."""
    wave_step: str | None = None
    """How the wave step was made: over every event file, or kept from an earlier run and
    extended by the files ingested since (None when there were no events to step over)."""
    contacts: str | None = None
    """How many numbers' contacts came from what earlier runs kept (brought up to date by
    the new files) and how many cost a scan of every event."""


class BrandLink(Frozen):
    """One number of a brand taking over from the one before it, and why."""

    model_config = ConfigDict(
        frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    from_: str = Field(alias="from")
    to: str
    shared_customers: int
    weighted_overlap: float
    same_handset: str | None = None
    """An IMEI that carried the old number and then the new one."""
    judged: str | None = None
    """An analyst's verdict on the link, if any (``fortress numbers judge``)."""
    text: str


class LineSummary(Frozen):
    """A line of the latest run (``list_lines``): a brand with every number it used
    (oldest first) and the links between them; or with ``--all`` a number that sent bulk
    waves and is not a line (``line_id`` None, ``is_line`` false). ``last_seen_utc`` is
    the last live contact: one a line number made, or a call it answered."""

    line_id: str | None
    is_line: bool
    numbers: list[str]
    links: list[BrandLink] = Field(default_factory=list)
    score: float
    first_seen_utc: str
    last_seen_utc: str
    customer_count: int
    """Distinct customers over the marketing lists of the brand's numbers."""
    evidence: list[EvidenceItem]


class NumberHistory(Frozen):
    """One number of a line: when it was used and its score's components."""

    number: str
    first_seen_utc: str
    last_seen_utc: str
    score: float
    components: dict[str, float]


class CustomerList(Frozen):
    """A line's customers: the union of its numbers' bases."""

    count: int
    numbers: list[str]


class RunnerCount(Frozen):
    """A runner and how many orders the line passed to it."""

    number: str
    dispatches: int


class RunnerList(Frozen):
    """A line's runners, most dispatches first."""

    count: int
    numbers: list[RunnerCount]


class Controller(Frozen):
    """A number that manages the line (stored with the run: fields alphabetical)."""

    evidence: list[StoredEvidenceItem]
    number: str
    score: float


class ControllerList(Frozen):
    """A line's controllers, strongest first."""

    count: int
    numbers: list[Controller]


class Stint(Frozen):
    """Consecutive nights a runner spent in one area (``from`` and ``to`` are days)."""

    model_config = ConfigDict(
        frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    area: str
    from_: str = Field(alias="from")
    nights: int
    to: str


class RunnerMovement(Frozen):
    """Where a runner spent its nights: home area, stints and changes of area."""

    home_area: str
    stints: list[Stint]
    trips: int


class ChildRunner(Frozen):
    """A runner's school-day pattern (``fortress.comms.children``)."""

    evidence: list[StoredEvidenceItem]
    number: str
    possible_child: bool
    quiet_in_lessons: float | None
    school_days_off_duty: int
    school_days_working: int


class PhoneHolder(Frozen):
    """A candidate holder of a line phone, scored by co-location beyond chance."""

    evidence: list[StoredEvidenceItem]
    holds: bool
    number: str
    score: float


class LineHandset(Frozen):
    """A handset (IMEI) a line number was used in."""

    number: str
    events: int
    first_utc: str
    imei: str
    last_utc: str


class LineSite(Frozen):
    """A cell the line's numbers used, with its events."""

    cell_id: str
    area: str | None
    events: int


class RunRef(Frozen):
    """The detection run a result was read from."""

    id: str
    finished_at: str


class LineDetail(LineSummary):
    """Everything about one line of the latest run (``show_line``)."""

    number_history: list[NumberHistory]
    customers: CustomerList
    runners: RunnerList
    controllers: ControllerList
    runner_movements: dict[str, RunnerMovement]
    children: list[ChildRunner]
    phone_holders: dict[str, list[PhoneHolder]]
    handsets: list[LineHandset]
    sites: list[LineSite]
    run: RunRef


class LineRef(Frozen):
    """Which line a result is about."""

    line_id: str
    numbers: list[str]


# --- activity and quantum ---------------------------------------------------------------


class DayActivity(Frozen):
    """One local day of a line's life (definitions in ``fortress.comms.activity``)."""

    day: str
    base: int
    potential: int
    confirmed: int
    incoming: int
    outgoing: int
    active_hours: int
    customers_texted: int


class LineActivity(LineRef):
    """A line's daily activity from its first to its last contact (``line_activity``)."""

    days: list[DayActivity]


class WeekHours(LineRef):
    """When a line works: its numbers' calls and messages (made or received) by local day of
    the week and clock hour (``fortress.comms.activity.week_hours``)."""

    counts: list[list[int]]
    """Seven rows, Monday first, of 24 counts, hour 0 first."""
    events: int


class LinesPerDay(Frozen):
    """Calls and messages per UTC day of each line (its numbers' events, made or received)
    over the same days for every line: the first to the last day of the workspace's events."""

    first_day: str
    last_day: str
    counts: dict[str, list[int]]
    """Line id -> one count per day, ``first_day`` first."""


class Grams(Frozen):
    """One quantum estimate in grams: central, Monte Carlo median and 95% interval."""

    central: float
    median: float
    low_95: float
    high_95: float


class Sensitivity(Frozen):
    """One parameter at its low and high with the others central."""

    method: Literal["crown", "defence"]
    parameter: str
    at_low_g: float
    central_g: float
    at_high_g: float


class RangeUsed(Frozen):
    """A quantum parameter as (low, central, high) with its source."""

    low: float
    central: float
    high: float
    source: str


class QuantumParamsUsed(Frozen):
    """The parameters an estimate used (``fortress.comms.quantum.QuantumParams``)."""

    crown_daily_use_g: RangeUsed
    deals_per_transaction: RangeUsed
    grams_per_deal: RangeUsed
    draws: int
    seed: int


class Quantum(Frozen):
    """Both quantum estimates over some days (``fortress.comms.quantum.estimate``)."""

    days: int
    first_day: str | None
    last_day: str | None
    customer_days: int
    confirmed_transactions: int
    crown_g: Grams
    defence_g: Grams
    sensitivity: list[Sensitivity]
    params: QuantumParamsUsed


class LineQuantum(Quantum, LineRef):
    """Both quantum estimates for one line (``line_quantum``): the line, then the
    estimate's fields."""


# --- places --------------------------------------------------------------------------------


class CustomerPoint(Frozen):
    """Customers whose home cell is this cell."""

    cell_id: str
    lat: float
    lon: float
    area: str | None
    customers: int


class SitePoint(Frozen):
    """A cell the line's phones used, with its events."""

    cell_id: str
    lat: float
    lon: float
    area: str | None
    events: int


class LineMap(Frozen):
    """Points for a line's customer map (``line_map``)."""

    customers: list[CustomerPoint]
    line_sites: list[SitePoint]
    customers_without_cell: int


class CuckooSite(Frozen):
    """A runner base, and whether a resident was seen there: a place for a safeguarding
    visit, never for enforcement (``fortress.comms.cuckooing``; stored: fields
    alphabetical)."""

    area: str
    cell_id: str
    evidence: list[StoredEvidenceItem]
    first_night: str
    kind: Literal["candidate_cuckooed_address", "runner_base_no_resident_seen"]
    last_night: str
    line_id: str
    resident_is_customer: bool
    residents: list[str]
    runner_nights: int
    runners: list[str]
    score: float
    shared_nights: int


class _ChildOfLine(Frozen):
    kind: Literal["possible_child_runner"] = "possible_child_runner"
    line_id: str


class PossibleChildRunner(ChildRunner, _ChildOfLine):
    """A runner whose phone behaves like a pupil's, listed for a referral."""


Safeguarding = Annotated[CuckooSite | PossibleChildRunner, Field(discriminator="kind")]
"""One item of ``lines safeguarding``: a place, or a possible child runner."""


# --- numbers --------------------------------------------------------------------------------


class SuccessorCandidate(Frozen):
    """A number that may have taken over a silent number, with the four signals."""

    number: str
    score: float
    signals: dict[str, float]
    evidence: list[EvidenceItem]
    judgement: Verdict | None = None
    """An analyst's verdict on the link, where one was recorded (never ``rejected``:
    rejected candidates are not listed)."""
    started_utc: str | None = None
    """When its relationships with the old number's people began (the lower quartile of
    its first contacts with them; for a handset-only candidate, its first contact)."""


class SilentNumber(Frozen):
    """A number whose relationships stopped (a switch) and its ranked candidate
    successors (``fortress.comms.successors``; ``docs/methods/successors.md``)."""

    number: str
    last_seen_utc: str
    """Its last contact of any kind, including calls it did not answer."""
    contacts: int
    """The numbers it was in contact with before the switch (all of them, if none)."""
    candidates: list[SuccessorCandidate]
    switched_utc: str | None = None
    """The start of the first quiet day (the change point), or None: its activity and its
    contact with its main contacts never dropped sharply and stayed low."""
    last_active_utc: str | None = None
    """Its last originated or answered contact before the switch (overall, if none)."""
    quiet: EvidenceItem | None = None
    """How its activity dropped: rates before and after, and how unlikely by chance."""


class Judgement(Frozen):
    """An analyst's judgement of the link ``old`` -> ``new``, as recorded."""

    old: str
    new: str
    verdict: Verdict
    note: str | None


class Sighting(Frozen):
    """A number seen in a handset: first and last time (UTC) and how many events."""

    number: str
    imei: str
    first_utc: str
    last_utc: str
    events: int


class HandsetsOfNumber(Frozen):
    """The handsets a number was used in, oldest first."""

    number: str
    handsets: list[Sighting]
    changes: int


class NumbersOfHandset(Frozen):
    """The numbers (SIMs) used in a handset, oldest first."""

    imei: str
    numbers: list[Sighting]
    changes: int


IdentityHistory = HandsetsOfNumber | NumbersOfHandset
"""``numbers history``: by number or by IMEI."""


# --- evaluation -----------------------------------------------------------------------------


class MeasureResult(Frozen):
    """Counts with precision, recall and F1 (None where undefined)."""

    truth: int
    found: int | None
    """None: the run does not produce this at all."""
    correct: int
    precision: float | None
    recall: float | None
    f1: float | None


class Measures(Frozen):
    """Each thing detection finds, scored against the ground truth."""

    lines: MeasureResult
    line_numbers: MeasureResult
    successor_links: MeasureResult
    runners: MeasureResult
    controllers: MeasureResult
    child_runners: MeasureResult


class CuckooRecall(Frozen):
    """True cuckooed cells among the candidate cuckooed addresses."""

    truth: int
    found: int
    correct: int
    recall: float | None
    recall_in_top: float | None


class FlaggedSender(Frozen):
    """A legitimate sender of the truth (a takeaway, a community organiser, a newsletter,
    ...) that a detected line contains."""

    number: str
    kind: str
    name: str | None = None


class PhoneSwitchMiss(Frozen):
    """A person's change of number whose new number was not the top candidate."""

    old_number: str
    new_number: str
    role: str
    top_candidate: str | None
    top_score: float | None
    same_handset: bool


class PhoneSwitches(Frozen):
    """Changes of number by people who are not lines (the truth's ``phone_switches``):
    is the true new number the top candidate successor of the old one
    (``fortress.comms.successors.find_successors(events, number=old)``)?"""

    truth: int
    top_correct: int
    accuracy: float | None
    """``top_correct / truth``; None when the truth has no switch."""
    confident_false: int
    """Candidates other than the true new number scoring at least ``confident_score``,
    over all switches."""
    confident_score: float
    misses: list[PhoneSwitchMiss]


class Evaluation(Frozen):
    """The latest run against a simulated world's ground truth (``evaluate_workspace``)."""

    measures: Measures
    legitimate_bulk_senders_flagged: list[str]
    cuckooed_sites: CuckooRecall
    notes: list[str]
    truth_file: str | None = None
    legitimate_senders_flagged: list[FlaggedSender] = Field(default_factory=list)
    """The flagged legitimate senders with their kind (the numbers are
    ``legitimate_bulk_senders_flagged``)."""
    lines_split: int = 0
    """True lines found as more than one detected line."""
    phone_switches: PhoneSwitches | None = None
    """None when the truth records no change of number outside the lines (truth
    version 1), or when not asked for."""

    def flagged_by_kind(self) -> dict[str, int]:
        """How many legitimate senders of each kind were flagged as lines."""
        counts: dict[str, int] = {}
        for sender in self.legitimate_senders_flagged:
            counts[sender.kind] = counts.get(sender.kind, 0) + 1
        return dict(sorted(counts.items()))


# --- reports ----------------------------------------------------------------------------


class WrittenReport(Frozen):
    """A report page written to disk."""

    file: str
    bytes: int
    lines: int
