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
from fortress.network.sources import read_networks

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


def test_an_out_without_extension_gets_the_formats_and_nothing_is_overwritten(
    shared_data: Path, tmp_path: Path
) -> None:
    """Issue #14, 4: `--out NAME` writes NAME.graphml (then NAME.gexf beside it), and a file
    already there is never replaced without --force."""
    name = tmp_path / "case"
    export(cocaine(shared_data), "graphml", name)
    export(cocaine(shared_data), "gexf", name)
    assert not name.exists()
    assert (tmp_path / "case.graphml").is_file() and (tmp_path / "case.gexf").is_file()
    before = (tmp_path / "case.graphml").read_bytes()
    edges = tmp_path / "case-1.csv"
    edges.write_text("source,target\na,b\n", encoding="utf-8")
    again = runner.invoke(app, ["network", "export", str(edges), "--to", "graphml", "--out",
                                str(name)])  # fmt: skip
    assert again.exit_code == 2 and "--force" in again.stderr and "case.graphml" in again.stderr
    assert (tmp_path / "case.graphml").read_bytes() == before
    export(edges, "graphml", name, "--force")
    [back] = read_networks(tmp_path / "case.graphml")
    assert back.node_count == 2


def test_followthemoney_numbers_are_phones_and_contacts_are_calls(tmp_path: Path) -> None:
    """Issue #14, 4: a number is not a person. Contacts between numbers are ``Call``
    entities with the numbers as ``callerNumber`` and ``receiverNumber`` (Ofcom's drama
    range kept, which followthemoney's own cleaning would drop); a named actor is a
    ``Person`` and calls with it name it as ``caller`` or ``receiver``."""
    edges = tmp_path / "calls.csv"
    edges.write_text(
        "source,target,weight\n+447911123456,+447700900123,4\n+447700900123,+447911123456,1\n"
        "Kay,+447911123456,2\n",
        encoding="utf-8",
    )
    roles = tmp_path / "roles.csv"
    roles.write_text("node,role\n+447700900123,runner\n", encoding="utf-8")
    out = tmp_path / "calls.ftm.json"
    export(edges, "ftm", out, "--annotate", str(roles))
    data = [json.loads(line) for line in out.read_text().splitlines()]
    proxies = [model.get_proxy(item) for item in data]
    assert {p.schema.name for p in proxies} == {"Call", "Person"}
    [kay] = [p for p in proxies if p.schema.name == "Person"]
    assert kay.first("name") == "Kay" and not kay.get("phone")
    calls = {(p.first("callerNumber"), p.first("receiverNumber")): p for p in proxies
             if p.schema.name == "Call"}  # fmt: skip
    assert set(calls) == {("+447911123456", "+447700900123"), ("+447700900123", "+447911123456"),
                          (None, "+447911123456")}  # fmt: skip
    assert calls[(None, "+447911123456")].first("caller") == kay.id
    assert "4 contacts" in str(calls[("+447911123456", "+447700900123")].first("summary"))
    assert "runner" in str(calls[("+447911123456", "+447700900123")].first("description"))
    valid = [item for item in data if "+447700900123" not in json.dumps(item)]
    assert len(valid) == 2  # Kay, and her call
    for item in valid:  # followthemoney refuses the drama range, so only the others
        schema = model.get(item["schema"])
        assert schema is not None and schema.validate(item) is None
