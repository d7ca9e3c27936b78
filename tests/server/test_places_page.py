"""The places page: a saved campaign area's evaluation, chart and hot spots as the report
shows them, and its hot cells as GeoJSON for patrol briefings."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from fortress.casework.db import migrate
from fortress.server.app import create_app
from helpers.casework import seed_casework, sign_in
from helpers.worlds import campaign_world


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """A workspace holding the demo world's synthetic police.uk crime and its campaign
    area (saved as the demo saves it); the area's name."""
    workspace, name = campaign_world(tmp_path_factory.mktemp("places"), seed=1)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    with TestClient(create_app(workspace.engine, comms=workspace)) as opened:
        yield opened, name


def test_the_places_page_shows_each_campaign_area(client: tuple[TestClient, str]) -> None:
    opened, name = client
    shown = opened.get("/app/places", headers=sign_in(opened, "officer"))
    assert shown.status_code == 200
    text = shown.text.replace("&#39;", "'")
    assert f"<h3>{name}</h3>" in text and "Anti-social behaviour" in text
    assert text.count("<svg") == 2  # the campaign chart and the hot-spot map
    assert f'href="/app/places/hotspots.geojson?area={quote(name)}"' in text


def test_hot_cells_download_as_geojson(client: tuple[TestClient, str]) -> None:
    opened, name = client
    headers = sign_in(opened, "analyst")
    answer = opened.get("/app/places/hotspots.geojson", params={"area": name}, headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    assert "attachment" in answer.headers["content-disposition"]
    collection = answer.json()
    assert collection["type"] == "FeatureCollection" and collection["features"]
    for feature in collection["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 5
        classes = [v["class"] for v in feature["properties"].values() if isinstance(v, dict)]
        assert "hot" in classes or feature["properties"].get("change")
    missing = opened.get("/app/places/hotspots.geojson", params={"area": "Nowhere"},
                         headers=headers)  # fmt: skip
    assert missing.status_code == 404
