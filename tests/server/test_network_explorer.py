"""The network explorer: its API grows a chart from a line or a number with caps and counts
of what is left, measures what is on it, plays the what-if and exports it; the page draws it
in Chromium (software WebGL), expands, measures, colours, filters by date and exports."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from fortress.casework.models import AuditEntry
from fortress.comms.lines import list_lines
from fortress.server.app import create_app
from fortress.server.network_pages import ChartOut
from helpers.browser import signed_in_browser
from helpers.casework import Board, browser_sign_in, sign_in

CHART = "/api/v1/network/chart"


@pytest.fixture(scope="module")
def line(detected: Board) -> Any:
    return list_lines(detected.workspace)[0]


def _chart(client: TestClient, headers: dict[str, str], **query: Any) -> dict[str, Any]:
    answer = client.get(CHART, params=query, headers=headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    ChartOut.model_validate(found)  # the answer is what the OpenAPI document says
    assert all(isinstance(node["x"], float) for node in found["nodes"])  # laid out
    return found


def _consistent(chart: dict[str, Any], known: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    nodes = {node["id"] for node in chart["nodes"]}
    assert len(nodes) == len(chart["nodes"])  # no node twice
    for edge in chart["edges"]:
        assert {edge["source"], edge["target"]} <= nodes | known
        assert edge["events"] >= 1 and edge["first_day"] <= edge["last_day"]
    return nodes


def test_a_chart_starts_from_a_line_with_its_strongest_contacts(detected: Board, line: Any) -> None:
    headers = sign_in(detected.client, "officer")
    chart = _chart(detected.client, headers, line=line.line_id, cap=5)
    nodes = _consistent(chart)
    assert set(line.numbers) <= nodes
    roles = {node["id"]: node["role"] for node in chart["nodes"]}
    assert {roles[number] for number in line.numbers} == {"line"}
    contacts = {node["id"]: node["contacts"] for node in chart["nodes"]}
    for number in line.numbers:  # five new contacts at most each, and the rest counted
        shown = {e["source"] if e["target"] == number else e["target"]
                 for e in chart["edges"] if number in (e["source"], e["target"])}  # fmt: skip
        assert chart["more"][number] == contacts[number] - len(shown)
    assert len(nodes) <= len(line.numbers) * 6
    two_steps = _consistent(_chart(detected.client, headers, line=line.line_id, cap=5, hops=2))
    assert nodes < two_steps


def test_expanding_adds_only_what_is_not_on_the_chart(detected: Board, line: Any) -> None:
    headers = sign_in(detected.client, "analyst")
    chart = _chart(detected.client, headers, number=line.numbers[0], cap=3)
    on_chart = _consistent(chart)
    first = line.numbers[0]
    body = {"numbers": [first], "on_chart": sorted(on_chart), "cap": 3}
    grown = detected.client.post("/api/v1/network/expansion", json=body, headers=headers).json()
    added = _consistent(grown, on_chart)
    assert not added & on_chart and len(added) == min(3, chart["more"][first])
    assert grown["more"][first] == chart["more"][first] - len(added)
    again = {**body, "skip": 3}
    skipped = detected.client.post("/api/v1/network/expansion", json=again, headers=headers)
    assert not {n["id"] for n in skipped.json()["nodes"]} & added  # the page after
    unknown = {**body, "numbers": ["07700 900999"]}
    missing = detected.client.post("/api/v1/network/expansion", json=unknown, headers=headers)
    assert missing.status_code == 404 and "+447700900999" in missing.json()["detail"]


def test_the_page_needs_its_csrf_header_for_a_post(detected: Board, line: Any) -> None:
    csrf = browser_sign_in(detected.client, "analyst")
    body = {"numbers": [line.numbers[0]], "cap": 2}
    bare = detected.client.post("/api/v1/network/expansion", json=body)
    assert bare.status_code == 403 and "out of date" in bare.json()["detail"]
    sent = detected.client.post("/api/v1/network/expansion", json=body,
                                headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert sent.status_code == 200
    detected.client.cookies.clear()


def test_measures_are_those_of_the_network_on_the_chart(detected: Board, line: Any) -> None:
    headers = sign_in(detected.client, "analyst")
    chart = _chart(detected.client, headers, line=line.line_id, cap=10)
    nodes = sorted(_consistent(chart))
    oracle = nx.Graph()
    oracle.add_nodes_from(nodes)
    oracle.add_edges_from((e["source"], e["target"]) for e in chart["edges"])
    asked = {"nodes": nodes, "selected": line.numbers}
    found = detected.client.post("/api/v1/network/measures", json=asked, headers=headers).json()
    assert found["network"]["nodes"] == len(nodes)
    assert found["network"]["edges"] == oracle.number_of_edges()
    assert {row["node"] for row in found["nodes"]} == set(line.numbers)
    for row in found["nodes"]:
        assert row["degree"] == oracle.degree(row["node"])


def test_the_what_if_and_the_exports(detected: Board, line: Any) -> None:
    headers = sign_in(detected.client, "analyst")
    nodes = sorted(_consistent(_chart(detected.client, headers, line=line.line_id, cap=10)))
    body = {"nodes": nodes, "remove": 2}
    found = detected.client.post("/api/v1/network/whatif", json=body, headers=headers).json()
    strategies = [run["strategy"] for run in found["strategies"]]
    assert strategies[:2] == ["degree", "betweenness"] and found["chart_svg"].startswith("<svg")
    assert all(len(run["removed"]) <= 2 for run in found["strategies"])
    graphml = detected.client.post("/api/v1/network/export", params={"format": "graphml"},
                                   json={"nodes": nodes}, headers=headers)  # fmt: skip
    assert graphml.status_code == 200 and "attachment" in graphml.headers["content-disposition"]
    assert nx.read_graphml(io.BytesIO(graphml.content)).number_of_nodes() == len(nodes)
    i2 = detected.client.post("/api/v1/network/export", params={"format": "i2"},
                              json={"nodes": nodes}, headers=headers)  # fmt: skip
    names = zipfile.ZipFile(io.BytesIO(i2.content)).namelist()
    assert sorted(names) == ["link-chart-entities.csv", "link-chart-links.csv"]
    ftm = detected.client.post("/api/v1/network/export", params={"format": "ftm"},
                               json={"nodes": nodes}, headers=headers)  # fmt: skip
    assert all(json.loads(row)["schema"] for row in ftm.text.splitlines())
    officer = sign_in(detected.client, "officer")
    refused = detected.client.post("/api/v1/network/export", json={"nodes": nodes}, headers=officer)
    assert refused.status_code == 403


def test_charts_are_audited_as_consultations(detected: Board, line: Any) -> None:
    headers = sign_in(detected.client, "supervisor")
    _chart(detected.client, headers, number=line.numbers[-1])
    with detected.workspace.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (last.actor, last.action, last.record_type) == ("supervisor", "consultation", "phone")
    assert line.numbers[-1] in last.record_ids


def _shown_count(page: Any) -> int:
    return int(page.locator("#nodes-table tbody tr").count())


def test_the_explorer_in_chromium(detected: Board, line: Any) -> None:
    app = create_app(detected.workspace.engine, comms=detected.workspace)
    with signed_in_browser(app, "analyst") as (page, base, requested, errors):
        page.goto(f"{base}/app/network?number=07700900999")  # not in the network
        expect(page.locator("#status")).to_contain_text("could not be drawn: not in the comms")
        assert page.locator("#workbench").is_hidden()  # no tools, no claims about a chart
        errors.clear()  # the chart request's own 404
        page.goto(f"{base}/app/network?line={line.line_id}&cap=5")
        page.wait_for_selector("#explorer[data-ready=true]", timeout=60_000)
        shot = Image.open(io.BytesIO(page.locator("#chart").screenshot()))
        assert len(np.unique(np.asarray(shot.convert("RGB")).reshape(-1, 3), axis=0)) > 20
        before = _shown_count(page)
        page.locator("#nodes-table tbody input[type=checkbox]").first.check()
        assert "1 selected" in page.inner_text("#status")
        chosen = page.locator("#selection li a").first.inner_text()
        link = page.locator("#schedule-selected").get_attribute("href")
        assert link == f"/app/schedule?numbers={quote(chosen, safe='')}"
        page.click("#expand")
        expect(page.locator("#status")).to_contain_text("Added")  # the expansion ended
        assert _shown_count(page) > before
        page.click("#measure")
        page.wait_for_selector("#measures table")
        assert "Among the" in page.inner_text("#measures")
        page.click("#whatif-run")
        page.wait_for_selector("#whatif svg")
        page.select_option("#colour-by", "community")
        expect(page.locator("#legend")).to_contain_text("Leiden")
        page.locator("#day-from").focus()
        page.keyboard.press("End")  # only contacts on the last day: some nodes drop out
        assert "no" in page.locator("#nodes-table tbody td:last-child").all_inner_texts()
        page.keyboard.press("Home")
        page.select_option("#export-format", "graphml")
        with page.expect_download() as graphml:
            page.click("#export")
        assert graphml.value.suggested_filename == "link-chart.graphml"
        page.select_option("#export-format", "png")
        with page.expect_download() as png:
            page.click("#export")
        assert Image.open(png.value.path()).size[0] > 100
        page.select_option("#colour-by", "role")
        page.select_option("#export-format", "svg")
        with page.expect_download() as svg:
            page.click("#export")
        assert "deal line" in Path(svg.value.path()).read_text()  # the colour key is drawn
        assert errors == [] and all(url.startswith(base) for url in requested)


def _graphml(path: Path) -> Path:
    """A small GraphML network with roles on its nodes, as another tool would write it."""
    graph = nx.karate_club_graph()
    graph = nx.relabel_nodes(graph, {n: f"member {n}" for n in graph})
    for node in graph:
        graph.nodes[node]["role"] = "controller" if node in ("member 0", "member 33") else ""
    nx.write_graphml(graph, path)
    return path


def test_a_network_file_is_loaded_and_explored(detected: Board, tmp_path: Path) -> None:
    csrf = browser_sign_in(detected.client, "analyst")
    with _graphml(tmp_path / "club.graphml").open("rb") as handle:
        loaded = detected.client.post("/app/network/files", data={"csrf": csrf},
                                      files={"data": ("club.graphml", handle)},
                                      follow_redirects=False)  # fmt: skip
    assert loaded.status_code == 303
    target = loaded.headers["location"]
    assert target.startswith("/app/network?source=") and target.endswith("&whole=true")
    source = target.split("source=")[1].split("&")[0]
    detected.client.cookies.clear()
    headers = sign_in(detected.client, "officer")
    whole = _chart(detected.client, headers, source=source, whole="true")
    assert len(whole["nodes"]) == 34 and len(whole["edges"]) == 78
    roles = {n["id"]: n["role"] for n in whole["nodes"]}
    assert roles["member 0"] == "controller" and roles["member 5"] == ""
    one = _chart(detected.client, headers, source=source, number="member 0", cap=3)
    assert len(one["nodes"]) == 4 and one["more"]["member 0"] == 16 - 3
    body = {"source": source, "nodes": [n["id"] for n in whole["nodes"]], "selected": ["member 0"]}
    found = detected.client.post("/api/v1/network/measures", json=body, headers=headers).json()
    assert found["nodes"][0]["degree"] == 16
    page = detected.client.get(f"/app/network?source={source}&whole=true", headers=headers)
    assert page.status_code == 200 and f'data-source="{source}"' in page.text
    refused = detected.client.get(CHART, params={"whole": "true"}, headers=headers)
    assert refused.status_code == 422  # the comms network is never drawn whole


def test_a_bad_network_file_is_refused_with_the_reason(detected: Board, tmp_path: Path) -> None:
    csrf = browser_sign_in(detected.client, "analyst")
    bad = tmp_path / "broken.graphml"
    bad.write_text("<graphml><graph><node id='a'/><edge source='a'")
    with bad.open("rb") as handle:
        answer = detected.client.post("/app/network/files", data={"csrf": csrf},
                                      files={"data": ("broken.graphml", handle)})  # fmt: skip
    assert answer.status_code == 422 and "Not loaded: broken.graphml" in answer.text
    folder = detected.workspace.root / "uploads" / "networks"
    kept = list(folder.iterdir()) if folder.is_dir() else []
    assert not any(p.name.endswith("broken.graphml") for p in kept)
    detected.client.cookies.clear()
