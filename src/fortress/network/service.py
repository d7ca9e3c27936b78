"""Checks and preparation shared by the network commands: options turned into a plan,
annotations and deal-line roles attached to a network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from fortress.network.comms import LineRoles, comms_network, line_roles
from fortress.network.disrupt import TIES, Comparison, DisruptionPlan, compare
from fortress.network.graph import Network, with_attributes
from fortress.network.measures import MeasureOptions, Measures, measure
from fortress.network.phases import read_annotations
from fortress.network.recovery import PRESETS
from fortress.sources.tabular import FileProblem
from fortress.store.workspace import Workspace


class DisruptError(ValueError):
    """Options that do not make a disruption plan."""


def plan_disruption(
    network: Network,
    *,
    source: str,
    strategies: str,
    options: dict[str, Any],
    annotate: Path | None,
    workspace: Callable[[], Workspace] | None,
) -> tuple[Network, list[tuple[str, str]], DisruptionPlan]:
    """The network with its annotations, the strategies to compare (each as its label
    and what it runs: ``line:ID`` runs as the line's numbers) and the plan."""
    _check(options)
    if annotate is not None:
        try:
            network = with_attributes(network, read_annotations(annotate, "node"))
        except FileProblem as exc:
            raise DisruptError(str(exc)) from exc
    plan = DisruptionPlan(
        strategy="",
        remove=options["remove"],
        mode=options["mode"],
        step=options["step"],
        weights=options["weights"],
        recovery=PRESETS[options["recovery"]],
        runs=options["runs"],
        ties=options["ties"],
    )
    chosen = [s.strip() for s in strategies.split(",") if s.strip()]
    if not chosen:
        raise DisruptError("name at least one strategy")
    roles = line_roles(workspace()) if workspace is not None and source == "comms" else None
    if roles is not None:
        network = with_attributes(network, roles.roles)
        plan = replace(plan, customers=roles.customers, line_numbers=roles.line_numbers)
    resolved = []
    for strategy in chosen:
        if strategy.startswith("line:"):
            line_id = strategy.removeprefix("line:")
            if roles is None or line_id not in roles.numbers_of_line:
                raise DisruptError(
                    f"no deal line {line_id!r}: line strategies need `comms` as the source "
                    "and a `fortress lines detect` run that found it"
                )
            resolved.append((strategy, "names:" + ",".join(roles.numbers_of_line[line_id])))
        else:
            resolved.append((strategy, strategy.replace(";", ",")))
    return network, resolved, plan


def _check(options: dict[str, Any]) -> None:
    if options["remove"] < 1:
        raise DisruptError("--remove must be at least 1")
    if options["mode"] not in ("sequential", "block"):
        raise DisruptError(f"--mode must be sequential or block, not {options['mode']!r}")
    if options["step"] < 1:
        raise DisruptError("--step must be at least 1")
    if options["recovery"] not in PRESETS:
        raise DisruptError(f"--recovery must be one of {', '.join(PRESETS)}")
    if options["runs"] < 1:
        raise DisruptError("--runs must be at least 1")
    if options["ties"] not in TIES:
        raise DisruptError(f"--ties must be one of {', '.join(TIES)}, not {options['ties']!r}")
    if options["weights"] not in ("strength", "distance"):
        raise DisruptError(f"--weights must be strength or distance, not {options['weights']!r}")


def comms_overview(workspace: Workspace, remove: int = 5) -> tuple[Measures, Comparison]:
    """The measures of the workspace's comms network (with deal-line roles), and what
    removing up to ``remove`` controllers, runners, or the most connected or most
    between numbers would do to the lines' reach of their customers."""
    network = comms_network(workspace)
    roles = line_roles(workspace)
    if roles is not None:
        network = with_attributes(network, roles.roles)
    options = MeasureOptions(group="role" if roles else None)
    return measure(network, options), role_disruption(network, roles, remove)


def role_disruption(network: Network, roles: LineRoles | None, remove: int) -> Comparison:
    """The most connected, the most between, controllers and runners taken out of
    ``network`` (which carries the roles), side by side, with the customer reach. The
    ranked strategies come first: they run every step (a role may have fewer actors than
    ``remove``), so a table led by the first strategy has every step."""
    plan = DisruptionPlan(strategy="", remove=remove)
    strategies = [("degree", "degree"), ("betweenness", "betweenness")]
    if roles is not None:
        plan = replace(plan, customers=roles.customers, line_numbers=roles.line_numbers)
        present = {values["role"] for values in roles.roles.values()}
        strategies += [
            (f"role:{role}", f"role:{role}") for role in ("controller", "runner") if role in present
        ]
    return compare(network, strategies, plan)
