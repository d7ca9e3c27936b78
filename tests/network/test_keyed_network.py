"""The comms network built by number keys (``columns.NUMBER_KEYS``) is the one built by
the numbers themselves: the same workspace with its files' keys, then without them."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from fortress.model import columns as c
from fortress.network.comms import comms_network
from fortress.network.explore import ContactGraph, contact_graph
from fortress.network.graph import Network
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace
from helpers.worlds import ingest_world


def _arcs(network: Network) -> set[tuple[str, str, float]]:
    names = network.nodes
    return {
        (names[s], names[t], float(w))
        for s, t, w in zip(network.sources, network.targets, network.weights, strict=True)
    }


def _contacts(graph: ContactGraph) -> set[tuple[str, str, int, int, int]]:
    found = set()
    for node, name in enumerate(graph.nodes):
        for k in range(graph.starts[node], graph.starts[node + 1]):
            other = graph.nodes[graph.contacts[k]]
            found.add(
                (name, other, int(graph.events[k]), int(graph.first_day[k]), int(graph.last_day[k]))
            )
    return found


def _drop_keys(workspace: Workspace) -> None:
    for path in workspace.data_files(COMMS):
        pq.write_table(pq.read_table(path).drop_columns(list(c.NUMBER_KEYS)), path)
    event_tables.keys_complete.cache_clear()


def test_the_comms_network_by_keys_is_the_network_by_numbers(tmp_path: Path) -> None:
    workspace = ingest_world(tmp_path, seed=6).workspace
    keyed = (_arcs(comms_network(workspace)), _contacts(contact_graph(workspace)))
    assert keyed[0] and keyed[1]
    assert all(name.startswith("+") for arc in keyed[0] for name in arc[:2])
    _drop_keys(workspace)
    assert (_arcs(comms_network(workspace)), _contacts(contact_graph(workspace))) == keyed
