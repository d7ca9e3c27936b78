"""One value registry at every entry point: an IMEI failing its Luhn check is refused with
the registry's reason wherever a person types one, and vehicle registrations are cleaned
by the registry, with a plate in no UK format kept as given and flagged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fortress.casework.db import migrate
from fortress.model import flags
from fortress.model.values import REASONS, VRM_UNPARSEABLE, ValueProblem, checked
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, browser_sign_in, sign_in, signin_form

API = "/api/v1"
BAD_IMEI = "353456789012345"  # the check digit of 35345678901234 is 8
GRADE = {"source_evaluation": "2", "assessment": "B", "handling_code": "P"}
REASON = REASONS[flags.IMEI_CHECK_DIGIT]


def _said(answer_text: str) -> str:
    return answer_text.replace("&#39;", "'").replace("&#x27;", "'")


def test_an_imei_failing_luhn_is_refused_alike_everywhere(client: TestClient) -> None:
    analyst, officer = sign_in(client, "analyst"), sign_in(client, "officer")
    link = [{"type": "imei", "value": BAD_IMEI}]
    answers = {
        "intelligence": client.post(f"{API}/intelligence", headers=analyst,
                                    json={"text": "Handset seen", "grade": GRADE, "links": link}),
        "search": client.get(f"{API}/intelligence?imei={BAD_IMEI}", headers=analyst),
        "public report": client.post(f"{API}/reports/1/intelligence", headers=analyst,
                                     json={"grade": GRADE, "links": link}),
        "seized phone": client.post(f"{API}/operations/1/results", headers=officer,
                                    json={"kind": "phone_seizure", "imei": BAD_IMEI}),
    }  # fmt: skip
    for where, answer in answers.items():
        assert answer.status_code == 422, where
        assert answer.json()["detail"] == f"{BAD_IMEI!r} is not a valid IMEI: {REASON}", where
    # and the analysts' triage form, which grades a report through the same service
    client.post("/signin", data={"name": "analyst", "password": PASSWORD, **signin_form(client)})
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/triage").text)
    assert csrf is not None
    page = client.post("/triage/1", data={**GRADE, "link_type": "imei", "link_value": BAD_IMEI,
                                          "csrf": csrf.group(1)})  # fmt: skip
    assert page.status_code == 422 and f"{BAD_IMEI!r} is not a valid IMEI: {REASON}" in _said(
        page.text
    )
    # the right check digit is taken at every one of them
    good = BAD_IMEI[:-1] + "8"
    made = client.post(f"{API}/operations/1/results", headers=officer,
                       json={"kind": "phone_seizure", "imei": "35-345678-901234-8"})  # fmt: skip
    assert made.status_code == 201
    item = client.post(f"{API}/intelligence", headers=analyst,
                       json={"text": "Handset seen", "grade": GRADE,
                             "links": [{"type": "imei", "value": good}]})  # fmt: skip
    assert item.status_code == 201 and item.json()["links"][0]["value"] == good


@pytest.mark.parametrize(
    ("given", "kept", "flag"),
    [("ab12 cde", "AB12CDE", None), ("a123-bcd", "A123BCD", None),
     ("ZQ88 XYZ", "ZQ88XYZ", VRM_UNPARSEABLE), ("AB 12 CD", "AB12CD", VRM_UNPARSEABLE)],
)  # fmt: skip
def test_registrations_are_cleaned_by_the_registry_and_odd_ones_kept_flagged(
    client: TestClient, given: str, kept: str, flag: str | None
) -> None:
    analyst = sign_in(client, "analyst")
    made = client.post(f"{API}/intelligence", headers=analyst,
                       json={"text": "Car outside the flat", "grade": GRADE,
                             "links": [{"type": "vehicle", "value": given}]})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["links"] == [{"type": "vehicle", "value": kept, "flag": flag}]
    found = client.get(f"{API}/intelligence", params={"vehicle": given.lower()}, headers=analyst)
    assert [i["id"] for i in found.json()] == [made.json()["id"]]


def test_the_migration_flags_registrations_already_recorded(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    migrate(workspace.engine, "0004")
    with workspace.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO casework_intelligence (id, text, grading_model, source_evaluation, "
            "assessment, handling_code, recorded_by, recorded_at) "
            "VALUES (1, 'x', '3x5x2', '1', 'A', 'P', 'analyst', '2025-01-01 00:00:00')"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO casework_intelligence_links (intelligence_id, entity_type, value) "
            "VALUES (1, 'vehicle', 'AB12CDE'), (1, 'vehicle', 'ZQ88XYZ'), (1, 'imei', 'ZQ88XYZ')"
        ))  # fmt: skip
    migrate(workspace.engine)
    with workspace.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT entity_type, value, flag FROM casework_intelligence_links ORDER BY id"
        )).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [("vehicle", "AB12CDE", None),
                                        ("vehicle", "ZQ88XYZ", VRM_UNPARSEABLE),
                                        ("imei", "ZQ88XYZ", None)]  # fmt: skip
    workspace.engine.dispose()


NOT_A_PERSON = REASONS[flags.RECORD_ID]


@pytest.mark.parametrize("person", ["\u00b2", "\u0663", "99999999999", "9999999999999999999", "-1"])
def test_a_person_id_that_is_not_one_is_refused_alike_everywhere(
    client: TestClient, person: str
) -> None:
    """Digits of other scripts pass ``str.isdigit`` and fail ``int``, and a number past
    SQLite's integers fails the query: each was a 500 somewhere (schemathesis and a probe
    found them)."""
    analyst = sign_in(client, "analyst")
    link = [{"type": "person", "value": person}]
    answers = {
        "search": client.get(f"{API}/intelligence", params={"person": person}, headers=analyst),
        "intelligence": client.post(f"{API}/intelligence", headers=analyst,
                                    json={"text": "Seen at the flat", "grade": GRADE,
                                          "links": link}),
        "public report": client.post(f"{API}/reports/1/intelligence", headers=analyst,
                                     json={"grade": GRADE, "links": link}),
    }  # fmt: skip
    for where, answer in answers.items():
        assert answer.status_code == 422, (where, answer.text)
        said = f"{person!r} is not a valid casework person id: {NOT_A_PERSON}"
        assert answer.json()["detail"] == said, where
    csrf = browser_sign_in(client, "analyst")
    page = client.post("/triage/1", data={**GRADE, "link_type": "person", "link_value": person,
                                          "csrf": csrf})  # fmt: skip
    assert page.status_code == 422, page.text
    assert said in _said(page.text)
    searched = client.get("/app/intelligence", params={"kind": "person", "value": person})
    assert searched.status_code == 422 and said in _said(searched.text)


def test_a_person_id_is_checked_by_the_value_registry() -> None:
    assert checked("person_id", " 12 ") == "12"
    for wrong in ("\u00b2", "0", "2147483648", "1e3", ""):
        with pytest.raises(ValueProblem, match="is not a valid casework person id"):
            checked("person_id", wrong)


def test_a_help_service_id_in_other_digits_is_a_new_entry_not_a_failure(
    client: TestClient,
) -> None:
    csrf = browser_sign_in(client, "supervisor")
    answer = client.post("/app/help", data={"entry_id": "\u00b2", "name": "Drug line",
                                            "helps": "Users of drugs", "contact": "0300 123 6600",
                                            "csrf": csrf})  # fmt: skip
    assert answer.status_code < 500, answer.text
