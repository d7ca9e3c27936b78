"""``fortress share``: working with other forces.

Hit / no-hit, never handing over a list. With a coordinator: ``key`` (the coordinator),
``tokens`` (each force), ``match`` (a matcher that never sees the key), ``hits`` (each
force). Two forces alone: ``psi-request`` (the asking force), ``psi-answer`` (the other),
``psi-result`` (the asking force).

Line bundles, signed, graded and marked: ``signing-key`` and ``trust`` (once per force),
``export`` and ``decide`` (the sending force), ``import``, ``received`` and ``review`` (the
receiving force), ``exports`` (what was sent)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json, ready_casework

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fortress.casework.intelligence import Grade
    from fortress.casework.line_sharing import ExportView
    from fortress.casework.models import LineExport
    from fortress.sharing.hits import Selector
    from fortress.sharing.regional import Contribution
    from fortress.sharing.signing import SigningKey
    from fortress.store.workspace import Workspace

share_app = typer.Typer(
    help="Work with other forces: hit / no-hit on numbers and IMEIs without handing over "
    "a list, and signed bundles of line records sent, reviewed and accepted.",
    no_args_is_help=True,
)

SelectorsOption = Annotated[
    Path | None,
    typer.Option(
        "--selectors",
        help="A CSV of kind (number or imei) and value; default: the numbers, runners, "
        "controllers and handsets of the workspace's latest lines.",
    ),
]
KeyOption = Annotated[Path, typer.Option("--key", help="The exercise's key file.")]
OutOption = Annotated[Path, typer.Option("--out", help="The file to write.")]


def _selectors(path: Path | None) -> list[Selector]:
    from fortress.comms.lines import NoDetection
    from fortress.sharing.selectors import file_selectors, workspace_selectors

    if path is not None:
        return file_selectors(path)
    try:
        found = workspace_selectors(open_workspace())
    except NoDetection as exc:
        fail(f"{exc}; or give --selectors")
    if not found:
        fail("the workspace's latest run found no lines: nothing to offer; give --selectors")
    return found


@share_app.command("key")
def share_key_command(
    exercise: Annotated[str, typer.Argument(help="The exercise's name, e.g. week-49-2026.")],
    out: OutOption,
    as_json: JsonOption = False,
) -> None:
    """(Coordinator) Make a secret key for one exercise. Give it to the forces taking
    part, never to the matcher; destroy it when the exercise ends."""
    from fortress.sharing.hits import SharingError, new_exercise_key, save_key

    try:
        key = new_exercise_key(exercise)
        save_key(key, out)
    except SharingError as exc:
        fail(str(exc))
    facts = {"exercise": key.exercise, "key_file": str(out), "made_at": key.made_at}
    _facts("Exercise key", facts, as_json)


@share_app.command("tokens")
def share_tokens_command(
    key: KeyOption,
    force: Annotated[str, typer.Option(help="Your force's name, as the others know it.")],
    out: OutOption,
    selectors: SelectorsOption = None,
    as_json: JsonOption = False,
) -> None:
    """(Each force) Turn your numbers and IMEIs into the exercise's tokens, for the
    matcher. The file holds tokens and your force's name, no value."""
    from fortress.sharing.hits import SharingError, load_key, save_tokens, token_set

    try:
        chosen = _selectors(selectors)
        made = token_set(load_key(key), force, chosen)
        save_tokens(made, out)
    except SharingError as exc:
        fail(str(exc))
    numbers = sum(1 for s in chosen if s.kind == "number")
    facts = {
        "exercise": made.exercise,
        "force": made.force,
        "numbers": numbers,
        "imeis": len(chosen) - numbers,
        "tokens": len(made.tokens),
        "tokens_file": str(out),
    }
    _facts("Tokens", facts, as_json)


@share_app.command("match")
def share_match_command(
    tokens: Annotated[list[Path], typer.Argument(help="The forces' token files.")],
    out_dir: Annotated[Path, typer.Option(help="Where each force's hits file goes.")],
    as_json: JsonOption = False,
) -> None:
    """(Matcher) Tell each force which of its tokens others also sent: one hits file per
    force, naming only the other forces."""
    from fortress.sharing.hits import SharingError, load_tokens, match, save_hits

    try:
        sets = [load_tokens(path) for path in tokens]
        found = match(sets)
    except SharingError as exc:
        fail(str(exc))
    rows = []
    for sent, hits in zip(sets, found, strict=True):
        path = out_dir / f"hits-{_file_name(hits.force)}.json"
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            save_hits(hits, path)
        except (OSError, SharingError) as exc:
            fail(f"{out_dir}: {exc}")
        counts = {"tokens": len(sent.tokens), "hits": len(hits.hits)}
        rows.append({"force": hits.force, **counts, "file": str(path)})
    if as_json:
        print_json(rows)
        return
    _table("Matched", ("force", "tokens", "hits", "file"), [list(r.values()) for r in rows])


@share_app.command("hits")
def share_hits_command(
    hits: Annotated[Path, typer.Argument(help="Your hits file from the matcher.")],
    key: KeyOption,
    selectors: SelectorsOption = None,
    as_json: JsonOption = False,
) -> None:
    """(Each force) Your numbers and IMEIs that other forces also hold, and whom to ask."""
    from fortress.sharing.hits import SharingError, load_hits, load_key, resolve

    try:
        found = resolve(load_key(key), _selectors(selectors), load_hits(hits))
    except SharingError as exc:
        fail(str(exc))
    rows = [[r.kind, r.value, ", ".join(r.also_held_by)] for r in found]
    if as_json:
        print_json([{"kind": r.kind, "value": r.value, "ask": r.also_held_by} for r in found])
        return
    _table("Hits: ask these forces", ("kind", "value", "also held by"), rows)


@share_app.command("psi-request")
def share_psi_request_command(
    secret: Annotated[Path, typer.Option(help="Where to keep this request's secret.")],
    out: OutOption,
    selectors: SelectorsOption = None,
    as_json: JsonOption = False,
) -> None:
    """(Asking force) Blind your selectors for the other force; keep the secret."""
    from fortress.sharing.hits import SharingError, write_text
    from fortress.sharing.psi import psi_request, save_secret

    try:
        chosen = _selectors(selectors)
        request = psi_request(chosen)
        save_secret(request.secret, secret)
        try:
            write_text(out, request.message)
        except SharingError:
            secret.unlink()  # a secret without its request serves nothing
            raise
    except SharingError as exc:
        fail(str(exc))
    facts = {"selectors": len(chosen), "request_file": str(out), "secret_file": str(secret)}
    _facts("Request", facts, as_json)


@share_app.command("psi-answer")
def share_psi_answer_command(
    request: Annotated[Path, typer.Argument(help="The other force's request file.")],
    out: OutOption,
    selectors: SelectorsOption = None,
    most_asked: Annotated[
        int | None,
        typer.Option(min=1, help="Refuse a request asking about more selectors (5,000)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """(Other force) Answer a request; you learn only how many selectors it asks about."""
    from fortress.sharing.hits import SharingError, write_text
    from fortress.sharing.psi import MOST_ASKED, asked, psi_answer

    try:
        message = request.read_text(encoding="utf-8")
        chosen = _selectors(selectors)
        answer = psi_answer(chosen, message, most_asked or MOST_ASKED)
        write_text(out, answer)
    except OSError as exc:
        fail(f"{request} cannot be read ({exc.strerror})")
    except SharingError as exc:
        fail(str(exc))
    facts = {"asked_about": asked(message), "offered": len(chosen), "answer_file": str(out)}
    _facts("Answer", facts, as_json)


@share_app.command("psi-result")
def share_psi_result_command(
    answer: Annotated[Path, typer.Argument(help="The other force's answer file.")],
    secret: Annotated[Path, typer.Option(help="Your request's secret file.")],
    selectors: SelectorsOption = None,
    as_json: JsonOption = False,
) -> None:
    """(Asking force) Your selectors that the other force also holds."""
    from fortress.sharing.hits import SharingError
    from fortress.sharing.psi import load_secret, psi_result

    try:
        found = psi_result(
            load_secret(secret), _selectors(selectors), answer.read_text(encoding="utf-8")
        )
    except OSError as exc:
        fail(f"{answer} cannot be read ({exc.strerror})")
    except SharingError as exc:
        fail(str(exc))
    if as_json:
        print_json([{"kind": s.kind, "value": s.value} for s in found])
        return
    _table("Held by both forces", ("kind", "value"), [[s.kind, s.value] for s in found])


def _file_name(force: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in force.lower()).strip("-") or "force"


def _facts(title: str, facts: Mapping[str, object], as_json: bool) -> None:
    if as_json:
        print_json(facts)
        return
    rows = [[name.replace("_", " "), value] for name, value in facts.items()]
    _table(title, ("what", "value"), rows, header=False)


def _table(
    title: str, columns: tuple[str, ...], rows: Sequence[Sequence[object]], header: bool = True
) -> None:
    from fortress.cli.render import render_table

    render_table(title, columns, rows, header)


# Line bundles: records of lines sent to another force, signed, graded and marked.

AsOption = Annotated[
    str,
    typer.Option(
        "--as", help="The casework user acting, held to their role (and named in the audit)."
    ),
]
ReasonOption = Annotated[str, typer.Option(help="Why (kept with the decision).")]


def _acting(session: Session, name: str, endpoint: str) -> str:
    from fortress.casework.policy import NotAllowed, acting_user

    try:
        return acting_user(session, name, endpoint).name
    except NotAllowed as exc:
        fail(str(exc))


@share_app.command("signing-key")
def share_signing_key_command(
    force: Annotated[str, typer.Option(help="Your force's name, as bundles will give it.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to keep it (default: sharing/ in the workspace)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make your force's signing key for line bundles. Send the public file beside it to
    the forces you share with, by a channel you both trust; keep the key itself here."""
    from fortress.sharing.hits import SharingError
    from fortress.sharing.signing import default_signing_key_path, new_signing_key, save_signing_key

    path = out or default_signing_key_path(open_workspace(create=True))
    try:
        key = new_signing_key(force)
        public = save_signing_key(key, path)
    except SharingError as exc:
        fail(str(exc))
    facts = {"force": key.force, "signing_key": str(path), "public_key": str(public),
             "fingerprint": key.public.key_id}  # fmt: skip
    _facts("Signing key", facts, as_json)


@share_app.command("trust")
def share_trust_command(
    public_key: Annotated[Path, typer.Argument(help="A force's public key file.")],
    as_json: JsonOption = False,
) -> None:
    """Trust a force's public key: bundles it signs can then be imported. Check its
    fingerprint with the force by another channel first."""
    from fortress.sharing.hits import SharingError
    from fortress.sharing.signing import load_public_key, trust

    try:
        key = load_public_key(public_key)
        trust(open_workspace(create=True), key)
    except SharingError as exc:
        fail(str(exc))
    _facts("Trusted", {"force": key.force, "fingerprint": key.key_id}, as_json)


@share_app.command("trusted")
def share_trusted_command(as_json: JsonOption = False) -> None:
    """The forces whose bundles this workspace accepts, with their keys' fingerprints."""
    from fortress.sharing.hits import SharingError
    from fortress.sharing.signing import trusted_keys

    try:
        keys = trusted_keys(open_workspace())
    except SharingError as exc:
        fail(str(exc))
    rows = [{"force": k.force, "fingerprint": k.key_id} for k in keys]
    if as_json:
        print_json(rows)
        return
    _table("Trusted forces", ("force", "fingerprint"), [list(r.values()) for r in rows])


def _grade(text: str, conditions: str | None) -> Grade:
    from fortress.casework.intelligence import Grade

    parts = text.strip().upper().split("/")
    if len(parts) != 3:
        fail(f"a grade is source/assessment/handling, like 2/B/P, not {text[:20]!r}")
    source, assessment, handling = parts
    return Grade("3x5x2", source, assessment, handling, conditions)


@share_app.command("export")
def share_export_command(
    acting: AsOption,
    out: OutOption,
    lines: Annotated[
        str | None, typer.Option(help="Line ids from `fortress lines list`, comma-separated.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="The receiving force.")] = None,
    purpose: Annotated[str | None, typer.Option(help="Why they are shared.")] = None,
    grade: Annotated[
        str | None, typer.Option(help="The 3x5x2 grade: source/assessment/handling, e.g. 2/B/P.")
    ] = None,
    conditions: Annotated[
        str | None, typer.Option(help="Handling code C's conditions (who may receive it, how).")
    ] = None,
    marking: Annotated[
        str, typer.Option(help="OFFICIAL or OFFICIAL-SENSITIVE.")
    ] = "OFFICIAL-SENSITIVE",
    request: Annotated[
        int | None, typer.Option(help="Write the bundle of an earlier, approved request.")
    ] = None,
    key: Annotated[
        Path | None, typer.Option(help="Your signing key (default: the workspace's).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Send lines to another force as a signed bundle. Handling code P is written at once;
    handling code C waits for a supervisor (`fortress share decide`), then
    `--request N` writes it. Every bundle written is audited as a disclosure."""
    from fortress.casework import line_sharing
    from fortress.comms.lines import NoDetection
    from fortress.sharing.bundles import shareable_run
    from fortress.sharing.hits import SharingError
    from fortress.sharing.signing import default_signing_key_path, load_signing_key

    if (request is None) == (lines is None):
        fail("give --lines (with --to, --purpose and --grade) or --request, not both")
    workspace = ready_casework()
    try:
        signing = load_signing_key(key or default_signing_key_path(workspace))
        with workspace.sessions.begin() as session:
            actor = _acting(session, acting, "shares.request")
            if request is None:
                if not (lines and to and purpose and grade):
                    fail("a new export needs --lines, --to, --purpose and --grade")
                wanted = _ids(lines)
                made = line_sharing.request_export(
                    session, wanted, shareable_run(workspace, wanted), to, purpose,
                    _grade(grade, conditions), marking, actor=actor,
                )  # fmt: skip
            else:
                made = line_sharing.get_export(session, request)
            if made.status == "approved" or request is not None:  # refused unless approved
                _write(workspace, session, signing, made, out, actor)
            shown = line_sharing.export_view(made)
    except (SharingError, line_sharing.SharingProblem, NoDetection, LookupError) as exc:
        fail(str(exc))
    _export_facts(shown, out, as_json)


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _write(
    workspace: Workspace,
    session: Session,
    signing: SigningKey,
    export: LineExport,
    out: Path,
    actor: str,
) -> None:
    """Send ``export`` into the file ``out`` (nothing is recorded if it cannot be written)."""
    from fortress.sharing.bundles import send_export
    from fortress.sharing.hits import write_text

    written = send_export(workspace, session, signing, export, actor=actor)
    write_text(out, written.content.decode("utf-8"))


def _export_facts(shown: ExportView, out: Path, as_json: bool) -> None:
    if as_json:
        print_json(shown.model_dump(mode="json"))
        return
    facts: dict[str, object] = {
        "export": shown.id, "lines": ", ".join(shown.line_ids), "to": shown.recipient,
        "grade": shown.grade, "marking": shown.marking, "status": shown.status,
    }  # fmt: skip
    if shown.bundle_id:
        facts |= {"bundle": str(out), "bundle_id": shown.bundle_id, "sha256": shown.bundle_sha256}
    else:
        facts["next"] = (f"a supervisor decides: fortress share decide {shown.id} --approve "
                         f"--reason ... --as NAME; then fortress share export --request "
                         f"{shown.id} --out ... --as {shown.requested_by}")  # fmt: skip
    _facts("Line export", facts, as_json=False)


@share_app.command("decide")
def share_decide_command(
    export_id: Annotated[int, typer.Argument(help="The export request's number.")],
    acting: AsOption,
    reason: ReasonOption,
    approve: Annotated[bool, typer.Option("--approve/--refuse", help="The decision.")],
    as_json: JsonOption = False,
) -> None:
    """(Supervisor) Approve or refuse sending handling-code-C lines to another force."""
    from fortress.casework import intelligence, line_sharing

    workspace = ready_casework()
    try:
        with workspace.sessions.begin() as session:
            actor = _acting(session, acting, "shares.decide")
            export = line_sharing.get_export(session, export_id)
            intelligence.decide(session, export, approve, reason, actor=actor,
                                record_type="line_export")  # fmt: skip
            shown = line_sharing.export_view(export)
    except (intelligence.IntelligenceProblem, LookupError) as exc:
        fail(str(exc))
    if as_json:
        print_json(shown.model_dump(mode="json"))
        return
    facts = {"export": shown.id, "status": shown.status, "decided by": shown.decided_by,
             "reason": shown.reason}  # fmt: skip
    _facts("Decision", facts, as_json=False)


@share_app.command("exports")
def share_exports_command(
    acting: AsOption,
    status: Annotated[
        str | None, typer.Option(help="Only awaiting, approved or refused requests.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Requests to send lines to other forces: what, to whom, graded how, decided by whom,
    and the bundle written."""
    from fortress.casework import line_sharing

    workspace = ready_casework()
    with workspace.sessions.begin() as session:
        actor = _acting(session, acting, "shares.list")
        shown = line_sharing.exports(session, status=status, actor=actor)
    if as_json:
        print_json([s.model_dump(mode="json") for s in shown])
        return
    columns = ("export", "lines", "to", "grade", "marking", "status", "decided by", "bundle")
    rows = [[s.id, len(s.line_ids), s.recipient, s.grade, s.marking, s.status,
             s.decided_by or "", (s.bundle_id or "")[:8]] for s in shown]  # fmt: skip
    _table("Line exports", columns, rows)


@share_app.command("import")
def share_import_command(
    bundle: Annotated[Path, typer.Argument(help="A bundle another force sent.")],
    acting: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Verify a bundle's signature against the sending force's trusted key and hold its
    records for review, apart from your own findings until accepted."""
    from fortress.casework import line_sharing
    from fortress.sharing.bundles import read_bundle
    from fortress.sharing.hits import SharingError

    workspace = ready_casework()
    try:
        content = bundle.read_bytes()
    except OSError as exc:
        fail(f"{bundle} cannot be read ({exc.strerror})")
    try:
        verified = read_bundle(workspace, content, str(bundle))
        with workspace.sessions.begin() as session:
            actor = _acting(session, acting, "shares.import")
            line_sharing.hold(session, verified, actor=actor)
    except (SharingError, line_sharing.SharingProblem) as exc:
        fail(str(exc))
    facts = {
        "bundle_id": verified.id, "from": verified.sender, "records": len(verified.records),
        "lines": len({r.line_id for r in verified.records}), "status": "held for review",
    }  # fmt: skip
    _facts("Imported", facts, as_json)


@share_app.command("received")
def share_received_command(
    acting: AsOption,
    bundle_id: Annotated[
        str | None,
        typer.Argument(help="One bundle's id: its lines, beside your force's that they join."),
    ] = None,
    status: Annotated[str | None, typer.Option(help="Only held, accepted or rejected.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Bundles received from other forces: held for review, accepted or rejected; with a
    bundle's id, the lines it holds, each with your latest lines sharing a number or
    handset with it (what accepting it would join)."""
    from fortress.casework import line_sharing

    workspace = ready_casework()
    if bundle_id is not None:
        _received_lines(workspace, acting, bundle_id, as_json)
        return
    try:
        with workspace.sessions.begin() as session:
            actor = _acting(session, acting, "shares.received")
            shown = line_sharing.received(session, status=status, actor=actor)
    except line_sharing.SharingProblem as exc:
        fail(str(exc))
    if as_json:
        print_json([s.model_dump(mode="json") for s in shown])
        return
    columns = ("bundle", "from", "lines", "records", "purpose", "status", "decided by")
    rows = [[s.id[:8], s.sender, len(s.lines), s.records, s.purpose, s.status,
             s.decided_by or ""] for s in shown]  # fmt: skip
    _table("Received bundles", columns, rows)


def _received_lines(workspace: Workspace, acting: str, bundle_id: str, as_json: bool) -> None:
    from fortress.casework import line_sharing
    from fortress.sharing.regional import review_lines

    try:
        with workspace.sessions.begin() as session:
            actor = _acting(session, acting, "shares.received")
            bundle = line_sharing.received_view(
                session, line_sharing.get_received(session, bundle_id)
            )
            lines = review_lines(workspace, session, bundle.id, actor=actor)
    except LookupError as exc:
        fail(str(exc))
    if as_json:
        print_json({"bundle": bundle.model_dump(mode="json"),
                    "lines": [line.model_dump(mode="json") for line in lines]})  # fmt: skip
        return
    typer.echo(f"Bundle {bundle.id} from {bundle.sender}, {bundle.status}: {bundle.purpose}")
    for r in lines:
        _facts(f"{bundle.sender}'s line {r.line.line_id}", {
            "numbers": ", ".join(r.line.numbers), "handsets": ", ".join(r.line.handsets) or "none",
            "first seen": r.line.first_seen or "unknown",
            "last seen": r.line.last_seen or "unknown",
            "grade": _graded(r.line), "marking": r.line.marking or "none",
            "your lines sharing a number or handset": ", ".join(r.held_here) or "none",
        }, as_json=False)  # fmt: skip
    if not lines:
        typer.echo("The bundle holds no line.")


def _graded(line: Contribution) -> str:
    """Another force's grade of a line, with its handling conditions."""
    conditions = f" ({line.handling_conditions})" if line.handling_conditions else ""
    return f"{line.grade or 'none'}{conditions}"


@share_app.command("review")
def share_review_command(
    bundle_id: Annotated[str, typer.Argument(help="The bundle's id (`share received`).")],
    acting: AsOption,
    reason: ReasonOption,
    accept: Annotated[bool, typer.Option("--accept/--reject", help="The decision.")],
    as_json: JsonOption = False,
) -> None:
    """Accept a held bundle's records into your force's picture, or reject them."""
    from fortress.casework import line_sharing

    workspace = ready_casework()
    try:
        with workspace.sessions.begin() as session:
            actor = _acting(session, acting, "shares.review")
            found = line_sharing.get_received(session, bundle_id)
            line_sharing.review(session, found, accept, reason, actor=actor)
            facts = {"bundle_id": found.id, "from": found.sender, "status": found.status,
                     "decided_by": found.decided_by, "reason": found.reason}  # fmt: skip
    except (line_sharing.SharingProblem, LookupError) as exc:
        fail(str(exc))
    _facts("Review", facts, as_json)


@share_app.command("regional")
def share_regional_command(
    acting: AsOption,
    every: Annotated[
        bool, typer.Option("--all", help="Also brands that one force alone holds.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Lines seen by more than one force: your latest lines and the accepted bundles of
    others, merged where they share a number or a handset, with each force's part."""
    from fortress.sharing.regional import regional_lines

    workspace = ready_casework()
    with workspace.sessions.begin() as session:
        actor = _acting(session, acting, "shares.received")
        found = regional_lines(workspace, session, actor=actor, every=every)
    if as_json:
        print_json([line.model_dump(mode="json") for line in found])
        return
    if not found:  # a sentence, not an empty table followed by one
        typer.echo("No line is held by more than one force." if not every else "No lines.")
        return
    columns = ("brand", "force", "line", "numbers", "handsets", "seen (UTC)", "grade")
    rows = []
    for k, line in enumerate(found, start=1):
        for part in line.contributions:
            seen = f"{(part.first_seen or '?')[:10]} to {(part.last_seen or '?')[:10]}"
            rows.append([k, part.force, part.line_id, len(part.numbers), len(part.handsets),
                         seen, part.grade or "own"])  # fmt: skip
    _table("Lines across forces", columns, rows)
    for k, line in enumerate(found, start=1):
        if line.joined_by:
            typer.echo(f"brand {k}: {', '.join(line.forces)} joined by {'; '.join(line.joined_by)}")
        for part in line.contributions:
            if part.handling_conditions:
                typer.echo(f"brand {k}, {part.force} ({part.grade}): handling conditions: "
                           f"{part.handling_conditions}")  # fmt: skip
