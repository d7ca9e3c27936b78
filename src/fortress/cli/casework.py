"""``fortress casework``, ``fortress users``, ``fortress audit`` and ``fortress serve``: the
casework server and what administers it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json, ready_casework

if TYPE_CHECKING:
    pass

casework_app = typer.Typer(help="The casework database.", no_args_is_help=True)
users_app = typer.Typer(help="Casework users and roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The casework audit log (DPA 2018 s.62).", no_args_is_help=True)
operations_app = typer.Typer(help="Operations and their results.", no_args_is_help=True)


@casework_app.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the casework tables to this Fortress's revision."""
    from fortress.casework.db import migrate

    workspace = open_workspace(create=True)
    typer.echo(f"casework tables at revision {migrate(workspace.engine)}")


@casework_app.command("grant-server")
def grant_server_command(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role `fortress serve` connects as.")],
) -> None:
    """Let a PostgreSQL role run the server: read and write the records, bound by the
    row-level security that keeps a partner to their agency's referrals. Run it as the
    role that migrates (the tables' owner), and again after a new Fortress migrates."""
    from fortress.casework.db import CaseworkDatabaseError, grant_server_role

    workspace = ready_casework()
    try:
        schema = grant_server_role(workspace.engine, role)
    except CaseworkDatabaseError as exc:
        fail(str(exc))
    typer.echo(f"{role} may read and write the records in schema {schema}, within "
               "row-level security; serve with --database-url naming it")  # fmt: skip


PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _password(from_stdin: bool, prompt: str) -> str:
    """A password from standard input's first line, or asked for twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add_command(
    name: Annotated[str, typer.Argument(help="The user's sign-in name.")],
    role: Annotated[
        str,
        typer.Option(
            help="analyst, officer, supervisor, safeguarding_partner, auditor or administrator."
        ),
    ],
    agency: Annotated[str | None, typer.Option(help="A safeguarding partner's agency.")] = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Add a user (the password is asked for twice, or read from standard input)."""
    from fortress.casework.users import UserProblem, add_user

    workspace = ready_casework()
    password = _password(password_stdin, "Password")
    try:
        with workspace.sessions.begin() as session:
            user = add_user(session, name, role, password, agency=agency, actor="cli")
            typer.echo(f"added {user.name} ({user.role})")
    except UserProblem as exc:
        fail(str(exc))


ANCHORS = "audit-anchors.jsonl"
AnchorsOption = Annotated[
    Path | None,
    typer.Option(
        "--anchors",
        help=f"File of anchored chain heads (default: {ANCHORS} in the workspace). Copy it "
        "off the machine: an anchor kept beside the database proves less.",
    ),
]


@audit_app.command("anchor")
def audit_anchor_command(anchors: AnchorsOption = None) -> None:
    """Append the audit chain's current head (sequence number and hash) to the anchors file,
    so that a later rewrite or truncation of the log is found by `audit verify`."""
    from fortress.casework import audit
    from fortress.store.workspace import now_utc

    workspace = ready_casework()
    with workspace.sessions() as session:
        head = audit.anchor(session)
    path = anchors or workspace.root / ANCHORS
    line = {"at": now_utc().isoformat(timespec="seconds"), "seq": head.seq, "hash": head.hash}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    typer.echo(f"anchored entry {head.seq:,} ({head.hash[:12]}...) in {path}")


def _read_anchors(path: Path) -> list[Any]:
    from fortress.casework.audit import Anchor

    kept = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            fields = json.loads(line)
            kept.append(Anchor(int(fields["seq"]), str(fields["hash"])))
        except (ValueError, KeyError, TypeError):
            fail(f"{path} line {number} is not an anchor: {line[:80]!r}")
    return kept


@users_app.command("list")
def users_list_command(as_json: JsonOption = False) -> None:
    """Every user: name, role, agency, whether disabled (no passwords or tokens)."""
    from fortress.casework.users import every_user

    workspace = ready_casework()
    with workspace.sessions.begin() as session:
        rows = [{"name": u.name, "role": u.role, "agency": u.agency, "disabled": u.disabled}
                for u in every_user(session, actor="cli")]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    for row in rows:
        flag = "  (disabled)" if row["disabled"] else ""
        typer.echo(f"{row['name']:<24} {row['role']:<22} {row['agency'] or ''}{flag}")


@users_app.command("password")
def users_password_command(
    name: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Set a user's password (a forgotten one, say), by the rules of a new user's: every
    session of theirs ends. A user changes their own through the API."""
    from fortress.casework.users import UserProblem, set_password, user_named

    workspace = ready_casework()
    password = _password(password_stdin, "New password")
    try:
        with workspace.sessions.begin() as session:
            set_password(session, user_named(session, name), password, actor="cli")
    except UserProblem as exc:
        fail(str(exc))
    typer.echo(f"{name}'s password is set: signed out everywhere")


def _set_disabled(name: str, disabled: bool) -> None:
    from fortress.casework.users import UserProblem, set_disabled

    workspace = ready_casework()
    try:
        with workspace.sessions.begin() as session:
            set_disabled(session, name, disabled, actor="cli")
    except UserProblem as exc:
        fail(str(exc))
    typer.echo(f"{name} {'disabled: signed out everywhere' if disabled else 'enabled'}")


@users_app.command("disable")
def users_disable_command(name: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Stop a user signing in; their tokens stop working at once."""
    _set_disabled(name, True)


@users_app.command("enable")
def users_enable_command(name: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Let a disabled user sign in again."""
    _set_disabled(name, False)


@audit_app.command("verify")
def audit_verify_command(anchors: AnchorsOption = None, as_json: JsonOption = False) -> None:
    """Check the audit log's hash chain and its anchors; exit 1 if it was tampered with."""
    from fortress.casework import audit

    workspace = ready_casework()
    path = anchors or workspace.root / ANCHORS
    if anchors is not None and not path.is_file():
        fail(f"no anchors file {path}")
    kept = _read_anchors(path) if path.is_file() else []
    with workspace.sessions() as session:
        found = audit.verify(session, kept)
    if as_json:
        print_json({"ok": found.ok, "entries": found.entries, "anchors": len(kept),
                    "problems": found.problems})  # fmt: skip
    elif found.ok:
        typer.echo(
            f"audit log intact: {found.entries:,} entries, chain and head agree"
            + (f", and {len(kept):,} anchors" if kept else " (no anchors kept: run `audit anchor`)")
        )
    else:
        for problem in found.problems:
            typer.echo(f"TAMPERED: {problem}", err=True)
    if not found.ok:
        raise typer.Exit(1)


@operations_app.command("summary")
def operations_summary_command(
    operation_id: Annotated[int, typer.Argument(help="The operation's id.")],
    as_json: JsonOption = False,
) -> None:
    """Totals and a press-ready paragraph for an operation, from its recorded results."""
    from fortress.casework.operations import get_operation, summary

    workspace = ready_casework()
    try:
        with workspace.sessions.begin() as session:
            operation = get_operation(session, operation_id, actor="cli")
            found = summary(session=session, operation=operation, actor="cli")
    except LookupError as exc:
        fail(str(exc).strip("'\""))
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    for kind, total in sorted(found.totals.items()):
        typer.echo(f"{kind:<20} {total:>8,}")
    for drug, grams in found.drugs_grams.items():
        typer.echo(f"{drug:<20} {grams:>8} g")
    typer.echo(f"{'cash':<20} {found.cash:>8}")
    typer.echo("")
    typer.echo(found.paragraph)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="PostgreSQL (or other) database for the records instead of the workspace's "
            "SQLite; the same as fortress --database-url.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes (one per core uses them all). The sign-in throttle is "
            "shared by them all; the public form's rate limit is counted per process.",
            min=1,
            max=64,
        ),
    ] = 1,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="The address (or network, e.g. 10.0.0.0/8) of a reverse proxy whose "
            "X-Forwarded-For and X-Forwarded-Proto are believed: the client's address for "
            "the limits, and https for Secure cookies. Repeat for several; without it, "
            "forwarded headers are ignored.",
        ),
    ] = None,
) -> None:
    """Run the casework server (REST API under /api/v1, OpenAPI at /openapi.json)."""
    import os

    import uvicorn

    from fortress.casework.db import CaseworkDatabaseError
    from fortress.cli.common import settings
    from fortress.server import observe
    from fortress.server.app import create_app
    from fortress.store.settings import DATABASE_ENV, WORKSPACE_ENV

    if database_url:
        settings.database_url = database_url
    try:
        workspace = open_workspace()
        app = create_app(workspace.engine, comms=workspace)  # checked here, once, with errors
    except CaseworkDatabaseError as exc:
        fail(str(exc))
    # no access log: it would hold client addresses (the public report page must not)
    # keep-alive as long as a proxy's (75 s): a person reading a page for more than
    # uvicorn's default 5 s would otherwise find the connection closed under them
    options: dict[str, Any] = {"host": host, "port": port, "access_log": False,
                               "server_header": False, "timeout_keep_alive": 75}  # fmt: skip
    # uvicorn believes forwarded headers from loopback unless told otherwise: a client on
    # this machine could then give itself any address
    options["proxy_headers"] = bool(trusted_proxy)
    options["forwarded_allow_ips"] = list(trusted_proxy or [])
    options["log_config"] = observe.LOG_CONFIG  # JSON lines on standard error, every worker
    if workers == 1:
        uvicorn.run(app, **options)
        return
    # worker processes build their own app from the same workspace and database
    os.environ[WORKSPACE_ENV] = str(workspace.root)
    if settings.database_url:
        os.environ[DATABASE_ENV] = settings.database_url
    workspace.engine.dispose()
    uvicorn.run("fortress.server.app:from_environment", factory=True, workers=workers, **options)
