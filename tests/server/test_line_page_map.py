"""A line's map data: the cells its phones used, a sector for each with a bearing in the
cell-site list, and its customers by home cell; drawn on the line page in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from fortress.comms.lines import line_map, list_lines
from fortress.maps.line_map import azimuths
from fortress.server.app import create_app
from helpers.browser import signed_in_browser
from helpers.casework import Board, sign_in


@pytest.fixture(scope="module")
def line_id(detected: Board) -> str:
    return str(list_lines(detected.workspace)[0].line_id)


def test_the_cells_sectors_and_customers_of_a_line(detected: Board, line_id: str) -> None:
    answer = detected.client.get(f"/app/lines/{line_id}/cells.geojson",
                                 headers=sign_in(detected.client, "officer"))  # fmt: skip
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    features: list[dict[str, Any]] = answer.json()["features"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for feature in features:
        by_kind.setdefault(feature["properties"]["kind"], []).append(feature)
    expected = line_map(detected.workspace, line_id)
    sites = {f["properties"]["cell_id"]: f for f in by_kind["site"]}
    assert set(sites) == {s.cell_id for s in expected.line_sites}
    bearings = azimuths(detected.workspace, list(sites))
    assert bearings  # the simulated cell-site list gives bearings
    sectors = by_kind.get("sector", [])
    assert {f["properties"]["cell_id"] for f in sectors} == set(bearings)
    for found in sectors:
        ring = found["geometry"]["coordinates"][0]
        assert (
            ring[0] == ring[-1] == sites[found["properties"]["cell_id"]]["geometry"]["coordinates"]
        )
    customers = sum(f["properties"]["customers"] for f in by_kind.get("customers", []))
    assert customers == sum(p.customers for p in expected.customers)
    missing = detected.client.get("/app/lines/line-0000000000/cells.geojson",
                                  headers=sign_in(detected.client, "analyst"))  # fmt: skip
    assert missing.status_code == 404


def test_the_line_page_draws_its_map_in_chromium(detected: Board, line_id: str) -> None:
    app = create_app(detected.workspace.engine, comms=detected.workspace)
    with signed_in_browser(app, "analyst") as (page, base, requested, errors):
        page.goto(f"{base}/app/lines/{line_id}")
        page.wait_for_selector("div.map[data-ready=true]", timeout=60_000)
        assert page.get_attribute("div.map", "data-error") is None
        assert "No basemap has been added" in page.inner_text("figure.map-figure")
        assert page.locator(f'a[href="/app/network?line={line_id}"]').count() == 1
        assert errors == [] and all(url.startswith(base) for url in requested)
