"""Exports read back by the tools they are for (networkx for GraphML and GEXF, the
FollowTheMoney model for Aleph) and the i2 CSVs safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
from followthemoney import model
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.sources.networks import read_networks

runner = CliRunner()


def cocaine(shared_data: Path) -> Path:
    return shared_data / "ucinet_covert_networks" / "matrices_mcmacdonald" / "natajaran_cocaine.csv"


def export(source: Path, to: str, out: Path, *extra: str) -> None:
    result = runner.invoke(app, ["network", "export", str(source), "--to", to, "--out", str(out),
                                 *extra])  # fmt: skip
    assert result.exit_code == 0, result.stderr


def test_graphml_and_gexf_round_trip(shared_data: Path, tmp_path: Path) -> None:
    export(cocaine(shared_data), "graphml", tmp_path / "n.graphml")
    [back] = read_networks(tmp_path / "n.graphml")
    assert (back.node_count, back.edge_count, back.weights.sum()) == (28, 40, 151)
    export(cocaine(shared_data), "gexf", tmp_path / "n.gexf")
    graph = nx.read_gexf(tmp_path / "n.gexf")
    assert graph.number_of_nodes() == 28
    assert sum(d["weight"] for _, _, d in graph.edges(data=True)) == 151


def test_i2_entities_and_links_neutralise_formulas(tmp_path: Path) -> None:
    edges = tmp_path / "e.csv"
    edges.write_text("source,target,weight\n=HYPERLINK(1),+447700900001,3\n", encoding="utf-8")
    roles = tmp_path / "roles.csv"
    roles.write_text("node,role\n+447700900001,@runner\n", encoding="utf-8")
    export(edges, "i2", tmp_path / "case.csv", "--annotate", str(roles))
    with (tmp_path / "case-entities.csv").open(encoding="utf-8-sig") as handle:
        entities = list(csv.reader(handle))
    assert entities[0] == ["Entity ID", "Entity Type", "Label", "role"]
    assert ["'=HYPERLINK(1)", "Person", "'=HYPERLINK(1)", ""] in entities
    assert ["+447700900001", "Telephone", "+447700900001", "'@runner"] in entities
    with (tmp_path / "case-links.csv").open(encoding="utf-8-sig") as handle:
        links = list(csv.reader(handle))
    assert links == [
        ["From ID", "To ID", "Link Type", "Direction", "Weight"],
        ["'=HYPERLINK(1)", "+447700900001", "Contact", "Arrow on Head", "3"],
    ]


def test_followthemoney_entities_are_valid(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "n.ftm.json"
    export(cocaine(shared_data), "ftm", out)
    proxies = [model.get_proxy(json.loads(line)) for line in out.read_text().splitlines()]
    people = [p for p in proxies if p.schema.name == "Person"]
    links = [p for p in proxies if p.schema.name == "UnknownLink"]
    assert (len(people), len(links)) == (28, 40)
    ids = {p.id for p in people}
    assert all(set(link.get("subject")) <= ids and set(link.get("object")) <= ids for link in links)
    assert {p.first("name") for p in people} >= {"Kay", "Menna"}


def test_an_unknown_export_format_fails(shared_data: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["network", "export", str(cocaine(shared_data)), "--to", "xlsx",
                                 "--out", str(tmp_path / "x")])  # fmt: skip
    assert result.exit_code == 2 and "--to must be one of graphml, gexf, i2, ftm" in result.stderr
