"""A session's life (OWASP ASVS 5.0, 7.3): it ends after ``IDLE_MINUTES`` unused, and
after ``TOKEN_HOURS`` however busy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from fortress.casework import users
from helpers.casework import sign_in

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_an_idle_session_ends_and_a_busy_one_lives_to_its_hours(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [START]
    monkeypatch.setattr(users, "now_utc", lambda: now[0])

    def me_at(minutes: float, headers: dict[str, str]) -> int:
        now[0] = START + timedelta(minutes=minutes)
        return client.get("/api/v1/me", headers=headers).status_code

    busy, idle = sign_in(client, "analyst"), sign_in(client, "officer")
    assert me_at(29, busy) == 200  # 29 minutes idle: still live
    assert me_at(58, busy) == 200  # 29 since its last use
    assert me_at(58, idle) == 401  # 58 unused: ended
    assert me_at(59, idle) == 401  # and stays ended
    for minute in range(78, users.TOKEN_HOURS * 60, 20):
        assert me_at(minute, busy) == 200, minute
    assert me_at(users.TOKEN_HOURS * 60 + 1, busy) == 401  # however busy, 8 hours at most
