"""The network explorer: an interactive link chart of the comms network (``/app/network``)
drawn in the browser by sigma.js, over a typed API that grows the chart a node at a time,
measures what is on it, plays the disruption what-if and exports it.

The API answers the page (the sign-in cookie, a CSRF header on each POST) and other clients
(a bearer token) alike. Each chart and expansion is audited as a consultation of the numbers
it was asked about."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import tempfile
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Final, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from fortress.casework import audit
from fortress.casework.models import User
from fortress.casework.policy import allowed
from fortress.comms.lines import NoDetection, as_number
from fortress.network.comms import NoCommsData, line_roles
from fortress.network.disrupt import DisruptionPlan, compare
from fortress.network.explore import (
    MOST_CAP,
    ChartEdge,
    ChartNode,
    ContactGraph,
    Expansion,
    UnknownNumber,
    contact_graph,
    everything,
    expand,
    from_network,
    layout,
    start,
    subnetwork,
)
from fortress.network.export import export
from fortress.network.measures import measure
from fortress.network.sources import read_networks
from fortress.reports.network_charts import disruption_chart
from fortress.server.deps import API, CommittingRoute, Db, check_csrf, requires
from fortress.server.lines_api import found_line, workspace_of
from fortress.server.navigation import navigation
from fortress.server.pages import PAGE_ERRORS, page
from fortress.server.work_pages import keep_upload
from fortress.sources.tabular import FileProblem
from fortress.store.workspace import Workspace

router = APIRouter(tags=["network"], route_class=CommittingRoute, responses=PAGE_ERRORS)
NETWORK_MOST: Final = 256 << 20
"""A network file is read whole in the request: one this large takes a few GiB to hold."""
CHART_MOST: Final = 20_000
"""The most nodes a chart sent back to the server may hold (and a file drawn whole)."""
NUMBER = Field(max_length=200)
COMMS: Final = "comms"
NETWORK_FILES: Final = "uploads/networks"
"""Where network files loaded from the explorer are kept, under the workspace."""
FILE_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
SOURCE = Field(default=COMMS, max_length=160, description="comms, or a loaded file's name")


class ChartNodeOut(BaseModel):
    """A node of the chart: its number, role and line from the latest detection run, and
    its contacts in the whole network; a new chart's nodes come with a position (PivotMDS)."""

    id: str
    role: str
    line: str
    contacts: int
    x: float | None = None
    y: float | None = None


class ChartEdgeOut(BaseModel):
    """Two numbers in contact: calls and messages both ways, first and last day."""

    source: str
    target: str
    events: int
    first_day: date | None
    last_day: date | None


class ChartOut(BaseModel):
    """Nodes and edges to add to a chart, and for each expanded node how many of its
    contacts are still not on it."""

    network: str
    nodes: list[ChartNodeOut]
    edges: list[ChartEdgeOut]
    more: dict[str, int]


class ExpansionIn(BaseModel):
    """Numbers to expand, what the chart already holds, and how many contacts to add each
    (after the first ``skip``: the next page of "and 120 more"); ``source``: the workspace's
    comms, or a network file loaded from the explorer (its nodes are its own ids)."""

    source: str = SOURCE
    numbers: list[Annotated[str, NUMBER]] = Field(min_length=1, max_length=100)
    on_chart: list[Annotated[str, NUMBER]] = Field(default=[], max_length=CHART_MOST)
    cap: int = Field(default=25, ge=1, le=MOST_CAP)
    skip: int = Field(default=0, ge=0)


class ChartNodesIn(BaseModel):
    """The nodes on a chart (and for measures, the selected ones to report)."""

    source: str = SOURCE
    nodes: list[Annotated[str, NUMBER]] = Field(min_length=1, max_length=CHART_MOST)
    selected: list[Annotated[str, NUMBER]] = Field(default=[], max_length=CHART_MOST)


class NetworkFiguresOut(BaseModel):
    """The chart's network as a whole (the other figures of ``fortress network measures``
    come along under their own names)."""

    model_config = ConfigDict(extra="allow")
    nodes: int
    edges: int
    density: float
    components: int
    communities: int | None = None
    modularity: float | None = None


class NodeMeasuresOut(BaseModel):
    """One node's measures within the chart's network (definitions: docs/methods)."""

    model_config = ConfigDict(extra="allow")
    node: str
    degree: float
    betweenness: float
    closeness: float
    pagerank: float
    community: int | None = None


class MeasuresOut(BaseModel):
    """Measures of the network on the chart, and of each node asked for."""

    network: NetworkFiguresOut
    nodes: list[NodeMeasuresOut]


class WhatIfIn(ChartNodesIn):
    """How many nodes each strategy removes from the chart's network."""

    remove: int = Field(default=5, ge=1, le=20)


class StrategyOut(BaseModel):
    """One strategy: whom it removed, and each damage figure after each step."""

    strategy: str
    removed: list[str]
    steps: list[dict[str, float | None]]


class WhatIfOut(BaseModel):
    """Each strategy's damage step by step (as ``fortress network disrupt``), the figures'
    definitions, and the curves as one SVG."""

    remove: int
    measures: dict[str, str]
    strategies: list[StrategyOut]
    chart_svg: str


def _graph(request: Request, source: str = COMMS) -> ContactGraph:
    workspace = workspace_of(request)
    if source != COMMS:
        return _file_graph(request, workspace, source)

    def make() -> ContactGraph:
        roles = line_roles(workspace)
        return contact_graph(workspace, roles.roles if roles else None)

    try:
        found: ContactGraph = request.app.state.results.get(workspace, "contact-graph", make)
    except (NoCommsData, NoDetection) as exc:
        raise HTTPException(404, str(exc)) from exc
    return found


def _file_graph(request: Request, workspace: Workspace, name: str) -> ContactGraph:
    path = workspace.root / NETWORK_FILES / name
    if not FILE_NAME.fullmatch(name) or not path.is_file():
        raise HTTPException(404, f"no network file {name[:60]!r} has been loaded")
    key = ("network-file", name, path.stat().st_mtime_ns)
    found: ContactGraph = request.app.state.results.get(
        workspace, key, lambda: from_network(read_networks(path)[0])
    )
    return found


def _out(graph: ContactGraph, grown: Expansion, placed: bool = False) -> Response:
    """The expansion as ``ChartOut`` JSON, written straight from the typed results: a chart
    of thousands of nodes would spend longer in per-object validation than in finding them.
    ``placed``: with each node's position (a new chart)."""
    positions = layout(grown) if placed else {}
    nodes = [_plain(node) for node in grown.nodes]
    for node in nodes:
        node["x"], node["y"] = positions.get(str(node["id"]), (None, None))
    body = {
        "network": graph.name,
        "nodes": nodes,
        "edges": [_plain(edge) for edge in grown.edges],
        "more": grown.more,
    }
    return Response(json.dumps(body, default=date.isoformat, separators=(",", ":")),
                    media_type="application/json")  # fmt: skip


def _plain(thing: ChartNode | ChartEdge) -> dict[str, object]:
    """A chart's node or edge as a dict (``dataclasses.asdict`` deep-copies: 25x slower)."""
    return {field.name: getattr(thing, field.name) for field in dataclasses.fields(thing)}


def _numbers(graph: ContactGraph, raw: list[str], source: str = COMMS) -> list[str]:
    """The nodes ``raw`` names: numbers as ingest writes them in comms, ids in a file."""
    numbers = [as_number(r) if source == COMMS else r.strip() for r in raw]
    missing = [n for n in numbers if n not in graph]
    if missing:
        raise HTTPException(404, f"not in the {graph.name} network: {', '.join(missing[:5])}")
    return numbers


@router.get(f"{API}/network/chart", response_model=ChartOut)
def chart(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("network.chart"))],
    line: Annotated[str, Query(max_length=40)] = "",
    number: Annotated[str, Query(max_length=200)] = "",
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    cap: Annotated[int, Query(ge=1, le=MOST_CAP)] = 25,
    source: Annotated[str, Query(max_length=160)] = COMMS,
    whole: bool = False,
) -> Response:
    """A chart to start from: a line's numbers (``line``) or one number (a node's id in a
    loaded file), with their strongest contacts out to ``hops`` steps, at most ``cap`` per
    node; or with ``whole``, every node of a loaded network file (up to 20,000)."""
    graph = _graph(request, source)
    if whole:
        if source == COMMS or len(graph.nodes) > CHART_MOST:
            raise HTTPException(422, f"only a loaded file of at most {CHART_MOST:,} nodes is "
                                     "drawn whole: start from a node")  # fmt: skip
        audit.record(db, user.name, "consultation", "network_file", [source])
        return _out(graph, everything(graph), placed=True)
    if line:
        seeds = [n for n in found_line(workspace_of(request), line).numbers if n in graph]
        audit.record(db, user.name, "consultation", "deal_line", [line])
    elif number:
        seeds = _numbers(graph, [number], source)
        audit.record(db, user.name, "consultation", _kind(source), seeds)
    else:
        raise HTTPException(422, "start from a line (line=) or a number (number=)")
    if not seeds:
        raise HTTPException(404, f"no number of {line} is in the comms network")
    return _out(graph, start(graph, seeds, hops, cap), placed=True)


@router.post(f"{API}/network/expansion", response_model=ChartOut)
def expansion(
    request: Request,
    db: Db,
    asked: ExpansionIn,
    user: Annotated[User, Depends(requires("network.expand"))],
    x_csrf_token: Annotated[str, Header(max_length=64)] = "",
) -> Response:
    """The contacts of ``numbers`` not yet on the chart, strongest first."""
    check_csrf(request, x_csrf_token)
    graph = _graph(request, asked.source)
    numbers = _numbers(graph, asked.numbers, asked.source)
    audit.record(db, user.name, "consultation", _kind(asked.source), numbers)
    on_chart = {n for n in asked.on_chart if n in graph}
    return _out(graph, expand(graph, numbers, on_chart, asked.cap, asked.skip))


def _kind(source: str) -> str:
    """What an audit entry about the source's nodes names."""
    return "phone" if source == COMMS else "network_node"


def _chart_network(request: Request, asked: ChartNodesIn) -> tuple[ContactGraph, list[str]]:
    graph = _graph(request, asked.source)
    try:
        return graph, [graph.nodes[graph.position(n)] for n in asked.nodes]
    except UnknownNumber as exc:
        raise HTTPException(404, str(exc)) from exc


@router.post(f"{API}/network/measures", response_model=MeasuresOut)
def chart_measures(
    request: Request,
    asked: ChartNodesIn,
    user: Annotated[User, Depends(requires("network.measures"))],
    x_csrf_token: Annotated[str, Header(max_length=64)] = "",
) -> MeasuresOut:
    """Measures of the network among the chart's nodes (as ``fortress network measure``),
    with the rows of the selected nodes (every node when none is selected)."""
    check_csrf(request, x_csrf_token)
    graph, nodes = _chart_network(request, asked)
    found = measure(subnetwork(graph, nodes))
    chosen = set(asked.selected) or set(nodes)
    rows = [NodeMeasuresOut(**row) for row in found.nodes if row["node"] in chosen]
    return MeasuresOut(network=NetworkFiguresOut(**found.network), nodes=rows)


@router.post(f"{API}/network/whatif", response_model=WhatIfOut)
def what_if(
    request: Request,
    asked: WhatIfIn,
    user: Annotated[User, Depends(requires("network.whatif"))],
    x_csrf_token: Annotated[str, Header(max_length=64)] = "",
) -> WhatIfOut:
    """What removing up to ``remove`` of the chart's nodes would do, by the most connected,
    the most between, and the controllers and runners on it."""
    check_csrf(request, x_csrf_token)
    graph, nodes = _chart_network(request, asked)
    network = subnetwork(graph, nodes)
    roles = {n: a.get("role", "") for n, a in network.attributes.items()}
    plan = DisruptionPlan(
        strategy="",
        remove=asked.remove,
        customers=frozenset(n for n, r in roles.items() if r == "customer"),
        line_numbers=frozenset(n for n, r in roles.items() if r == "line"),
    )
    strategies = [("degree", "degree"), ("betweenness", "betweenness")]
    strategies += [(f"role:{r}", f"role:{r}") for r in ("controller", "runner")
                   if r in roles.values()]  # fmt: skip
    comparison = compare(network, strategies, plan)
    runs = [StrategyOut(strategy=run.strategy, removed=run.removed, steps=run.steps)
            for run in comparison.strategies]  # fmt: skip
    return WhatIfOut(remove=comparison.remove, measures=comparison.measures, strategies=runs,
                     chart_svg=disruption_chart(comparison))  # fmt: skip


ExportFormat = Literal["graphml", "gexf", "i2", "ftm"]
MEDIA: Final = {"graphml": "application/graphml+xml; charset=utf-8",
                "gexf": "application/gexf+xml; charset=utf-8", "i2": "application/zip",
                "ftm": "application/x-ndjson; charset=utf-8"}  # fmt: skip


@router.post(f"{API}/network/export", response_class=Response)
def chart_export(
    request: Request,
    db: Db,
    asked: ChartNodesIn,
    user: Annotated[User, Depends(requires("network.export"))],
    format: Annotated[ExportFormat, Query()] = "graphml",
    x_csrf_token: Annotated[str, Header(max_length=64)] = "",
) -> Response:
    """The chart's network as a file for another tool: GraphML, GEXF, i2 Analyst's Notebook
    import (entities and links CSV, zipped) or FollowTheMoney entities; audited as an
    export of the numbers on it."""
    check_csrf(request, x_csrf_token)
    graph, nodes = _chart_network(request, asked)
    network = subnetwork(graph, nodes)
    network = replace(network, name="Fortress link chart")
    with tempfile.TemporaryDirectory() as scratch:
        written = export(network, format, Path(scratch) / "chart")
        body, name = _packed(written, format)
    audit.record(db, user.name, "consultation", _kind(asked.source), nodes)  # all written out
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _packed(written: list[Path], fmt: str) -> tuple[bytes, str]:
    if len(written) == 1:
        return written[0].read_bytes(), f"link-chart{written[0].suffix}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, f"link-chart-{path.name.split('-', 1)[-1]}")
    return buffer.getvalue(), f"link-chart-{fmt}.zip"


@router.get("/app/network", response_class=HTMLResponse)
def network_page(
    request: Request,
    user: Annotated[User, Depends(requires("app.network"))],
    line: Annotated[str, Query(max_length=40)] = "",
    number: Annotated[str, Query(max_length=200)] = "",
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    cap: Annotated[int, Query(ge=1, le=MOST_CAP)] = 25,
    source: Annotated[str, Query(max_length=160)] = COMMS,
    whole: bool = False,
) -> HTMLResponse:
    """The link chart, started from a line or a number of the comms network, or from a
    loaded network file (whole, or from one of its nodes); a form asks otherwise."""
    return _network_page(request, user, line=line, number=number, hops=hops, cap=cap,
                         source=source, whole=whole)  # fmt: skip


def _network_page(request: Request, user: User, status: int = 200, error: str = "",
                  **chosen: object) -> HTMLResponse:  # fmt: skip
    nav = navigation(request, user)
    workspace: Workspace | None = request.app.state.comms
    folder = workspace.root / NETWORK_FILES if workspace is not None else None
    files = sorted(p.name for p in folder.iterdir()) if folder and folder.is_dir() else []
    return page("network.html", status, scripted=True, nav=nav, csrf=nav.csrf,
                most_cap=MOST_CAP, files=files, error=error,
                may_load=allowed("app.network_upload", user.role), **chosen)  # fmt: skip


@router.post("/app/network/files", response_class=HTMLResponse)
def load_network_file(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.network_upload"))],
    data: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Load a network file (GraphML, node-link JSON, an edge list or a matrix, as
    ``fortress network`` reads them) to explore: kept in the workspace, drawn whole when it
    is small enough, else from a node chosen on the page."""
    check_csrf(request, csrf)
    workspace = workspace_of(request)
    defaults: dict[str, object] = {"line": "", "number": "", "hops": 1, "cap": 25,
                                   "source": COMMS, "whole": False}  # fmt: skip
    if data is None or not data.filename:
        return _network_page(request, user, 422, "Choose a network file to load.", **defaults)
    try:
        kept = keep_upload(workspace, data, NETWORK_FILES, NETWORK_MOST, "fortress network")
    except ValueError as exc:
        return _network_page(request, user, 422, str(exc), **defaults)
    try:
        loaded = from_network(read_networks(kept)[0])
    except (FileProblem, ValueError, OSError) as exc:
        kept.unlink()
        reason = str(exc).replace(str(kept), data.filename)
        return _network_page(request, user, 422, f"Not loaded: {reason}", **defaults)
    audit.record(db, user.name, "collection", "network_file", [kept.name])
    whole = "&whole=true" if len(loaded.nodes) <= CHART_MOST else ""
    return RedirectResponse(f"/app/network?source={kept.name}{whole}", status_code=303)
