"""The operations ledger: the seed's week of action recorded piece by piece gives the
seed's figures, to the penny, in a paragraph made only from what was recorded."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.comms.lines import NoDetection, latest_run, list_lines, run_detection
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import sign_in
from helpers.worlds import World

runner = CliRunner()

WEEK = [  # the seed's week of action, as officers would record it over the week
    {"kind": "arrest", "count": 40, "on": "2025-03-05"},
    {"kind": "arrest", "count": 24, "on": "2025-03-08"},
    {"kind": "network_dismantled", "count": 15},
    {"kind": "drug_seizure", "label": "Cocaine", "grams": "200.25"},
    {"kind": "drug_seizure", "label": "cocaine", "grams": "260.25"},
    {"kind": "cash_seizure", "pounds": "12,000.50"},
    {"kind": "cash_seizure", "pounds": "18240.39"},
    {"kind": "weapon_seizure", "label": "knife", "count": 11},
    {"kind": "weapon_seizure", "label": "firearm", "count": 3},
    {"kind": "phone_seizure", "count": 93},
    {"kind": "phone_seizure", "imei": "353456789012348", "number": "+447700900123"},
    {"kind": "stop_search", "label": "arrest", "count": 44, "age_band": "18-24"},
    {"kind": "stop_search", "label": "no further action", "count": 190, "age_band": "10-17"},
    {"kind": "stop_search", "label": "no further action", "count": 10},
    {"kind": "person_safeguarded", "count": 58},
]
SEED = (
    "During County lines intensification week (4 March to 10 March 2025), officers made 64 "
    "arrests, dismantled 15 networks, seized 460.5 g of cocaine, £30,240.89 in cash, 14 "
    "weapons and 94 phones, carried out 244 stop-searches and safeguarded 58 people."
)


def _week(client: TestClient, headers: dict[str, str]) -> int:
    body = {"name": "County lines intensification week", "starts_on": "2025-03-04",
            "ends_on": "2025-03-10"}  # fmt: skip
    made = client.post("/api/v1/operations", json=body, headers=headers)
    assert made.status_code == 201, made.text
    operation = int(made.json()["id"])
    for result in WEEK:
        answer = client.post(
            f"/api/v1/operations/{operation}/results", json=result, headers=headers
        )
        assert answer.status_code == 201, (result, answer.text)
    return operation


def test_the_seed_week_adds_up_to_its_published_figures(
    client: TestClient, casework: Workspace
) -> None:
    operation = _week(client, sign_in(client, "officer"))
    found = client.get(f"/api/v1/operations/{operation}/summary",
                       headers=sign_in(client, "analyst")).json()  # fmt: skip
    assert found["paragraph"] == SEED
    assert found["cash"] == "£30,240.89" and found["drugs_grams"] == {"cocaine": "460.5"}
    assert found["totals"]["arrest"] == 64 and found["totals"]["stop_search"] == 244
    assert found["by_label"]["stop_search"] == {"arrest": 44, "no further action": 200}
    assert found["by_label"]["stop_search_age_band"] == {"10-17": 190, "18-24": 44}
    url = casework.engine.url.render_as_string(hide_password=False)
    cli = runner.invoke(app, ["--workspace", str(casework.root), "--database-url", url,
                              "operations", "summary", str(operation), "--json"])  # fmt: skip
    assert cli.exit_code == 0, cli.stderr
    assert json.loads(cli.stdout)["paragraph"] == SEED
    missing = runner.invoke(app, ["--workspace", str(casework.root), "--database-url", url,
                                  "operations", "summary", "999"])  # fmt: skip
    assert missing.exit_code == 2 and "no operation 999" in missing.stderr


def test_an_operation_without_results_says_so(client: TestClient) -> None:
    found = client.get("/api/v1/operations/1/summary", headers=sign_in(client, "officer")).json()
    assert (
        found["paragraph"]
        == "No results have been recorded for Week of action (4 March to 10 March 2025)."
    )


@pytest.mark.parametrize(
    ("result", "says"),
    [
        ({"kind": "parade"}, "unknown kind 'parade'"),
        ({"kind": "drug_seizure", "grams": "10"}, "needs label"),
        ({"kind": "drug_seizure", "label": "heroin", "grams": "0.0001"}, "at most 3 decimal"),
        ({"kind": "cash_seizure", "pounds": "-5"}, "positive"),
        ({"kind": "cash_seizure", "pounds": "12.345"}, "at most 2 decimal"),
        ({"kind": "cash_seizure", "pounds": "lots"}, "must be a number"),
        ({"kind": "arrest", "on": "2025-04-01"}, "outside the operation"),
        ({"kind": "arrest", "count": 0}, "count"),
        ({"kind": "phone_seizure", "imei": "12ab"}, "an IMEI is 14 to 16 digits"),
        ({"kind": "phone_seizure", "imei": "353456789012345"}, "(Luhn)"),
        ({"kind": "stop_search", "label": "arrest", "age_band": "teen"}, "age band"),
        ({"kind": "arrest", "age_band": "18-24"}, "age band belongs to a stop-search"),
    ],
)
def test_bad_results_are_refused_with_the_reason(
    client: TestClient, result: dict[str, object], says: str
) -> None:
    answer = client.post("/api/v1/operations/1/results", json=result,
                         headers=sign_in(client, "officer"))  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert says in answer.text and "Traceback" not in answer.text


def test_unknown_operations_and_bad_dates(client: TestClient) -> None:
    headers = sign_in(client, "supervisor")
    for path in ("/api/v1/operations/999", "/api/v1/operations/0",
                 "/api/v1/operations/99999999999999999999/summary"):  # fmt: skip
        assert client.get(path, headers=headers).status_code in (404, 422), path
    backwards = {"name": "Op", "starts_on": "2025-03-10", "ends_on": "2025-03-04"}
    answer = client.post("/api/v1/operations", json=backwards, headers=headers)
    assert answer.status_code == 422 and "before it starts" in answer.text
    nonsense = {"name": "Op", "starts_on": "the tenth", "ends_on": "2025-03-04"}
    assert client.post("/api/v1/operations", json=nonsense, headers=headers).status_code == 422


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_seized_phones_are_found_in_the_comms_data(casework: Workspace, demo_world: World) -> None:
    try:
        latest_run(demo_world.workspace)
    except NoDetection:
        run_detection(demo_world.workspace)
    line = list_lines(demo_world.workspace)[0]
    number = line.numbers[0]
    with TestClient(create_app(casework.engine, comms=demo_world.workspace)) as client:
        officer = sign_in(client, "officer")
        for seized in ({"kind": "phone_seizure", "number": number},
                       {"kind": "phone_seizure", "number": "01632 960001"},
                       {"kind": "phone_seizure", "count": 3}):  # fmt: skip
            answer = client.post("/api/v1/operations/1/results", json=seized, headers=officer)
            assert answer.status_code == 201
        found = client.get("/api/v1/operations/1/phones", headers=officer).json()
    assert found["phones"] == 5 and found["identified"] == 2
    on_line, unknown = found["seized"]
    assert on_line["number"] == number and on_line["line_id"] == line.line_id
    assert on_line["handsets"] and all(h["number"] == number for h in on_line["handsets"])
    assert unknown["number"] == "+441632960001"  # kept as ingest keeps numbers (drama range)
    assert unknown["line_id"] is None and unknown["handsets"] == []


def test_without_comms_data_the_phones_are_listed_as_recorded(client: TestClient) -> None:
    officer = sign_in(client, "officer")
    client.post("/api/v1/operations/1/results", json={"kind": "phone_seizure",
                "imei": "353456789012348"}, headers=officer)  # fmt: skip
    found = client.get("/api/v1/operations/1/phones", headers=officer).json()
    assert found["comms"] == "not available"
    assert [(p["imei"], p["line_id"], p["handsets"]) for p in found["seized"]] == [
        ("353456789012348", None, None)
    ]
