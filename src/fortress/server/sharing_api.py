"""Line records shared with other forces (``/api/v1/line-exports``,
``/api/v1/received-bundles``): ask to send lines, a supervisor's decision for handling code
C, the signed bundle; a received bundle verified, held, reviewed and accepted or rejected.
The CLI's ``fortress share export | decide | import | review`` call the same functions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from fortress.casework import intelligence, line_sharing
from fortress.casework.intelligence import Grade, IntelligenceProblem
from fortress.casework.line_sharing import ExportView, ReceivedView, SharingProblem
from fortress.casework.models import LineExport, User
from fortress.comms.lines import NoDetection
from fortress.server.deps import API, CommittingRoute, Db, check_id, not_found, requires
from fortress.server.lines_api import workspace_of
from fortress.sharing.bundles import MOST_BYTES, read_bundle, send_export, shareable_run
from fortress.sharing.hits import SharingError

router = APIRouter(prefix=API, tags=["sharing"], route_class=CommittingRoute)
BUNDLE_TYPE = "application/x-ndjson"
BUNDLE_SCHEMA = {"type": "string", "format": "binary",
                 "description": "JSON lines: the header, the records, the signature"}  # fmt: skip
BUNDLE_BODY = {"requestBody": {"content": {"application/octet-stream": {"schema": BUNDLE_SCHEMA}},
                               "required": True}}  # fmt: skip
"""Declared as bytes: the server reads the body as it came and verifies it whole."""


class GradeIn(BaseModel):
    """A 3x5x2 grade; handling code C carries its conditions."""

    source_evaluation: Literal["1", "2", "3"]
    assessment: Literal["A", "B", "C", "D", "E"]
    handling_code: Literal["P", "C"]
    conditions: str | None = Field(default=None, max_length=2_000)


class ExportIn(BaseModel):
    """A request to send lines of the latest detection run to another force."""

    lines: list[str] = Field(min_length=1, max_length=line_sharing.MOST_LINES)
    recipient: str = Field(min_length=2, max_length=200)
    purpose: str = Field(min_length=1, max_length=2_000)
    grade: GradeIn
    marking: Literal["OFFICIAL", "OFFICIAL-SENSITIVE"] = "OFFICIAL-SENSITIVE"


class DecisionIn(BaseModel):
    """A decision: approve (or accept) or not, and why."""

    approve: bool
    reason: str = Field(min_length=1, max_length=2_000)


@router.post("/line-exports", status_code=201, response_model=ExportView)
def request_export(
    body: ExportIn,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("shares.request"))],
) -> ExportView:
    """Ask to send lines to another force: handling code P is approved at once, code C
    waits for a supervisor."""
    workspace = workspace_of(request)
    grade = Grade("3x5x2", body.grade.source_evaluation, body.grade.assessment,
                  body.grade.handling_code, body.grade.conditions)  # fmt: skip
    wanted = [line[:64] for line in body.lines]
    try:
        run_id = shareable_run(workspace, wanted)
        made = line_sharing.request_export(db, wanted, run_id, body.recipient, body.purpose,
                                           grade, body.marking, actor=user.name)  # fmt: skip
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    except SharingError as exc:
        raise HTTPException(404, str(exc)) from exc
    except SharingProblem as exc:
        raise HTTPException(422, str(exc)) from exc
    return line_sharing.export_view(made)


@router.get("/line-exports", response_model=list[ExportView])
def list_exports(
    db: Db,
    user: Annotated[User, Depends(requires("shares.list"))],
    status: Literal["awaiting", "approved", "refused"] | None = None,
) -> list[ExportView]:
    """Requests to send lines, oldest first (``status``: only those)."""
    return line_sharing.exports(db, status=status, actor=user.name)


def _export(db: Db, export_id: int) -> LineExport:
    try:
        return line_sharing.get_export(db, check_id("line export", export_id))
    except LookupError as exc:
        raise not_found("line export", export_id) from exc


@router.post("/line-exports/{export_id}/decision", response_model=ExportView)
def decide_export(
    export_id: int,
    body: DecisionIn,
    db: Db,
    user: Annotated[User, Depends(requires("shares.decide"))],
) -> ExportView:
    """A supervisor approves or refuses sending handling-code-C lines, with the reason."""
    found = _export(db, export_id)
    try:
        intelligence.decide(db, found, body.approve, body.reason, actor=user.name,
                            record_type="line_export")  # fmt: skip
    except IntelligenceProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    return line_sharing.export_view(found)


@router.get("/line-exports/{export_id}/bundle", response_class=Response,
            responses={200: {"content": {BUNDLE_TYPE: {"schema": BUNDLE_SCHEMA}}}})  # fmt: skip
def export_bundle(
    export_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("shares.bundle"))],
) -> Response:
    """The signed bundle of an approved request (audited as a disclosure to the recipient);
    409 until approved, or when the workspace has no signing key or a newer run."""
    workspace = workspace_of(request)
    found = _export(db, export_id)
    try:
        written = send_export(workspace, db, None, found, actor=user.name)
    except (SharingProblem, SharingError, NoDetection) as exc:
        raise HTTPException(409, str(exc)) from exc
    name = f"lines-{found.id}-{written.id[:8]}.bundle"
    return Response(written.content, media_type=BUNDLE_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


async def _bundle_body(request: Request) -> bytes:
    """The request's body, read no further than a bundle may be long."""
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > MOST_BYTES:
            raise HTTPException(413, f"a bundle is at most {MOST_BYTES // 2**20} MB")
    return bytes(content)


@router.post("/received-bundles", status_code=201, response_model=ReceivedView,
             openapi_extra=BUNDLE_BODY)  # fmt: skip
def import_bundle(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("shares.import"))],
    content: Annotated[bytes, Depends(_bundle_body)],  # read once the user may send it
) -> ReceivedView:
    """Verify a bundle (the request's body) against its sender's trusted key and hold its
    records for review; 413 above the size limit, 422 when it fails verification."""
    workspace = workspace_of(request)
    try:
        verified = read_bundle(workspace, content, "the bundle")
        held = line_sharing.hold(db, verified, actor=user.name)
    except SharingError as exc:
        raise HTTPException(422, str(exc)) from exc
    except SharingProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    return line_sharing.received_view(db, held)


@router.get("/received-bundles", response_model=list[ReceivedView])
def list_received(
    db: Db,
    user: Annotated[User, Depends(requires("shares.received"))],
    status: Literal["held", "accepted", "rejected"] | None = Query(None),
) -> list[ReceivedView]:
    """Bundles received from other forces, oldest first (``status``: only those)."""
    return line_sharing.received(db, status=status, actor=user.name)


@router.post("/received-bundles/{bundle_id}/decision", response_model=ReceivedView)
def review_bundle(
    bundle_id: str,
    body: DecisionIn,
    db: Db,
    user: Annotated[User, Depends(requires("shares.review"))],
) -> ReceivedView:
    """Accept a held bundle's records into the force's picture (``approve``), or reject
    them, with the reason."""
    try:
        found = line_sharing.get_received(db, bundle_id)
        line_sharing.review(db, found, body.approve, body.reason, actor=user.name)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except SharingProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    return line_sharing.received_view(db, found)
