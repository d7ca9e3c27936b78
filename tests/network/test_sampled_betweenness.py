"""Estimated betweenness states its sampling error: per node, for the centralisation, and
for each pick of a disruption ranked by it (``docs/methods/networks.md``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.network.disrupt import LARGE_BETWEENNESS_PIVOTS, DisruptionPlan, disrupt
from fortress.network.graph import Network
from fortress.network.measures import (
    BetweennessEstimate,
    MeasureOptions,
    measure,
    sampling_batches,
    t95,
)
from fortress.network.sources import read_networks

runner = CliRunner()
LARGE = 20_500
"""Above the 20,000 nodes where betweenness stops being exact."""


def test_the_standard_error_is_that_of_batch_means_weighted_by_batch_size() -> None:
    batches = np.array([[1.0, 4.0], [3.0, 6.0], [2.0, 2.0]])
    sizes = np.array([2.0, 2.0, 1.0])
    estimate = BetweennessEstimate(sizes @ batches / 5, batches, sizes)
    mean = np.array([2.0, 4.4])  # (2*1 + 2*3 + 1*2) / 5, (2*4 + 2*6 + 1*2) / 5
    variance = (2 * (batches[0] - mean) ** 2 + 2 * (batches[1] - mean) ** 2) + (
        batches[2] - mean
    ) ** 2
    expected = np.sqrt(variance / 2 / 5)
    assert np.allclose(estimate.scores, mean)
    assert np.allclose(estimate.standard_error(), expected)
    assert not BetweennessEstimate(np.ones(3)).sampled


def _largest_real(shared_data: Path) -> Network:
    networks = [
        network
        for path in sorted((shared_data / "roxanne_l3s_networks").glob("*.json"))
        for network in read_networks(path)
    ]
    return max(networks, key=lambda n: n.node_count)


def test_standard_errors_are_stated_and_mostly_cover_the_exact_value(shared_data: Path) -> None:
    """On the largest real network here (nist_c1, directed and weighted), ten draws of 50
    sources against exact betweenness: the t interval holds the exact value of the 50
    most central nodes about 70% of the time (the documented figure), the centralisation
    in most draws, and the error falls as sources are added (as 1/sqrt(sources))."""
    network = _largest_real(shared_data)
    exact = measure(network, MeasureOptions(communities=False))
    assert "betweenness_se" not in exact.nodes[0]
    assert "betweenness_centralisation_se" not in exact.network
    truth = np.array([row["betweenness"] for row in exact.nodes])
    top = np.argsort(-truth)[:50]
    centralisation = exact.network["betweenness_centralisation"]
    coverage, centralisation_covered, errors = [], 0, []
    quantile = t95(len(sampling_batches(50)) - 1)
    for draw in range(10):
        options = MeasureOptions(exact_up_to=0, pivots=50, communities=False, seed=draw + 1)
        sampled = measure(network, options)
        estimate = np.array([row["betweenness"] for row in sampled.nodes])
        error = np.array([row["betweenness_se"] for row in sampled.nodes])
        coverage.append(np.mean(np.abs(estimate[top] - truth[top]) <= quantile * error[top]))
        errors.append(np.median(error[top]))
        figures = sampled.network
        gap = abs(figures["betweenness_centralisation"] - centralisation)
        centralisation_covered += gap <= quantile * figures["betweenness_centralisation_se"]
    assert 0.6 <= float(np.mean(coverage)) < 0.95
    assert centralisation_covered >= 7
    assert "betweenness_se is each node's standard error" in figures["methods"]["betweenness"]
    options = MeasureOptions(exact_up_to=0, pivots=200, communities=False, seed=3)
    more = np.array([row["betweenness_se"] for row in measure(network, options).nodes])
    assert 0.35 <= np.median(more[top]) / np.median(errors) <= 0.65


def _large_network() -> Network:
    """A seeded random network just above the exact size, ids ``n00000``..."""
    rng = np.random.default_rng(5)
    activity = rng.pareto(2.1, LARGE) + 1
    chance = activity / activity.sum()
    pairs = np.stack([rng.choice(LARGE, 80_000, p=chance), rng.choice(LARGE, 80_000, p=chance)])
    pairs = np.unique(pairs[:, pairs[0] != pairs[1]], axis=1)
    return Network(
        name="large",
        directed=True,
        weighted=True,
        nodes=[f"n{i:05d}" for i in range(LARGE)],
        sources=pairs[0].astype(np.int64),
        targets=pairs[1].astype(np.int64),
        weights=rng.geometric(0.4, pairs.shape[1]).astype(np.float64),
    )


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    network = _large_network()
    path = tmp_path_factory.mktemp("large") / "large.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "weight"])
        for source, target, weight in zip(
            network.sources, network.targets, network.weights, strict=True
        ):
            writer.writerow([network.nodes[source], network.nodes[target], int(weight)])
    return path


def test_each_pick_of_a_sampled_betweenness_ranking_is_checked_against_its_error() -> None:
    run = disrupt(_large_network(), DisruptionPlan(strategy="betweenness", remove=3))
    assert [check.removed for check in run.ranking_checks] == [1, 2, 3]
    assert [check.taken for check in run.ranking_checks] == run.removed
    quantile = t95(len(sampling_batches(LARGE_BETWEENNESS_PIVOTS)) - 1)
    for check in run.ranking_checks:
        lead = check.taken_estimate - check.left_estimate
        assert lead >= 0 and check.left not in run.removed[: check.removed]
        assert check.separated == (lead > quantile * check.lead_standard_error)
    assert run.to_dict()["ranking_checks"][0]["taken"] == run.removed[0]
    exact = disrupt(_large_network().without({"n00000"}), DisruptionPlan("degree", remove=2))
    assert exact.ranking_checks == []


def test_the_commands_say_the_sampling_error(
    large_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fortress.cli import render

    monkeypatch.setattr(render.console, "width", 100)
    result = runner.invoke(app, ["network", "measures", str(large_file), "--pivots", "20"])
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stdout.split())  # sentences as wrapped to the width
    assert "betweenness centralisation" in said and "(standard error " in said
    assert "batches of sources" in said
    assert "s.e." in result.stdout and "…" not in result.stdout  # every figure whole
    disruption = ["network", "disrupt", str(large_file), "--strategy", "betweenness"]
    result = runner.invoke(app, [*disruption, "--remove", "2"])
    assert result.exit_code == 0, result.stderr
    assert "of 2 steps the actor taken did not lead the first one left" in " ".join(
        result.stdout.split()
    )
    result = runner.invoke(app, [*disruption, "--remove", "2", "--json"])
    checks = json.loads(result.stdout)["strategies"][0]["ranking_checks"]
    assert len(checks) == 2 and {"taken", "left", "lead_standard_error"} <= set(checks[0])
