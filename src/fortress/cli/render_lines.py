"""Rich rendering of deal-line results (detection, lists, one line, evaluation)."""

from __future__ import annotations

from rich.table import Table

from fortress.cli.render import console
from fortress.model.lines import (
    CuckooSite,
    DetectedLine,
    DetectionRun,
    Evaluation,
    HandsetsOfNumber,
    IdentityHistory,
    Judgement,
    LineActivity,
    LineDetail,
    LineQuantum,
    LineSummary,
    PossibleChildRunner,
    Safeguarding,
    SilentNumber,
    SuccessorCandidate,
    WrittenReport,
)

HEADLINE_KINDS = ("fixed_line", "not_trading", "regular_bulk", "orders_from_base")
"""The reasons a row of the table gives: why a number over the threshold is not a line
(a landline, or too few orders followed up) comes first."""


def render_detection(summary: DetectionRun) -> None:
    """What one detection run scored and found."""
    console.print(
        f"[bold]Deal-line detection[/] over {summary.events:,} events: "
        f"{summary.numbers_scored} numbers sent bulk waves, "
        f"[bold]{summary.lines_found} deal lines[/] ({summary.seconds:.1f} s, "
        f"run {summary.run_id})",
        highlight=False,
    )
    if summary.stages:
        console.print(
            "Time by stage: " + ", ".join(f"{s.stage} {s.seconds:.1f} s" for s in summary.stages),
            highlight=False,
        )
    if summary.wave_step:
        console.print(f"Wave step: {summary.wave_step}.", highlight=False)
    if summary.contacts:
        console.print(f"Contacts: {summary.contacts}.", highlight=False)
    if summary.lines:
        render_lines(sorted(summary.lines, key=lambda line: (-line.score, line.line_id)))


def render_lines(lines: list[LineSummary] | list[DetectedLine]) -> None:
    """One row per line, in the order given (strongest first), and per other scored number
    with ``--all``."""
    table = Table(title="Deal lines", title_justify="left")
    for name in ("line", "score", "numbers (oldest first)", "strongest reasons"):
        table.add_column(name, justify="right" if name == "score" else "left")
    for line in lines:
        headline = sorted(
            (e for e in line.evidence if e.kind in HEADLINE_KINDS),
            key=lambda e: HEADLINE_KINDS.index(e.kind),
        )
        reasons = " ".join(_unprefixed(e.text, line.numbers) for e in headline)
        table.add_row(
            line.line_id or "[dim]not a line[/]",
            f"{line.score:.2f}",
            "\n".join(line.numbers),
            reasons,
        )
    console.print(table)


def _unprefixed(text: str, numbers: list[str]) -> str:
    """An evidence sentence without the ``"<number>: "`` a line of several numbers puts
    before the evidence of its strongest number (the sentence itself may hold colons)."""
    for number in numbers:
        if text.startswith(f"{number}: "):
            return text[len(number) + 2 :]
    return text


def render_line(line: LineDetail) -> None:
    """One line in full: history, evidence, people, handsets and sites."""
    console.print(f"[bold]{line.line_id}[/]  score {line.score:.2f}", highlight=False)
    console.print(
        f"active {line.first_seen_utc} to {line.last_seen_utc} (UTC; its last contact made "
        "or answered)",
        highlight=False,
    )
    _render_brand(line)
    console.print("[bold]Evidence[/]")
    for item in line.evidence:
        console.print(f"  [cyan]{item.kind}[/] {item.text}", highlight=False)
    people = (
        ("customers", line.customers.count, line.customers.numbers),
        ("runners", line.runners.count, [r.number for r in line.runners.numbers]),
        ("controllers", line.controllers.count, [c.number for c in line.controllers.numbers]),
    )
    for role, count, numbers in people:
        shown = numbers[:8]
        more = f" and {count - len(shown)} more" if count > len(shown) else ""
        console.print(f"[bold]{role}[/] {count}: {', '.join(shown)}{more}")
    console.print("[bold]handsets[/]")
    for handset in line.handsets:
        console.print(
            f"  {handset.imei} on {handset.number} {handset.first_utc[:10]} to "
            f"{handset.last_utc[:10]} ({handset.events} events)",
            highlight=False,
        )
    for runner, moved in line.runner_movements.items():
        stints = ", ".join(f"{s.area} {s.nights}n" for s in moved.stints[:6])
        console.print(f"  runner {runner}: nights {stints}", highlight=False)
    for phone, held in line.phone_holders.items():
        holders = [h.number for h in held if h.holds]
        if holders:
            console.print(f"  {phone} travels with {', '.join(holders)}", highlight=False)
    top = ", ".join(f"{s.cell_id} ({s.area}, {s.events})" for s in line.sites[:5])
    console.print(f"[bold]sites[/] {len(line.sites)}: {top}", highlight=False)


def _render_brand(line: LineDetail) -> None:
    """The brand's numbers oldest first, each followed by the link to its successor."""
    console.print(f"[bold]brand[/] {len(line.number_history)} numbers")
    following = {link.from_: link for link in line.links}
    for number in line.number_history:
        console.print(
            f"  {number.number}  {number.first_seen_utc[:10]} to "
            f"{number.last_seen_utc[:10]}  score {number.score:.2f}",
            highlight=False,
        )
        link = following.get(number.number)
        if link is not None:
            handset = f", same handset {link.same_handset}" if link.same_handset else ""
            judged = f", judged {link.judged}" if link.judged else ""
            console.print(
                f"    -> {link.to}: {link.shared_customers} customers carried over "
                f"({link.weighted_overlap:.0%} weighted){handset}{judged}",
                highlight=False,
            )


def render_evaluation(report: Evaluation) -> None:
    """Precision, recall and F1 per measure, then what was missed or wrongly flagged."""
    table = Table(title="Evaluation against ground truth", title_justify="left")
    for name in ("measure", "truth", "found", "correct", "precision", "recall", "F1"):
        table.add_column(name, justify="left" if name == "measure" else "right")
    for name, m in report.measures:
        table.add_row(
            name,
            str(m.truth),
            "-" if m.found is None else str(m.found),
            str(m.correct),
            _ratio(m.precision),
            _ratio(m.recall),
            _ratio(m.f1),
        )
    console.print(table)
    sites = report.cuckooed_sites
    if sites.truth:
        console.print(
            f"cuckooed addresses: {sites.correct} of {sites.truth} true cells among "
            f"{sites.found} candidates ({sites.recall or 0:.0%} recall, "
            f"{sites.recall_in_top or 0:.0%} in the top {sites.truth})",
            highlight=False,
        )
    if report.lines_split:
        console.print(f"true lines found as several lines: {report.lines_split}", highlight=False)
    kinds = report.flagged_by_kind()
    if kinds:
        counts = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        console.print(f"legitimate senders flagged as lines: {counts}", highlight=False)
    switches = report.phone_switches
    if switches is not None and switches.truth:
        console.print(
            f"people's changes of number: the new number is the top candidate for "
            f"{switches.top_correct} of {switches.truth} ({switches.accuracy or 0:.0%}); "
            f"{switches.confident_false} other candidates score at least "
            f"{switches.confident_score:.2f}",
            highlight=False,
        )
    for note in report.notes:
        console.print(f"[yellow]note[/] {note}", highlight=False)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_successors(found: list[SilentNumber]) -> None:
    """Each number that switched, on which day, and its ranked candidates with the
    strongest reason; then how each one's activity dropped. A number asked for that did
    not switch says so."""
    if not found:
        console.print("No number that switched has a candidate successor.")
        return
    table = Table(title="Successor numbers", title_justify="left")
    for name in ("number", "switched", "candidate", "score", "judged"):
        table.add_column(name, justify="right" if name == "score" else "left", no_wrap=True)
    table.add_column("why", ratio=1)
    for item in found:
        rows: list[SuccessorCandidate | None] = [*item.candidates] or [None]
        for k, cand in enumerate(rows):
            if cand is not None:
                why = cand.evidence[0].text
            elif item.switched_utc is None:
                why = "[dim]its activity never dropped sharply and stayed low: no switch[/]"
            else:
                why = "[dim]no number took up its contacts around then[/]"
            table.add_row(
                item.number if k == 0 else "",
                (item.switched_utc or "-")[:10] if k == 0 else "",
                cand.number if cand else "[dim]none[/]",
                f"{cand.score:.2f}" if cand else "",
                (cand.judgement or "") if cand else "",
                why,
            )
    console.print(table)
    for item in found:
        last = (item.last_active_utc or item.last_seen_utc)[:16].replace("T", " ")
        said = f" {item.quiet.text}" if item.quiet is not None else ""
        console.print(
            f"{item.number}: last originated or answered contact {last} UTC.{said}",
            highlight=False,
        )


def render_quantum(quantum: LineQuantum) -> None:
    """Both estimates side by side with their intervals, then what moves them most."""
    console.print(
        f"[bold]Quantum of {quantum.line_id}[/] ({', '.join(quantum.numbers)}), "
        f"{quantum.first_day} to {quantum.last_day} ({quantum.days} days of activity)",
        highlight=False,
    )
    table = Table(title="Drugs supplied, grams", title_justify="left")
    for name in ("method", "counts", "central", "median", "95% interval"):
        table.add_column(name, justify="left" if name in ("method", "counts") else "right")
    methods = (
        (
            "Crown: base x mean daily use",
            f"{quantum.customer_days:,} customer-days",
            quantum.crown_g,
        ),
        (
            "Defence: transactions x deals x weight",
            f"{quantum.confirmed_transactions:,} confirmed transactions",
            quantum.defence_g,
        ),
    )
    for label, counts, grams in methods:
        table.add_row(
            label,
            counts,
            f"{grams.central:,.1f}",
            f"{grams.median:,.1f}",
            f"{grams.low_95:,.1f} to {grams.high_95:,.1f}",
        )
    console.print(table)
    sensitivity = Table(
        title="Sensitivity: each parameter at its low and high", title_justify="left"
    )
    for name in ("method", "parameter", "low", "central", "high"):
        sensitivity.add_column(name, justify="left" if name in ("method", "parameter") else "right")
    params = quantum.params
    ranges = {
        "crown_daily_use_g": params.crown_daily_use_g,
        "deals_per_transaction": params.deals_per_transaction,
        "grams_per_deal": params.grams_per_deal,
    }
    for row in quantum.sensitivity:
        given = ranges[row.parameter]
        sensitivity.add_row(
            row.method,
            f"{row.parameter} ({given.low:g}, {given.central:g}, {given.high:g})",
            f"{row.at_low_g:,.1f}",
            f"{row.central_g:,.1f}",
            f"{row.at_high_g:,.1f}",
        )
    console.print(sensitivity)
    console.print(
        f"Central: every parameter at its central value; median and interval: "
        f"{params.draws:,} draws (seed {params.seed}) from each parameter's range. "
        "The defaults are illustrative (docs/methods/quantum.md): replace them with the "
        "figures an expert will defend (--daily-use, --deals, --grams-per-deal).",
        highlight=False,
    )


def render_activity(activity: LineActivity) -> None:
    """One row per day of the line's life."""
    table = Table(
        title=f"Daily activity of {activity.line_id} ({', '.join(activity.numbers)})",
        title_justify="left",
    )
    columns = ("day", "base", "potential", "confirmed", "incoming", "active_hours")
    for name in columns:
        table.add_column(name.replace("_", " "), justify="left" if name == "day" else "right")
    for day in activity.days:
        table.add_row(*(str(getattr(day, name)) for name in columns))
    console.print(table)


def render_safeguarding(sites: list[Safeguarding]) -> None:
    """Candidate cuckooed addresses and runner bases, then possible child runners."""
    places = [s for s in sites if isinstance(s, CuckooSite)]
    children = [s for s in sites if isinstance(s, PossibleChildRunner)]
    console.print(
        "[bold]For safeguarding visits and referrals, not for enforcement.[/] A cell covers "
        "many homes: each place is somewhere to look, not an address.",
        highlight=False,
    )
    if not places:
        console.print("No runner stayed three nights or more on one cell in a line's town.")
    else:
        table = Table(title="Possible cuckooed addresses", title_justify="left")
        for name in ("cell", "area", "line", "kind", "runner nights", "resident(s)", "shared"):
            table.add_column(
                name,
                no_wrap=name in ("line", "resident(s)"),
                justify="right" if name in ("runner nights", "shared") else "left",
            )
        for site in places:
            table.add_row(
                site.cell_id,
                site.area,
                site.line_id,
                site.kind.replace("_", " "),
                str(site.runner_nights),
                _first_of(site.residents, 2),
                str(site.shared_nights),
            )
        console.print(table)
    for child in children:
        console.print(
            f"[bold]possible child runner[/] {child.number} ({child.line_id}): "
            f"{child.evidence[0].text}",
            highlight=False,
        )


def _first_of(numbers: list[str], shown: int) -> str:
    """Up to ``shown`` numbers one per line, then how many more there are."""
    more = len(numbers) - shown
    return "\n".join(numbers[:shown] + ([f"and {more} more"] if more > 0 else [])) or "-"


def render_judgement(recorded: Judgement) -> None:
    """One line: the link and the verdict recorded."""
    console.print(f"{recorded.old} -> {recorded.new}: {recorded.verdict}", highlight=False)
    console.print(
        "The next `fortress lines detect` joins or splits the lines accordingly.",
        highlight=False,
    )


def render_written(written: WrittenReport) -> None:
    """Where a report was written and what it holds."""
    console.print(
        f"wrote {written.file}: {written.lines} lines, {written.bytes:,} bytes",
        highlight=False,
    )


def render_history(found: IdentityHistory) -> None:
    """Handsets of a number, or numbers of a handset, oldest first."""
    if isinstance(found, HandsetsOfNumber):
        title, rows = f"Handsets of number {found.number}", found.handsets
        other = [row.imei for row in rows]
        column = "imei"
    else:
        title, rows = f"Numbers of imei {found.imei}", found.numbers
        other = [row.number for row in rows]
        column = "number"
    table = Table(title=title, title_justify="left")
    for name in (column, "first seen (UTC)", "last seen (UTC)", "events"):
        table.add_column(name, justify="right" if name == "events" else "left")
    for value, row in zip(other, rows, strict=True):
        table.add_row(value, row.first_utc[:16], row.last_utc[:16], str(row.events))
    console.print(table)
    console.print(f"{found.changes} change(s).")
