"""Key players against the most central actors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.network.graph import build
from fortress.network.targets import fragmentation, key_players

runner = CliRunner()


def barbell() -> list[tuple[str, str, float]]:
    """Two cliques of five joined through one low-degree go-between, ``bridge``."""
    edges = []
    for side in ("l", "r"):
        members = [f"{side}{i}" for i in range(5)]
        edges += [(a, b, 1.0) for i, a in enumerate(members) for b in members[i + 1 :]]
    return [*edges, ("l0", "bridge", 1.0), ("bridge", "r0", 1.0)]


def test_fragmentation_of_simple_shapes() -> None:
    pair = build("pair", [("a", "b", 1.0)], directed=False, weighted=False, nodes=["a", "b", "c"])
    assert fragmentation(pair, set()) == pytest.approx(1 - 2 / 6)
    assert fragmentation(pair, {0}) == 1.0


def test_the_bridge_is_a_key_player_though_its_degree_is_low() -> None:
    network = build("barbell", barbell(), directed=False, weighted=False)
    result = key_players(network, 1)
    [member] = result.key_players.members
    assert member.node in {"bridge", "l0", "r0"}
    assert result.key_players.fragmentation > 0.45
    [top_degree] = result.top_degree.members
    assert top_degree.node in {"l0", "r0"}


@pytest.mark.parametrize(
    "relative",
    [
        "montagna/original_cavallaro2020/Montagna_phonecalls_edgelist.csv",
        "caviar/ucinet_full/morselli_caviar_full_110x110.csv",
        "ucinet_covert_networks/matrices_mcmacdonald/LONDON_GANG.csv",
    ],
)
def test_key_players_fragment_at_least_as_much_as_the_most_central(
    shared_data: Path, relative: str
) -> None:
    result = runner.invoke(app, ["network", "targets", str(shared_data / relative), "--k", "5",
                                 "--json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sets = json.loads(result.stdout)["sets"]
    best = sets["key_players"]["fragmentation"]
    assert best >= sets["top_degree"]["fragmentation"] - 1e-12
    assert best >= sets["top_betweenness"]["fragmentation"] - 1e-12
    assert len(sets["key_players"]["members"]) == 5


def test_k_out_of_range_fails_clearly(shared_data: Path) -> None:
    path = shared_data / "caviar" / "original_mitx_phases" / "phase1.csv"
    result = runner.invoke(app, ["network", "targets", str(path), "--k", "15"])
    assert result.exit_code == 2 and "k must be between 1 and 14" in result.stderr


def complete(n: int) -> list[tuple[str, str, float]]:
    return [(f"p{i}", f"p{j}", 1.0) for i in range(n) for j in range(i + 1, n)]


@pytest.mark.parametrize(
    ("shape", "edges", "k"),
    [
        ("complete", complete(5), 1),  # every set leaves fragmentation 0
        ("complete", complete(5), 3),
        ("path", [("a", "b", 1.0), ("b", "c", 1.0)], 1),  # one set fragments fully
        ("pair", [("a", "b", 1.0)], 1),  # one actor left
        ("barbell", barbell(), 1),
        (
            "two stars",
            [("h1", f"a{i}", 1.0) for i in range(4)] + [("h2", f"b{i}", 1.0) for i in range(4)],
            1,
        ),
    ],
)
def test_the_trade_off_says_only_what_the_figures_show(
    shape: str, edges: list[tuple[str, str, float]], k: int
) -> None:
    """Issue #14, 5: every sentence follows from the figures beside it."""
    network = build(shape, edges, directed=False, weighted=False)
    result = key_players(network, k)
    text = result.trade_off
    before = result.fragmentation_before
    gains = {name: found.fragmentation - before for name, found in result.sets.items()}
    if all(gain <= 1e-12 for gain in gains.values()):
        assert "fragment it most" not in text and "cuts groups apart" not in text
        assert "none of these sets" in text.lower()
    key, central = result.key_players.fragmentation, result.top_betweenness.fragmentation
    if key <= central + 1e-12:
        assert "matter less" not in text
    for found in result.sets.values():
        assert f"{found.fragmentation:.3f}" in text
