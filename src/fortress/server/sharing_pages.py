"""Line records shared with other forces, in the browser (``/app/sharing``): ask to send
lines of the latest run, a supervisor's decision on handling code C, the signed bundle of
an approved request; a received bundle uploaded, verified, held, its lines read beside
this force's own, then accepted or rejected. The API (``sharing_api``) and the CLI call
the same functions; every refusal is a page that says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from fortress.casework import intelligence, line_sharing
from fortress.casework.intelligence import GRADES, Grade, IntelligenceProblem
from fortress.casework.line_sharing import MARKINGS, SharingProblem
from fortress.casework.models import LineExport, User
from fortress.casework.policy import allowed
from fortress.comms.lines import NoDetection
from fortress.server.deps import CommittingRoute, Db, check_csrf, check_id, not_found, requires
from fortress.server.lines_api import workspace_of
from fortress.server.navigation import navigation
from fortress.server.pages import PAGE_ERRORS, page
from fortress.server.sharing_api import BUNDLE_SCHEMA, BUNDLE_TYPE
from fortress.sharing.bundles import MOST_BYTES, read_bundle, send_export, shareable_run
from fortress.sharing.hits import SharingError
from fortress.sharing.regional import review_lines

router = APIRouter(tags=["pages"], route_class=CommittingRoute, responses=PAGE_ERRORS)
DECISIONS = {"approve": True, "refuse": False, "accept": True, "reject": False}


@dataclass(frozen=True)
class Asked:
    """What the request form held, shown again when it is refused."""

    lines: str = ""
    recipient: str = ""
    purpose: str = ""
    marking: str = "OFFICIAL-SENSITIVE"


@router.get("/app/sharing", response_class=HTMLResponse)
def sharing(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.sharing"))],
    lines: Annotated[str, Query(max_length=2_000)] = "",
) -> HTMLResponse:
    """Requests to send lines (with a decision form on each one awaiting a supervisor, and
    the bundle of each approved one), a form to ask for another (``lines``: filled in), and
    the bundles received from other forces with a form to upload one."""
    return _sharing_page(request, db, user, asked=Asked(lines=lines))


def _sharing_page(
    request: Request,
    db: Db,
    user: User,
    status: int = 200,
    *,
    note: str = "",
    error: str = "",
    asked: Asked | None = None,
) -> HTMLResponse:
    nav = navigation(request, user)
    return page(
        "sharing.html", status, nav=nav, csrf=nav.csrf, note=note, error=error,
        exports=line_sharing.exports(db, actor=user.name),
        received=line_sharing.received(db, actor=user.name),
        asked=asked or Asked(), grades=GRADES["3x5x2"], markings=MARKINGS,
        may_decide=allowed("app.share_decide", user.role),
    )  # fmt: skip


@router.post("/app/sharing/exports", response_class=HTMLResponse)
def share_request(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.share_request"))],
    lines: Annotated[str, Form(max_length=2_000)] = "",
    recipient: Annotated[str, Form(max_length=200)] = "",
    purpose: Annotated[str, Form(max_length=2_000)] = "",
    source_evaluation: Annotated[str, Form(max_length=1)] = "",
    assessment: Annotated[str, Form(max_length=1)] = "",
    handling_code: Annotated[str, Form(max_length=1)] = "",
    conditions: Annotated[str, Form(max_length=2_000)] = "",
    marking: Annotated[str, Form(max_length=24)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Ask to send lines of the latest run to another force, as the API does: approved at
    once for handling code P, otherwise waiting for a supervisor (audited)."""
    check_csrf(request, csrf)
    asked = Asked(lines, recipient, purpose, marking)
    wanted = [line.strip()[:64] for line in lines.replace("\n", ",").split(",") if line.strip()]
    grade = Grade("3x5x2", source_evaluation, assessment, handling_code, conditions or None)
    try:
        run_id = shareable_run(workspace_of(request), wanted)
        made = line_sharing.request_export(db, wanted, run_id, recipient, purpose, grade,
                                           marking, actor=user.name)  # fmt: skip
    except (NoDetection, SharingError) as exc:  # no run, or a line not in it: as the API
        return _sharing_page(request, db, user, 404, error=f"Not asked: {exc}.", asked=asked)
    except SharingProblem as exc:
        return _sharing_page(request, db, user, 422, error=f"Not asked: {exc}.", asked=asked)
    outcome = "approved" if made.status == "approved" else "waiting for a supervisor's decision"
    note = f"Line export {made.id} to {made.recipient}: {outcome}."
    return _sharing_page(request, db, user, note=note)


@router.post("/app/sharing/exports/{export_id}/decision", response_class=HTMLResponse)
def share_decide(
    export_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.share_decide"))],
    decision: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=2_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """A supervisor approves or refuses sending handling-code-C lines, with the reason."""
    check_csrf(request, csrf)
    found = _export(db, export_id)
    if decision not in ("approve", "refuse"):
        return _sharing_page(request, db, user, 422, error="Choose approve or refuse.")
    try:
        intelligence.decide(db, found, DECISIONS[decision], reason, actor=user.name,
                            record_type="line_export")  # fmt: skip
    except IntelligenceProblem as exc:
        return _sharing_page(request, db, user, 409, error=f"Line export {export_id}: {exc}.")
    note = f"Line export {export_id} to {found.recipient} {found.status}."
    return _sharing_page(request, db, user, note=note)


BUNDLE_OR_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {BUNDLE_TYPE: {"schema": BUNDLE_SCHEMA},
                      "text/html": {"schema": {"type": "string"}}}}
}  # fmt: skip
"""The bundle to save, or the page that says why none was written."""


@router.post("/app/sharing/exports/{export_id}/bundle", response_class=Response,
             responses=BUNDLE_OR_PAGE)  # fmt: skip
def share_bundle(
    export_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.share_bundle"))],
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The signed bundle of an approved request, to save (audited as a disclosure to the
    recipient); a page saying why when it cannot be written."""
    check_csrf(request, csrf)
    workspace = workspace_of(request)
    found = _export(db, export_id)
    try:
        written = send_export(workspace, db, None, found, actor=user.name)
    except (SharingProblem, SharingError, NoDetection) as exc:
        return _sharing_page(request, db, user, 409, error=f"No bundle written: {exc}.")
    name = f"lines-{found.id}-{written.id[:8]}.bundle"
    return Response(written.content, media_type=BUNDLE_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _export(db: Db, export_id: int) -> LineExport:
    try:
        return line_sharing.get_export(db, check_id("line export", export_id))
    except LookupError as exc:
        raise not_found("line export", export_id) from exc


@router.post("/app/sharing/received", response_class=HTMLResponse)
def share_import(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.share_import"))],
    bundle: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Verify an uploaded bundle against its sender's trusted key and hold its records for
    review; the whole bundle is refused, with the reason, when any check fails."""
    check_csrf(request, csrf)
    workspace = workspace_of(request)
    if bundle is None:
        return _sharing_page(request, db, user, 422, error="Choose a bundle file to upload.")
    content = bundle.file.read(MOST_BYTES + 1)
    name = (bundle.filename or "the bundle")[-100:]
    if len(content) > MOST_BYTES:
        error = f"Not held: {name} is larger than {MOST_BYTES // 2**20} MB, the most a bundle is."
        return _sharing_page(request, db, user, 413, error=error)
    try:
        held = line_sharing.hold(db, read_bundle(workspace, content, name),
                                 actor=user.name)  # fmt: skip
    except (SharingError, SharingProblem) as exc:
        return _sharing_page(request, db, user, 422, error=f"Not held: {exc}.")
    note = f"Held for review: bundle {held.id[:8]} from {held.sender}."
    return _bundle_page(request, db, user, held.id, note=note)


@router.get("/app/sharing/received/{bundle_id}", response_class=HTMLResponse)
def share_received(
    bundle_id: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.share_received"))],
) -> HTMLResponse:
    """One received bundle: who sent it and why, each line with its numbers, handsets,
    dates, grade and marking, the lines of this force it shares a number or handset with,
    and (while it is held) the form that accepts or rejects it."""
    return _bundle_page(request, db, user, bundle_id)


def _bundle_page(
    request: Request,
    db: Db,
    user: User,
    bundle_id: str,
    status: int = 200,
    *,
    note: str = "",
    error: str = "",
) -> HTMLResponse:
    try:
        found = line_sharing.get_received(db, bundle_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    nav = navigation(request, user)
    return page(
        "received_bundle.html", status, nav=nav, csrf=nav.csrf, note=note, error=error,
        bundle=line_sharing.received_view(db, found),
        lines=review_lines(workspace_of(request), db, found.id, actor=user.name),
        may_review=allowed("app.share_review", user.role),
    )  # fmt: skip


@router.post("/app/sharing/received/{bundle_id}/decision", response_class=HTMLResponse)
def share_review(
    bundle_id: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.share_review"))],
    decision: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=2_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Accept a held bundle's lines into the force's picture, or reject them, with the
    reason (audited)."""
    check_csrf(request, csrf)
    try:
        found = line_sharing.get_received(db, bundle_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    if decision not in ("accept", "reject"):
        return _bundle_page(request, db, user, found.id, 422, error="Choose accept or reject.")
    try:
        line_sharing.review(db, found, DECISIONS[decision], reason, actor=user.name)
    except SharingProblem as exc:
        return _bundle_page(request, db, user, found.id, 409, error=f"Not recorded: {exc}.")
    return _bundle_page(request, db, user, found.id, note=f"The bundle is {found.status}.")
