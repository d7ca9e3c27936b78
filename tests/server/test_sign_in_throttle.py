"""Sign-in throttling (``casework/throttle.py``): counted before the password hash and
shared by every server process, by name and by address with growing delays, and never a
way to lock an officer out from where they usually sign in."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fortress.casework import throttle
from fortress.server.deps import SESSION_COOKIE
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD
from helpers.serve import fortress_serve

WRONG = "not the password at all"


class Clock:
    """The throttle's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 7, 9, 0)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moved = Clock()
    monkeypatch.setattr(throttle, "_now", moved)
    yield moved


def _from(client: TestClient, address: str) -> TestClient:
    """A client of the same server connecting from ``address``."""
    return TestClient(client.app, client=(address, 50000))


def _sign_in(client: TestClient, name: str, password: str) -> tuple[int, str | None]:
    answer = client.post("/api/v1/session", json={"name": name, "password": password})
    return answer.status_code, answer.headers.get("retry-after")


def test_failures_slow_the_next_attempts_with_growing_delays(
    client: TestClient, clock: Clock
) -> None:
    here = _from(client, "192.0.2.10")
    for _ in range(5):  # the first five from one address are free
        assert _sign_in(here, "officer", WRONG) == (401, None)
    assert _sign_in(here, "officer", PASSWORD) == (429, "5")  # even the right password
    clock.advance(5)
    assert _sign_in(here, "officer", WRONG)[0] == 401  # the sixth failure: 10 s next
    clock.advance(9)
    assert _sign_in(here, "officer", PASSWORD) == (429, "1")
    clock.advance(1)
    assert _sign_in(here, "officer", PASSWORD) == (200, None)
    for _ in range(5):  # a success starts the name at this address afresh
        assert _sign_in(here, "officer", WRONG)[0] == 401


def test_guessing_from_elsewhere_never_locks_out_an_officer_where_they_sign_in(
    client: TestClient, clock: Clock
) -> None:
    desk, attacker, new_place = (_from(client, a) for a in ("192.0.2.10", "198.51.100.7",
                                                            "203.0.113.20"))  # fmt: skip
    assert _sign_in(desk, "officer", PASSWORD)[0] == 200  # the desk is familiar now
    stop, tried = clock.at + timedelta(hours=2), 0
    while True:  # an attacker guessing as fast as the throttle lets them, for two hours
        status, wait = _sign_in(attacker, "officer", WRONG)
        tried += status == 401
        if status == 401 and clock.at > stop:
            break
        clock.advance(float(wait or 0) + 0.5)
    assert 15 <= tried <= 25  # 5 free, then delays of 5 s doubling to 15 minutes
    assert _sign_in(desk, "officer", PASSWORD)[0] == 200  # the officer at their desk
    assert _sign_in(new_place, "officer", PASSWORD)[0] == 429  # anywhere new waits


def test_one_password_tried_across_many_names_is_slowed(client: TestClient, clock: Clock) -> None:
    sprayer = _from(client, "198.51.100.8")
    for number in range(30):
        assert _sign_in(sprayer, f"officer{number}", "Summer2026!")[0] == 401
    assert _sign_in(sprayer, "analyst", "Summer2026!") == (429, "5")
    clock.advance(5)
    assert _sign_in(sprayer, "analyst", PASSWORD)[0] == 200


def test_the_counts_hold_no_name_or_address(
    client: TestClient, casework: Workspace, clock: Clock
) -> None:
    _sign_in(_from(client, "192.0.2.44"), "officer", WRONG)
    with casework.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM casework_sign_in_counts")).fetchall()
    assert rows and "officer" not in str(rows) and "192.0.2.44" not in str(rows)
    clock.advance(61 * 60)  # past the window, the next attempt forgets the count
    _sign_in(_from(client, "192.0.2.45"), "analyst", PASSWORD)
    with casework.engine.connect() as connection:
        left = connection.execute(text("SELECT key FROM casework_sign_in_counts")).scalars()
        assert all(key.startswith("known:") for key in left)


def _post(url: str, body: dict[str, str], forwarded: str) -> int:
    return _answer(url, body, forwarded)[0]


def _answer(url: str, body: dict[str, str], forwarded: str) -> tuple[int, str]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(),
        {"Content-Type": "application/json", "X-Forwarded-For": forwarded},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as refused:
        return int(refused.code), refused.read().decode()


def test_concurrent_guesses_across_workers_are_counted_before_the_hash(
    casework: Workspace,
) -> None:
    """A probe sent 40 wrong passwords for one name at once and all 40 were checked: the
    throttle counted each failure after the slow hash. Now two server processes share
    the counts and only the first five reach the hash. The loopback proxy is trusted,
    so each guess's address is the one it forwards."""
    with fortress_serve(casework, "--workers", "2", "--trusted-proxy", "127.0.0.1") as base:
        url, guess = f"{base}/api/v1/session", {"name": "analyst", "password": WRONG}
        with ThreadPoolExecutor(40) as pool:
            statuses = Counter(pool.map(lambda _: _post(url, guess, "192.0.2.60"), range(40)))
        assert statuses == {401: 5, 429: 35}
        right = {"name": "analyst", "password": PASSWORD}
        assert _post(url, right, "192.0.2.60") == 429
        assert _post(url, right, "192.0.2.61") == 200  # another address, another count


def test_right_sign_ins_held_back_while_others_are_checked_are_told_so(
    casework: Workspace,
) -> None:
    """The soak signed one name in six times at once, and the sixth was told of "too many
    failed sign-ins" when none had failed: attempts are counted before the hash, so those
    still being checked count too. The refusal now says so."""
    with fortress_serve(casework, "--workers", "2") as base:
        url, right = f"{base}/api/v1/session", {"name": "analyst", "password": PASSWORD}
        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(lambda _: _answer(url, right, ""), range(40)))
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) == {200, 429}, statuses
    for status, body in answers:
        if status == 429:
            assert "that failed or are still being checked: try again in" in body
            assert "too many failed" not in body


def test_behind_a_trusted_https_proxy_the_session_cookie_is_secure(casework: Workspace) -> None:
    """The outside scheme is the proxy's (X-Forwarded-Proto) only when ``serve`` trusts it."""
    with fortress_serve(casework, "--trusted-proxy", "127.0.0.1") as base:
        trusted = _browser_cookies(base, {"X-Forwarded-Proto": "https"})
    with fortress_serve(casework) as base:
        untrusted = _browser_cookies(base, {"X-Forwarded-Proto": "https"})
    assert len(trusted) == len(untrusted) == 2
    assert all("; secure" in cookie.lower() for cookie in trusted)
    assert not any("; secure" in cookie.lower() for cookie in untrusted)


def _browser_cookies(base: str, headers: dict[str, str]) -> list[str]:
    """The cookies a browser is given on the way in: the sign-in page's, then the session's."""
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(urllib.request.Request(f"{base}/signin", headers=headers)) as page:
        form_cookie = page.headers["Set-Cookie"]
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.read().decode())
    assert csrf is not None
    body = urllib.parse.urlencode({"name": "analyst", "password": PASSWORD,
                                   "csrf": csrf.group(1)}).encode()  # fmt: skip
    sent = urllib.request.Request(f"{base}/signin", body, {
        **headers, "Cookie": form_cookie.split(";")[0]})  # fmt: skip
    try:
        opener.open(sent)
    except urllib.error.HTTPError as redirect:  # 303 to the home page
        assert redirect.code == 303
        given = redirect.headers.get_all("Set-Cookie", [])
        return [form_cookie, *(c for c in given if c.startswith(f"{SESSION_COOKIE}="))]
    raise AssertionError("signing in did not redirect")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand a redirect back as it is."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
