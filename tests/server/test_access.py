"""Access control, generated from the policy table: every role (and no sign-in) against
every endpoint; a refusal carries no record data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fortress.casework.policy import POLICY, PUBLIC
from fortress.casework.users import ROLES
from helpers.casework import PASSWORD, sign_in

OPERATION = "/api/v1/operations/{operation_id}"
FORM = {"category": "cuckooing", "description": "Strangers at number 4 every night."}
CALLS = {  # endpoint name -> (method, path, JSON body); operation 1 exists
    "session.create": ("POST", "/api/v1/session", {"name": "analyst", "password": PASSWORD}),
    "me.read": ("GET", "/api/v1/me", None),
    "users.list": ("GET", "/api/v1/users", None),
    "audit.read": ("GET", "/api/v1/audit", None),
    "operations.create": (
        "POST", "/api/v1/operations",
        {"name": "Op", "starts_on": "2025-03-04", "ends_on": "2025-03-10"},
    ),
    "operations.read": ("GET", OPERATION, None),
    "operations.record": ("POST", OPERATION + "/results", {"kind": "arrest"}),
    "operations.summary": ("GET", OPERATION + "/summary", None),
    "report.form": ("GET", "/report", None),
    "report.submit": ("POST", "/report", FORM),
    "reports.triage": ("GET", "/triage", None),
}  # fmt: skip


def test_every_endpoint_is_in_the_policy_and_in_these_tests(client: TestClient) -> None:
    assert set(CALLS) == set(POLICY)
    served = {
        (method, route.path)
        for route in client.app.routes  # type: ignore[attr-defined]
        for method in getattr(route, "methods", set())
        if route.path.startswith(("/api/", "/report", "/triage"))
    }
    assert served == {(method, path) for method, path, _ in CALLS.values()}


@pytest.mark.parametrize("endpoint", sorted(POLICY))
@pytest.mark.parametrize("role", [None, *ROLES])
def test_role_against_endpoint(client: TestClient, endpoint: str, role: str | None) -> None:
    method, path, body = CALLS[endpoint]
    headers = sign_in(client, role) if role else {}
    form = body if body is FORM else None
    answer = client.request(
        method, path.format(operation_id=1), json=None if form else body, data=form,
        headers=headers,
    )  # fmt: skip
    if PUBLIC in POLICY[endpoint] or role in POLICY[endpoint]:
        assert answer.status_code in (200, 201), answer.text
    else:
        assert answer.status_code == (401 if role is None else 403)
        assert set(answer.json()) == {"detail"}  # a reason, and no record data
        for name in ROLES:
            assert name not in answer.text.replace("your role may not do this", "")


def test_tokens_and_sign_in_failures(client: TestClient) -> None:
    wrong = client.post("/api/v1/session", json={"name": "analyst", "password": "not it at all"})
    assert wrong.status_code == 401 and wrong.json() == {"detail": "wrong name or password"}
    nobody = client.post("/api/v1/session", json={"name": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401 and nobody.json() == wrong.json()  # no hint who exists
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    me = client.get("/api/v1/me", headers=sign_in(client, "safeguarding_partner")).json()
    assert me == {"name": "safeguarding_partner", "role": "safeguarding_partner",
                  "agency": "Children's Services"}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "analyst"}, "password"),
        ({"name": "", "password": "x"}, "name"),
        ("not json", ""),
        ({"name": ["analyst"], "password": PASSWORD}, "name"),
    ],
)
def test_malformed_input_is_a_clear_4xx(client: TestClient, body: object, where: str) -> None:
    answer = client.post("/api/v1/session", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"] == "invalid request"
    assert where in " ".join(answer.json()["problems"])
    assert "Traceback" not in answer.text


def test_bad_query_values_are_4xx(client: TestClient) -> None:
    headers = sign_in(client, "auditor")
    for after in ("-1", "ten", "1e99"):
        answer = client.get(f"/api/v1/audit?after={after}", headers=headers)
        assert answer.status_code == 422, (after, answer.text)
