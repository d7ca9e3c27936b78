"""Every page of the workspace, for every role, in Debian's Chromium against a server on
loopback over a detected world whose casework holds script payloads in names, notes and
reports: each page renders with data, asks for nothing but the server, logs no console
error, opens no dialog (no script from user data runs), and has no serious or critical
accessibility violation (axe-core, WCAG 2.2 A and AA). The deal-line board works from
the keyboard. Refusals are pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import pytest
from sqlalchemy.orm import Session

from fortress.casework import intelligence, line_sharing, safeguarding
from fortress.casework.db import migrate
from fortress.casework.intelligence import Grade
from fortress.casework.line_verdicts import judge_line
from fortress.casework.policy import POLICY
from fortress.casework.public_reports import ReportForm, receive
from fortress.casework.users import ROLES
from fortress.comms.lines import latest_run, list_lines, run_detection
from fortress.server.app import create_app
from fortress.server.app_pages import ROLE_HOME
from fortress.server.navigation import PAGES
from fortress.sharing import signing
from fortress.sharing.bundles import Sharing, read_bundle, write_bundle
from fortress.store.workspace import Workspace
from helpers.browser import offline_page, served
from helpers.casework import PASSWORD, seed_casework
from helpers.worlds import ingest_world

AXE = Path(__file__).parents[1] / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


class Walk(NamedTuple):
    """The server's address, a line and a number to open."""

    base: str
    line_id: str
    number: str
    bundle_id: str


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """A detected demo world with the usual casework plus payloads everywhere a person
    types: intelligence naming a line number, a public report, a verdict's note, a
    referred person's name."""
    world = ingest_world(tmp_path_factory.mktemp("walk"), 7)
    workspace = world.workspace
    run_detection(workspace)
    migrate(workspace.engine)
    line = list_lines(workspace)[0]
    number = line.numbers[-1]
    with workspace.sessions.begin() as session:
        seed_casework(session)
        intelligence.create(session, PAYLOAD, Grade("3x5x2", "2", "B", "P"),
                            [("phone", number)], actor="analyst")  # fmt: skip
        receive(session, ReportForm("cuckooing", PAYLOAD, location=PAYLOAD))
        judge_line(session, str(line.line_id), "rejected", PAYLOAD, latest_run(workspace).id,
                   actor="analyst")  # fmt: skip
        child = safeguarding.add_person(session, PAYLOAD, born_on=date(2010, 1, 1),
                                        victim="child", suspect=False, actor="officer")  # fmt: skip
        safeguarding.make_referral(session, child.id, "Children's Services", PAYLOAD, [],
                                   actor="officer")  # fmt: skip
        bundle_id = _shared(workspace, session, str(line.line_id))
    with served(create_app(workspace.engine, comms=workspace)) as base:
        yield Walk(base, str(line.line_id), number, bundle_id)


def _shared(workspace: Workspace, session: Session, line_id: str) -> str:
    """A C-coded request to send the line with a payload for its purpose and conditions,
    and a bundle of it, signed by a Kent key the workspace trusts, held for review: the id
    of the bundle."""
    grade = Grade("3x5x2", "2", "B", "C", PAYLOAD)
    run_id = latest_run(workspace).id
    line_sharing.request_export(session, [line_id], run_id, PAYLOAD, PAYLOAD, grade, "OFFICIAL",
                                actor="analyst")  # fmt: skip
    kent = signing.new_signing_key("Kent")
    signing.trust(workspace, kent.public)
    written = write_bundle(workspace, kent, export_id=1, line_ids=[line_id], run_id=run_id,
                           recipient="Hampshire", purpose=PAYLOAD,
                           sharing=Sharing("Kent", grade, "OFFICIAL"))  # fmt: skip
    held = line_sharing.hold(session, read_bundle(workspace, written.content, "Kent's bundle"),
                             actor="analyst")  # fmt: skip
    return held.id


def _pages(role: str, walk: Walk) -> list[str]:
    """The pages ``role`` may open: its navigation, and a line's and a number's page."""
    paths = [link.path for link in PAGES if role in POLICY[link.endpoint]]
    if role in POLICY["app.line"]:
        paths += [
            f"/app/lines/{walk.line_id}",
            f"/app/numbers/{quote(walk.number, safe='')}",
            f"/app/network?line={walk.line_id}",
        ]
    if role in POLICY["app.intelligence_item"]:
        paths += ["/app/intelligence/3", "/app/operations/1"]  # the payload's; the seeded one
    if role in POLICY["app.audit"]:
        paths.append("/app/audit?verify=true")
    if role in POLICY["app.share_received"]:
        paths.append(f"/app/sharing/received/{walk.bundle_id}")
    return paths


def _axe_violations(page: Any) -> list[str]:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "the vendored axe-core changed"
    page.evaluate(source.decode("utf-8") + "\n;0")  # run by the DevTools protocol, not a tag
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_in_chromium(walk: Walk, role: str) -> None:
    with offline_page(allowed=walk.base) as (page, requested):
        dialogs: list[str] = []
        errors: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{walk.base}/")
        assert page.url == f"{walk.base}/signin"
        page.fill("#name", role)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        assert page.url == walk.base + ROLE_HOME[role]
        for path in _pages(role, walk):
            answer = page.goto(walk.base + path)
            assert answer is not None and answer.status == 200, path
            assert f"Signed in as {role}" in page.inner_text("nav")
            assert page.locator("h1").count() == 1, path
            assert _axe_violations(page) == [], path
        assert dialogs == [] and errors == []
        assert all(url.startswith(walk.base) for url in requested)


def test_the_accessibility_check_finds_what_it_should(walk: Walk) -> None:
    """A control: a form field without a label and a button without a name are found."""
    with offline_page(allowed=walk.base) as (page, _):
        page.goto(f"{walk.base}/signin")
        page.evaluate("document.querySelector('label').remove();"
                      "document.querySelector('button').textContent = ''")  # fmt: skip
        found = " ".join(_axe_violations(page))
        assert "label (critical)" in found and "button-name (critical)" in found


def test_the_public_pages_in_chromium(walk: Walk) -> None:
    """The report form, the help page and sign-in: accessible, nothing fetched elsewhere."""
    with offline_page(allowed=walk.base) as (page, requested):
        for path in ("/report", "/help", "/signin"):
            answer = page.goto(walk.base + path)
            assert answer is not None and answer.status == 200
            assert _axe_violations(page) == [], path
        assert all(url.startswith(walk.base) for url in requested)


def test_payloads_are_shown_as_typed(walk: Walk) -> None:
    """Where a person typed script, the page shows the text (and runs nothing: the walk
    saw no dialog)."""
    with offline_page(allowed=walk.base) as (page, _):
        _sign_in(page, walk.base, "supervisor")
        for path in (f"/app/lines/{walk.line_id}", f"/app/numbers/{quote(walk.number, safe='')}",
                     "/triage", "/app/intelligence/3", "/app/intelligence", "/app/sharing",
                     f"/app/sharing/received/{walk.bundle_id}"):  # fmt: skip
            page.goto(walk.base + path)
            assert PAYLOAD in page.inner_text("body"), path


def test_the_board_works_from_the_keyboard(walk: Walk) -> None:
    """Tab through the filters to the first line and open it with Enter."""
    with offline_page(allowed=walk.base) as (page, _):
        _sign_in(page, walk.base, "analyst")
        page.focus("#q")
        page.keyboard.type("0")
        page.keyboard.press("Tab")  # status
        page.keyboard.press("Tab")  # order
        page.keyboard.press("Tab")  # show
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "q=0" in url)
        for _ in range(20):  # the navigation, sign-out and filters come first
            if page.evaluate("document.activeElement.href || ''").endswith(walk.line_id):
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: url.endswith(f"/app/lines/{walk.line_id}"))


def test_a_refusal_in_chromium_is_a_page(walk: Walk) -> None:
    with offline_page(allowed=walk.base) as (page, _):
        answer = page.goto(f"{walk.base}/app/audit")
        assert answer is not None and answer.status == 401
        assert "Sign in first" in page.inner_text("h1")
        _sign_in(page, walk.base, "officer")
        answer = page.goto(f"{walk.base}/app/audit")
        assert answer is not None and answer.status == 403
        assert "Not for your role" in page.inner_text("h1")


def _sign_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#name", role)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
