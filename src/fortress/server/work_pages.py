"""Work from the browser: upload a comms file or cell sites (kept in the workspace's
``uploads/`` as received, then ingested with the CLI's guarantees and rejects report) and
run deal-line detection, each as a background job (``server/jobs.py``) whose page shows its
progress and, when it ends, what it did."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortress.casework import audit
from fortress.casework.models import User
from fortress.comms.lines import run_detection
from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.server.deps import CommittingRoute, Db, check_csrf, requires
from fortress.server.jobs import Jobs, Report
from fortress.server.lines_api import workspace_of
from fortress.server.navigation import navigation
from fortress.server.pages import PAGE_ERRORS, page
from fortress.sources.mapping import preset, preset_names
from fortress.store.workspace import Workspace, now_utc

router = APIRouter(tags=["pages"], route_class=CommittingRoute, responses=PAGE_ERRORS)
UPLOAD_MOST: Final = 4 << 30
"""The largest file taken (4 GiB)."""
CHUNK: Final = 1 << 20
KINDS: Final = {"comms": "comms events", "cells": "cell sites"}
JOB_ID: Final = re.compile(r"[0-9a-f]{12}")


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


@router.get("/app/work", response_class=HTMLResponse)
def work(request: Request, user: Annotated[User, Depends(requires("app.work"))]) -> HTMLResponse:
    """Upload files, run detection, and the latest jobs."""
    return _work_page(request, user)


def _work_page(request: Request, user: User, status: int = 200, error: str = "") -> HTMLResponse:
    nav = navigation(request, user)
    return page("work.html", status, jobs=_jobs(request).recent(), layouts=preset_names(),
                kinds=KINDS, error=error, csrf=nav.csrf, nav=nav)  # fmt: skip


@router.post("/app/work/uploads", response_class=HTMLResponse)
def upload(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.upload"))],
    data: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form(max_length=8)] = "comms",
    layout: Annotated[str, Form(max_length=40)] = "canonical",
    owner: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Keep the uploaded file in the workspace and ingest it in the background (audited
    as a collection of the file)."""
    check_csrf(request, csrf)
    workspace = workspace_of(request)
    if kind not in KINDS or (kind == "comms" and layout not in preset_names()):
        return _work_page(request, user, 422, "Choose what the file holds and its layout.")
    if data is None:
        return _work_page(request, user, 422, "Choose a file to upload.")
    try:
        kept = keep_upload(workspace, data)
    except ValueError as exc:
        return _work_page(request, user, 413, str(exc))
    audit.record(db, user.name, "collection", f"{kind}_file", [kept.name])
    spec = preset(layout) if kind == "comms" else None

    def ingest(report: Report) -> dict[str, Any]:
        if spec is None:
            return ingest_cells(workspace, kept).to_dict()
        return ingest_comms(workspace, kept, spec=spec, owner=owner or None,
                            progress=report).to_dict()  # fmt: skip

    label = f"{KINDS[kind]} from {data.filename}"
    job = _jobs(request).submit("ingest", label, user.name, ingest)
    return RedirectResponse(f"/app/work/jobs/{job.id}", status_code=303)


def keep_upload(
    workspace: Workspace,
    data: UploadFile,
    into: str = "uploads",
    most: int = UPLOAD_MOST,
    instead: str = "fortress ingest",
) -> Path:
    """Copy the upload into ``into`` (under the workspace) under a name of its own, whole
    or not at all; ValueError for an empty file or one over ``most`` bytes (saying to
    use the command ``instead``)."""
    folder = workspace.root / into
    folder.mkdir(parents=True, exist_ok=True)
    given = re.sub(r"[^A-Za-z0-9._-]", "_", Path(data.filename or "upload").name)[-100:]
    kept = folder / f"{now_utc():%Y%m%dT%H%M%S}-{id(data):x}-{given}"
    partial = kept.with_name(kept.name + ".partial")
    size = 0
    with partial.open("wb") as out:
        while chunk := data.file.read(CHUNK):
            size += len(chunk)
            if size > most:
                out.close()
                partial.unlink()
                raise ValueError(f"The file is larger than {_size(most)}: use {instead} "
                                 "instead.")  # fmt: skip
            out.write(chunk)
    if size == 0:
        partial.unlink()
        raise ValueError("The file is empty.")
    shutil.move(partial, kept)
    return kept


def _size(most: int) -> str:
    return f"{most >> 30} GiB" if most >= 1 << 30 else f"{most >> 20} MiB"


@router.post("/app/work/detection", response_class=HTMLResponse)
def detect(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.detect"))],
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Detect deal lines in the background; the job's page links to the board when done."""
    check_csrf(request, csrf)
    workspace = workspace_of(request)

    def detection(_: Report) -> dict[str, Any]:
        return run_detection(workspace).model_dump(mode="json")

    job = _jobs(request).submit("detection", "deal-line detection", user.name, detection)
    audit.record(db, user.name, "alteration", "detection_run", [job.id])
    return RedirectResponse(f"/app/work/jobs/{job.id}", status_code=303)


@router.get("/app/work/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    job_id: str, request: Request, user: Annotated[User, Depends(requires("app.job"))]
) -> HTMLResponse:
    """How a job stands; the page reloads itself every two seconds until it ends."""
    job = _jobs(request).get(job_id) if JOB_ID.fullmatch(job_id) else None
    if job is None:
        raise HTTPException(404, f"no job {job_id[:20]} on this server")
    return page("job.html", job=job, nav=navigation(request, user))
