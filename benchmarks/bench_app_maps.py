"""Benchmark the app's link chart and maps (issue #16's target: a 5,000-node network
interactive in under 3 s in software WebGL; and what a basemap costs to add and to serve).

Network explorer: a simulated world of ``--events`` comms events (seed 11, Parquet), ingested
and detected. The chart starts from the busiest detected line with 3 steps out and the
smallest cap per node (from 25, 50, 100, 200, 500) that puts at least ``--nodes`` numbers on
it. ``fortress serve`` runs in its own process; Debian's chromium (Playwright) with SwiftShader
(software WebGL, no GPU) opens ``/app/network`` ``--runs`` times. *Interactive* is from the
navigation's start to the page marking itself ready: the chart's JSON fetched (laid out by the
server with PivotMDS), ForceAtlas2 refining charts of up to 1,000 nodes, the node table built
and sigma's first frame drawn; *API* is the chart request's own time in the browser (request
start to response end); *click* is selecting a node from the table until the page says so
(what an analyst waits for once the chart is up). The baseline, in the same runs, is the
same page started from one line number with 10 contacts.

Basemap: ``add_basemap`` on ``../shared/data/basemap_solent`` (its GeoJSON layers and its OSM
PBF), ``--runs`` times each; the baseline is tippecanoe alone on the same GeoJSON with the
same options (Fortress's share is checks, the description and the atomic publish). Tiles:
every z14 tile of Gosport (lon -1.20..-1.10, lat 50.76..50.84) fetched one after another
from the server with a bearer token, against ``GET /api/v1/me`` in the same loop.

Reproduce: ``.venv/bin/python benchmarks/bench_app_maps.py`` (needs chromium and the shared
data folder).
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import bench_casework as casework
from common import REPO, machine, table, write_section
from fortress.casework.db import migrate
from fortress.casework.users import add_user
from fortress.comms.lines import list_lines, run_detection
from fortress.ingest.comms import ingest_comms
from fortress.maps.basemap import MAX_ZOOM, MIN_ZOOM, add_basemap
from fortress.network.comms import line_roles
from fortress.network.explore import contact_graph, start
from fortress.simulate import simulate
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace

DOC = REPO / "docs" / "benchmarks.md"
SOLENT = REPO.parent / "shared" / "data" / "basemap_solent"
CREDIT = "Map data © fosm contributors and OpenStreetMap contributors, CC BY-SA 2.0"
CAPS = (25, 50, 100, 200, 500)
GOSPORT = (-1.20, 50.76, -1.10, 50.84)
READY = "#explorer[data-ready=true]"
TIMINGS = """() => {
  const chart = performance.getEntriesByType('resource')
    .find(e => e.name.includes('/network/chart'));
  return [Number(document.getElementById('explorer').dataset.readyAt),
          chart ? chart.responseEnd - chart.requestStart : NaN];
}"""


@dataclass(frozen=True)
class Chart:
    """A chart to open: its path, and its size as the API gives it."""

    label: str
    path: str
    nodes: int
    edges: int


def build(folder: Path, events: int, nodes: int) -> tuple[Workspace, list[Chart], int]:
    """The world, its users, and the big chart and the baseline chart to open (a world
    already built in ``folder`` by an earlier run is used again)."""
    if not (folder / "ws").is_dir():
        simulate(folder / "world", seed=11, scale=events, fmt="parquet")
        workspace = Workspace.open(folder / "ws")
        for path in sorted((folder / "world" / "comms").glob("*.parquet")):
            assert ingest_comms(workspace, path, spec=preset("canonical")).ok
        run_detection(workspace)
        migrate(workspace.engine)
        with workspace.sessions.begin() as session:
            add_user(session, "analyst01", "analyst", casework.PASSWORD, agency=None,
                     actor="bench")  # fmt: skip
    workspace = Workspace.open(folder / "ws")
    roles = line_roles(workspace)
    graph = contact_graph(workspace, roles.roles if roles else None)
    line = max(list_lines(workspace), key=lambda x: x.customer_count)
    for cap in CAPS:
        big = start(graph, list(line.numbers), 3, cap)
        if len(big.nodes) >= nodes:
            break
    small = start(graph, [line.numbers[0]], 1, 10)
    charts = [
        Chart("baseline: one number, 10 contacts",
              f"/app/network?number={quote(line.numbers[0])}&cap=10",
              len(small.nodes), len(small.edges)),
        Chart(f"line {line.line_id}, 3 steps, {cap} per node",
              f"/app/network?line={line.line_id}&hops=3&cap={cap}", len(big.nodes), len(big.edges)),
    ]  # fmt: skip
    workspace.engine.dispose()
    return workspace, charts, len(graph.nodes)


Timing = tuple[float, float, float]
"""Interactive, API and click milliseconds."""


def chart_times(
    server: casework.Server, charts: list[Chart], runs: int
) -> dict[str, list[tuple[float, float]]]:
    """(interactive ms, API ms) per chart and run, in chromium with SwiftShader."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[Timing]] = {chart.path: [] for chart in charts}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader"],
        )
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(f"{server.base}/signin")
        page.fill("#name", "analyst01")
        page.fill("#password", casework.PASSWORD)
        page.click("button[type=submit]")
        for _ in range(runs):
            for chart in charts:
                page.goto(server.base + chart.path)
                page.wait_for_selector(READY, timeout=120_000)  # the CSP forbids a polled script
                ready_at, api_ms = page.evaluate(TIMINGS)
                started = time.perf_counter()
                page.locator("#nodes-table tbody input[type=checkbox]").first.check()
                page.wait_for_selector("#status:has-text('1 selected')")
                click_ms = (time.perf_counter() - started) * 1000
                found[chart.path].append((ready_at, api_ms, click_ms))
        browser.close()
    return found


def basemap_times(folder: Path, runs: int) -> dict[str, list[float]]:
    """Seconds to add the Solent basemap from GeoJSON and from PBF, and tippecanoe alone."""
    found: dict[str, list[float]] = {"tippecanoe": [], "geojson": [], "pbf": []}
    folder.mkdir(parents=True, exist_ok=True)
    layers = sorted(SOLENT.glob("*.geojson"))
    tool = Path(sys.executable).parent / "tippecanoe"
    for k in range(runs):
        clock = time.perf_counter()
        subprocess.run([str(tool), "--quiet", "--force", f"--output={folder}/alone-{k}.pmtiles",
                        f"--minimum-zoom={MIN_ZOOM}", f"--maximum-zoom={MAX_ZOOM}",
                        "--drop-rate=1", "--drop-densest-as-needed",
                        "--extend-zooms-if-still-dropping",
                        *[f"--named-layer={p.name.split('.')[0]}:{p}" for p in layers]],
                       check=True)  # fmt: skip
        found["tippecanoe"].append(time.perf_counter() - clock)
        for kind, source in (("geojson", SOLENT), ("pbf", SOLENT / "solent_fosm_2016.osm.pbf")):
            clock = time.perf_counter()
            add_basemap(folder / f"{kind}-{k}", source, CREDIT)
            found[kind].append(time.perf_counter() - clock)
    return found


def _tiles(box: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    def xy(lon: float, lat: float) -> tuple[int, int]:
        n = 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)

    (x0, y1), (x1, y0) = xy(box[0], box[1]), xy(box[2], box[3])
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def tile_times(server: casework.Server, runs: int) -> tuple[list[float], list[float], int, int]:
    """Milliseconds per z14 Gosport tile and per /api/v1/me, and the tiles' count and bytes."""
    token = server.sign_in("analyst01")
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    tiles, me, size = [], [], 0
    wanted = _tiles(GOSPORT, 14)
    for _ in range(runs):
        for z, x, y in wanted:
            for path, into in ((f"/app/map/tiles/{z}/{x}/{y}.pbf", tiles), ("/api/v1/me", me)):
                clock = time.perf_counter()
                request = urllib.request.Request(server.base + path, headers=headers)
                with urllib.request.urlopen(request, timeout=30) as answer:
                    body = answer.read()
                into.append((time.perf_counter() - clock) * 1000)
                if "tiles" in path:
                    size += len(body)
    return tiles, me, len(wanted), size // runs


def markdown(charts: list[Chart], times: dict[str, list[Timing]],
             basemaps: dict[str, list[float]], tiles: tuple[list[float], list[float], int, int],
             facts: dict[str, object], runs: int) -> str:  # fmt: skip
    """The section for docs/benchmarks.md."""
    base = statistics.median(t[0] for t in times[charts[0].path])
    rows = []
    for chart in charts:
        whole, api, click = (statistics.median(t[k] for t in times[chart.path]) for k in range(3))
        rows.append([chart.label, f"{chart.nodes:,}", f"{chart.edges:,}", f"{whole:,.0f}",
                     f"{whole / base:.1f}x", f"{api:,.0f}", f"{click:,.0f}"])  # fmt: skip
    alone = statistics.median(basemaps["tippecanoe"])
    added = [[label, f"{statistics.median(basemaps[k]):.1f}",
              f"{statistics.median(basemaps[k]) / alone:.2f}x"]
             for k, label in (("tippecanoe", "baseline: tippecanoe alone on the GeoJSON"),
                              ("geojson", "`basemap add` GeoJSON folder (9 layers)"),
                              ("pbf", "`basemap add` OSM PBF (layers by pyosmium)"))]  # fmt: skip
    tile_ms, me_ms, count, size = tiles
    tile_p50, me_p50 = statistics.median(tile_ms), statistics.median(me_ms)
    tile_p95 = statistics.quantiles(tile_ms, n=20)[18]
    return "\n".join([
        "## App: network explorer and maps (`benchmarks/bench_app_maps.py`)",
        "",
        f"Machine: {', '.join(f'{k} {v}' for k, v in machine().items())}; "
        f"{facts['commit']}; median of {runs} runs.",
        "",
        f"A world of {facts['events']:,} comms events ({facts['numbers']:,} numbers in contact). "
        "Chromium with SwiftShader (software WebGL). *Interactive*: navigation start to the "
        "chart drawn and answering clicks (JSON fetched with the server's PivotMDS layout, "
        "ForceAtlas2 refining charts of up to 1,000 nodes, sigma's first frame); *API*: the "
        "chart request alone; *click*: a node selected from the table until the page says so.",
        "",
        table(["chart", "nodes", "edges", "interactive ms", "ratio", "API ms", "click ms"], rows),
        "",
        "Adding the Solent basemap (../shared/data/basemap_solent, zooms "
        f"{MIN_ZOOM}-{MAX_ZOOM}):",
        "",
        table(["what", "seconds", "ratio"], added),
        "",
        f"Serving it: the {count} z14 tiles of Gosport ({size / 1e6:.1f} MB gzipped) one after "
        f"another: median {tile_p50:.1f} ms, p95 {tile_p95:.1f} ms a tile, against "
        f"{me_p50:.1f} ms for `GET /api/v1/me` in the same loop ({tile_p50 / me_p50:.1f}x).",
    ])  # fmt: skip


def main() -> None:
    """Build, measure, write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--world", type=Path, help="keep the built world here, to run again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fortress-bench-maps-") as temp:
        folder = Path(temp)
        workspace, charts, numbers = build(args.world or folder, args.events, args.nodes)
        print(f"charts: {[(c.path, c.nodes) for c in charts]}", flush=True)
        basemaps = basemap_times(folder / "basemaps", max(3, args.runs // 2))
        add_basemap(workspace.root, SOLENT, CREDIT)
        database = casework.Database("sqlite", workspace.root, None)
        server = casework.Server(database, folder / "server.log")
        try:
            times = chart_times(server, charts, args.runs)
            tiles = tile_times(server, args.runs)
        finally:
            server.stop()
        facts = {"commit": casework._code_version(), "events": args.events, "numbers": numbers}
    write_section(markdown(charts, times, basemaps, tiles, facts, args.runs), args.out, "app-maps")


if __name__ == "__main__":
    main()
