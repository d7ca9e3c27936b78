"""Reading networks from files: the real investigations' published counts, and bad input
refused with the file, row and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from fortress.network.sources import read_networks
from fortress.sources.tabular import FileProblem

CAVIAR_NODES = [15, 24, 33, 33, 32, 27, 36, 42, 34, 42, 41]
CAVIAR_ARCS = [26, 35, 68, 65, 50, 68, 63, 75, 60, 68, 72]


def test_caviar_phases_have_the_published_node_and_arc_counts(shared_data: Path) -> None:
    phases = shared_data / "caviar" / "original_mitx_phases"
    counts = [
        (net.node_count, net.edge_count)
        for k in range(1, 12)
        for net in read_networks(phases / f"phase{k}.csv")
    ]
    assert counts == list(zip(CAVIAR_NODES, CAVIAR_ARCS, strict=True))
    edge_list = shared_data / "caviar" / "derived" / "caviar_phases_directed_edgelist.csv"
    by_phase = read_networks(edge_list)
    assert [n.name.split(":")[1] for n in by_phase] == [str(k) for k in range(1, 12)]
    assert [(n.node_count, n.edge_count) for n in by_phase] == counts


def test_natarajan_cocaine_network_holds_151_intercepted_calls(shared_data: Path) -> None:
    matrix = shared_data / "ucinet_covert_networks" / "matrices_mcmacdonald"
    [network] = read_networks(matrix / "natajaran_cocaine.csv")
    assert network.weights.sum() == 151
    assert network.directed and network.weighted
    assert (network.node_count, network.edge_count) == (28, 40)


def test_montagna_edge_lists_read_as_published(shared_data: Path) -> None:
    folder = shared_data / "montagna" / "original_cavallaro2020"
    [meetings] = read_networks(folder / "Montagna_meetings_edgelist.csv")
    [calls] = read_networks(folder / "Montagna_phonecalls_edgelist.csv")
    meetings, calls = meetings.as_undirected(), calls.as_undirected()
    assert (meetings.node_count, meetings.edge_count) == (101, 256)
    assert (calls.node_count, calls.edge_count) == (100, 124)


def test_self_loops_are_counted_and_reported(shared_data: Path) -> None:
    [network] = read_networks(shared_data / "roxanne_l3s_networks" / "madoff.json")
    assert (network.node_count, network.edge_count, network.self_loops) == (61, 60, 1)
    assert any("self-loop" in note for note in network.notes)


def test_a_symmetric_binary_matrix_is_an_undirected_unweighted_network(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(",a,b,c\na,0,1,0\nb,1,0,1\nc,0,1,0\n", encoding="utf-8")
    [network] = read_networks(path)
    assert not network.directed and not network.weighted and network.edge_count == 2
    assert "symmetric, so read as undirected" in network.notes[0]


def test_an_edge_list_with_phases_gives_one_network_per_phase(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("source,target,weight,phase\na,b,2,2\nb,c,1,1\na,b,3,2\n", encoding="utf-8")
    first, second = read_networks(path)
    assert (first.name, second.name) == ("e:1", "e:2")
    assert second.weights.tolist() == [5.0]  # repeated pairs add up by default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (",a,b\na,0,x\nb,1,0\n", "row 2: column 'b': 'x' is not a number"),
        (",a,b\na,0,-1\nb,1,0\n", "row 2: column 'b': '-1' is not a weight"),
        (",a,b\na,0,1\nb,1\n", "row 3: 1 values where 2 were expected"),
        ("source,target,weight\na,b,1\nc,,1\n", "row 3: a source or target is blank"),
        ("source,target,weight\na,b,lots\n", "row 2: column 'weight': 'lots' is not a number"),
        ("name,age\nann,30\n", "row 1: not a matrix or an edge list"),
        ("source,target\n", "no edges"),
        ("", "the file is empty"),
    ],
)
def test_bad_files_are_refused_with_file_row_and_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileProblem) as raised:
        read_networks(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_a_two_mode_matrix_is_refused_with_its_shape(shared_data: Path) -> None:
    path = shared_data / "ucinet_covert_networks" / "matrices_mcmacdonald"
    with pytest.raises(FileProblem, match="not a square matrix"):
        read_networks(path / "NDRANGHETAMAFIA_2M.csv", fmt="matrix")


def test_binary_and_broken_json_files_are_refused(tmp_path: Path) -> None:
    zipped = tmp_path / "net.csv"
    zipped.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(FileProblem, match="ZIP archive"):
        read_networks(zipped)
    broken = tmp_path / "net.json"
    broken.write_text('{"type":"node","id":"a"}\n{"type":"edge","source":\n', encoding="utf-8")
    with pytest.raises(FileProblem, match="row 2: not a JSON line"):
        read_networks(broken)
