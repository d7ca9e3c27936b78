"""``fortress share``: hit / no-hit with other forces, never handing over a list.

With a coordinator: ``key`` (the coordinator), ``tokens`` (each force), ``match`` (a
matcher that never sees the key), ``hits`` (each force). Two forces alone: ``psi-request``
(the asking force), ``psi-answer`` (the other), ``psi-result`` (the asking force)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json

if TYPE_CHECKING:
    from fortress.sharing.hits import Selector

share_app = typer.Typer(
    help="Hit / no-hit with other forces: which of your numbers and IMEIs they also hold, "
    "without either side handing over its list.",
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
