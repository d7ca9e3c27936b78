"""Signing in to the casework server in tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

PASSWORD = "a long enough test password"


def sign_in(client: TestClient, name: str) -> dict[str, str]:
    """Headers for ``name`` (a user named after their role)."""
    answer = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
