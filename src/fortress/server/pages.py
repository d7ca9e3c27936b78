"""The HTML pages: the public's report form, and for analysts a sign-in page and the
triage view where a report is graded into intelligence. Plain HTML, no script, nothing
loaded from elsewhere; every value escaped."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from fortress.casework import help_services, intelligence
from fortress.casework.intelligence import GRADES, Grade, IntelligenceProblem
from fortress.casework.models import User
from fortress.casework.public_reports import (
    CATEGORIES,
    ReportForm,
    ReportProblem,
    awaiting_triage,
    dismiss,
    problems,
    receive,
)
from fortress.server.deps import (
    API,
    SESSION_COOKIE,
    CommittingRoute,
    Db,
    check_csrf,
    check_id,
    checked_sign_in,
    client_address,
    csrf_token,
    open_session,
    requires,
    revoke_own_token,
)
from fortress.server.navigation import navigation
from fortress.server.observe import request_id

PAGE_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    "4XX": {
        "description": "A page saying what to correct, or (not signed in, not allowed, "
        "malformed) the API's error answer",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}},
        },
    }
}
router = APIRouter(tags=["pages"], route_class=CommittingRoute, responses=PAGE_ERRORS)
_TEMPLATES = Environment(
    loader=ChoiceLoader([PackageLoader("fortress.server", "templates"),
                         PackageLoader("fortress.reports", "templates")]),  # shared sections
    autoescape=select_autoescape(),
)  # fmt: skip
Field = Annotated[str, Form(max_length=1_000)]
LINK_ROWS: Final = 3
"""Links the triage form offers a report (the API takes any number)."""


STATIC: Final = Path(__file__).parent / "static"
"""The app's own scripts and the vendored libraries (``static/vendor/vendor.json``)."""

SCRIPTED_POLICY: Final = (
    "default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
"""The pages that draw maps and link charts run the server's own scripts and nothing else:
no inline script, no other origin (so text that escaped escaping still could not run)."""


def page(template: str, status: int = 200, scripted: bool = False, **values: Any) -> HTMLResponse:
    """A rendered template (autoescaped); an error page shows the request's correlation id.
    ``scripted``: the page loads the server's own scripts (maps, link charts)."""
    reference = request_id() if status >= 400 else None
    html = _TEMPLATES.get_template(template).render(request_id=reference, **values)
    headers = {"Content-Security-Policy": SCRIPTED_POLICY} if scripted else None
    return HTMLResponse(html, status_code=status, headers=headers)


def wants_page(request: Request) -> bool:
    """Whether a person is asking, in a browser, for a page (not the API): the answer to a
    refusal is then a page, never JSON."""
    accepted = request.headers.get("accept", "")
    return "text/html" in accepted and not request.url.path.startswith(API)


REFUSALS: Final = {
    401: ("Sign in first", "You need to sign in to see this page.", "/signin", "Sign in"),
    403: (
        "Not for your role",
        "Your role may not open this page; the pages you may open are on your home page.",
        "/",
        "Go to your home page",
    ),
    404: ("Not found", "There is nothing at this address.", "/", "Go to your home page"),
}


def refusal_page(status: int, detail: str) -> HTMLResponse:
    """A refusal as a page that says why and where to go next."""
    heading, reason, next_path, next_label = REFUSALS.get(
        status, ("Not done", detail[:1].upper() + detail[1:] + ".", "/", "Go to your home page")
    )
    return page("refused.html", status, heading=heading, reason=reason, next_path=next_path,
                next_label=next_label)  # fmt: skip


@router.get("/report", response_class=HTMLResponse)
def report_form(_: Annotated[Any, Depends(requires("report.form"))]) -> HTMLResponse:
    """The public's form (plain HTML: no script, no third-party assets)."""
    return page("report.html", categories=CATEGORIES, form=ReportForm("", ""), errors=[])


@router.get("/help", response_class=HTMLResponse)
def help_page(db: Db, _: Annotated[Any, Depends(requires("help.page"))]) -> HTMLResponse:
    """Where users of drugs, their families and young people at risk can get help: the
    services supervisors keep (plain HTML: no script, nothing fetched, nobody tracked)."""
    return page("help.html", services=help_services.services(db))


@router.get("/favicon.ico", status_code=204, response_class=Response)
def favicon(_: Annotated[Any, Depends(requires("favicon"))]) -> Response:
    """No icon: an empty answer, so a browser's automatic request logs no error."""
    return Response(status_code=204)


@router.post("/report", response_class=HTMLResponse)
def report_submit(
    request: Request,
    db: Db,
    _: Annotated[Any, Depends(requires("report.submit"))],
    category: Annotated[str, Form(max_length=40)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    location: Annotated[str, Form(max_length=2_000)] = "",
    contact_name: Field = "",
    contact_phone: Field = "",
    contact_email: Field = "",
) -> HTMLResponse:
    """Receive a report; the sender's address is used for the rate limit in memory and
    is never stored or logged."""
    form = ReportForm(category, description, location, contact_name, contact_phone,
                      contact_email)  # fmt: skip
    if not request.app.state.report_limit.allow(client_address(request)):
        return page("report_limited.html", 429)
    errors = problems(form)
    if errors:
        return page("report.html", 422, categories=CATEGORIES, form=form, errors=errors)
    receive(db, form)
    return page("report_done.html")


SIGNIN_COOKIE: Final = "fortress_signin"
"""A random value the sign-in page sets (SameSite=Strict, its path only), to which the
form's hidden value is tied: a form on another site cannot send the pair, so it cannot
sign a person's browser in as someone else (sign-in CSRF)."""


def _signin_page(request: Request, status: int = 200, name: str = "",
                 error: str | None = None) -> HTMLResponse:  # fmt: skip
    """The sign-in page with a fresh value for its form and the cookie it is tied to."""
    value = secrets.token_urlsafe(32)
    said = f"{error[:1].upper()}{error[1:]}." if error else None  # the API's words, as a sentence
    answer = page("signin.html", status, name=name, error=said, csrf=csrf_token(value))
    _cookie(answer, request, SIGNIN_COOKIE, value, "/signin")
    return answer


def _check_signin_form(request: Request, given: str) -> None:
    """Refuse a sign-in that is not from this server's own page (403)."""
    origin, cookie = request.headers.get("origin"), request.cookies.get(SIGNIN_COOKIE)
    own = f"{request.url.scheme}://{request.url.netloc}"
    # "null" is what a browser sends under this server's own no-referrer policy
    from_elsewhere = origin not in (None, "null") and origin.rstrip("/") != own
    if from_elsewhere or not cookie or not hmac.compare_digest(given, csrf_token(cookie)):
        raise HTTPException(403, "this sign-in did not come from this page: reload the "
                                 "sign-in page and try again")  # fmt: skip


def _cookie(answer: Response, request: Request, name: str, value: str | None, path: str) -> None:
    """Set a cookie (``None``: remove it) the way every Fortress cookie is set: HttpOnly,
    SameSite=Strict, and Secure whenever the scheme outside is https (the connection's,
    or the one a trusted proxy forwards)."""
    flags: dict[str, Any] = {"path": path, "httponly": True, "samesite": "strict",
                             "secure": request.url.scheme == "https"}  # fmt: skip
    if value is None:
        answer.delete_cookie(name, **flags)
    else:
        answer.set_cookie(name, value, **flags)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(
    request: Request, _: Annotated[Any, Depends(requires("signin.form"))]
) -> HTMLResponse:
    """The staff sign-in page."""
    return _signin_page(request)


@router.post("/signin", response_class=HTMLResponse)
def signin_submit(
    request: Request,
    db: Db,
    _: Annotated[Any, Depends(requires("signin.submit"))],
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Sign in from the browser, from this server's own sign-in page only: a session
    cookie (HttpOnly, SameSite=Strict), then the home page, which sends each role to its
    own work."""
    try:
        _check_signin_form(request, csrf)
        user = checked_sign_in(request, db, name, password)
    except HTTPException as exc:
        return _signin_page(request, exc.status_code, name=name, error=exc.detail)
    answer = RedirectResponse("/", status_code=303)
    _cookie(answer, request, SIGNIN_COOKIE, None, "/signin")
    _cookie(answer, request, SESSION_COOKIE, open_session(request, db, user, by_cookie=True), "/")
    return answer


@router.post("/signout", response_class=RedirectResponse, status_code=303)
def signout(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("signout"))],
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """End this session, the browser's or a bearer's (its token stops working at once)."""
    check_csrf(request, csrf)
    revoke_own_token(request, db, user)
    answer = RedirectResponse("/signin", status_code=303)
    _cookie(answer, request, SESSION_COOKIE, None, "/")
    answer.headers["Clear-Site-Data"] = '"cache", "storage"'  # the cookie: removed above
    return answer


TOO_MANY_LINKS: Final = f"at most {LINK_ROWS} links, each at most 300 characters."


@dataclass(frozen=True)
class GradeForm:
    """What a grading form gave: the 3x5x2 grade, and its links (a type and a value per
    row, rows left empty skipped), or None when there are too many or one is too long."""

    grade: Grade
    links: list[tuple[str, str]] | None


def grade_form(
    source_evaluation: Annotated[str, Form(max_length=1)] = "",
    assessment: Annotated[str, Form(max_length=1)] = "",
    handling_code: Annotated[str, Form(max_length=1)] = "",
    conditions: Annotated[str, Form(max_length=2_000)] = "",
    link_type: Annotated[list[str] | None, Form()] = None,
    link_value: Annotated[list[str] | None, Form()] = None,
) -> GradeForm:
    """The grade and links of a grading form (the triage's, and the new-report form's)."""
    grade = Grade("3x5x2", source_evaluation, assessment, handling_code, conditions or None)
    pairs = list(zip(link_type or [], link_value or [], strict=False))
    if len(pairs) > LINK_ROWS or any(len(t) > 16 or len(v) > 300 for t, v in pairs):
        return GradeForm(grade, None)
    return GradeForm(grade, [(kind, value) for kind, value in pairs if kind and value.strip()])


def _triage_page(
    request: Request, db: Db, user: User, status: int = 200, **notes: Any
) -> HTMLResponse:
    nav = navigation(request, user)
    return page(
        "triage.html", status, reports=awaiting_triage(db, actor=user.name), nav=nav,
        csrf=nav.csrf, grades=GRADES["3x5x2"], categories=CATEGORIES,
        link_types=intelligence.ENTITY_TYPES, link_rows=LINK_ROWS, **notes,
    )  # fmt: skip


@router.get("/triage", response_class=HTMLResponse)
def triage(
    request: Request, db: Db, user: Annotated[User, Depends(requires("reports.triage"))]
) -> HTMLResponse:
    """The public's reports awaiting triage (every value escaped), each with a form that
    grades it into intelligence."""
    given = {key: request.query_params.get(key, "") for key in ("graded", "report", "dismissed")}
    done = {key: value for key, value in given.items() if value.isdigit() and len(value) < 12}
    return _triage_page(request, db, user, 200, **done)


@router.post("/triage/{report_id}", response_class=HTMLResponse)
def grade_from_triage(
    report_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("reports.grade_form"))],
    graded: Annotated[GradeForm, Depends(grade_form)],
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Grade a report (3x5x2) into intelligence from the triage view, with every link
    given (a type and a value per row; rows left empty are skipped)."""
    check_csrf(request, csrf)
    if graded.links is None:
        return _triage_page(request, db, user, 422, error=f"Report {report_id}: {TOO_MANY_LINKS}")
    try:  # every check comes before anything is written
        item = intelligence.grade_public_report(db, check_id("public report", report_id),
                                                graded.grade, graded.links,
                                                actor=user.name)  # fmt: skip
    except LookupError:
        return _triage_page(request, db, user, 404, error=f"There is no report {report_id}.")
    except IntelligenceProblem as exc:
        return _triage_page(request, db, user, 422, error=f"Report {report_id}: {exc}.")
    return RedirectResponse(f"/triage?graded={item.id}&report={report_id}", status_code=303)


@router.post("/triage/{report_id}/dismissal", response_class=HTMLResponse)
def dismiss_from_triage(
    report_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("reports.dismiss_form"))],
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Dismiss a report from the triage view, saying why (audited)."""
    check_csrf(request, csrf)
    try:
        dismiss(db, check_id("public report", report_id), reason, actor=user.name)
    except LookupError:
        return _triage_page(request, db, user, 404, error=f"There is no report {report_id}.")
    except ReportProblem as exc:
        return _triage_page(request, db, user, 422, error=f"Report {report_id}: {exc}.")
    return RedirectResponse(f"/triage?dismissed={report_id}", status_code=303)
