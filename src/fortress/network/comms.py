"""The network of numbers in the workspace's comms events: an arc from caller or sender to
recipient, weighing the number of calls and messages between them."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from fortress.comms.events import (
    has_number_keys,
    is_subscriber,
    numbers_back,
    party_columns,
    span,
)
from fortress.model import columns as c
from fortress.network.graph import Network, from_columns
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace

COMMS_SOURCE = "comms"
"""The SOURCE name that means "the workspace's comms events" rather than a file."""


class NoCommsData(Exception):
    """The workspace holds no comms events (in the window asked for)."""


def comms_network(
    workspace: Workspace, *, start: date | None = None, end: date | None = None
) -> Network:
    """Numbers as nodes, calls and messages between subscribers as weighted arcs; only
    events from ``start`` to ``end`` (UTC days, inclusive) when given. Withheld numbers,
    short codes and unreadable values are not nodes."""
    backend = event_tables.connect(workspace)
    events = event_tables.table(backend, workspace, COMMS)
    if events is None:
        raise NoCommsData("the workspace holds no comms events: ingest some first")
    chosen = events.filter(is_subscriber(events, "a") & is_subscriber(events, "b"))
    if start is not None:
        chosen = chosen.filter(chosen[c.START_UTC] >= datetime.combine(start, time()))
    if end is not None:
        after = datetime.combine(end + timedelta(days=1), time())
        chosen = chosen.filter(chosen[c.START_UTC] < after)
    keyed = has_number_keys(events)
    a, b = party_columns(keyed)
    counted = chosen.group_by(source=chosen[a], target=chosen[b]).aggregate(weight=chosen.count())
    pairs = numbers_back(counted, keyed, "source", "target").to_pyarrow()
    if pairs.num_rows == 0:
        raise NoCommsData("no calls or messages between subscribers in the window asked for")
    window = f"{start or 'first'}..{end or 'last'}"  # the phase name of a window
    return from_columns(
        f"{COMMS_SOURCE}:{window}" if start or end else COMMS_SOURCE,
        pairs["source"].to_pylist(),
        pairs["target"].to_pylist(),
        pairs["weight"].to_pylist(),
        directed=True,
        notes=(
            "comms events: an arc from caller or sender to recipient, weighing the number "
            "of calls and messages",
        ),
    )


def comms_windows(workspace: Workspace, days: int) -> list[Network]:
    """The comms network in consecutive windows of ``days`` days from the first event;
    a window without calls between subscribers is left out (and so not a phase)."""
    if days < 1:
        raise ValueError("a window is at least one day")
    backend = event_tables.connect(workspace)
    events = event_tables.table(backend, workspace, COMMS)
    when = span(events) if events is not None else None
    if when is None:
        raise NoCommsData("the workspace holds no comms events: ingest some first")
    networks = []
    start = when.first.date()
    while start <= when.last.date():
        end = start + timedelta(days=days - 1)
        with suppress(NoCommsData):
            networks.append(comms_network(workspace, start=start, end=end))
        start = end + timedelta(days=1)
    return networks


@dataclass(frozen=True)
class LineRoles:
    """What the latest deal-line detection says of the numbers: each number's role and
    line, and the lines' customers and numbers (for the customer-reach damage figure)."""

    roles: dict[str, dict[str, str]]
    customers: frozenset[str]
    line_numbers: frozenset[str]
    numbers_of_line: dict[str, list[str]]
    holders: dict[str, str]
    """A line or runner phone to the personal phone attributed to its holder by
    co-location over time (``fortress lines show``, phone holders)."""


def line_roles(workspace: Workspace) -> LineRoles | None:
    """Roles from the latest detection run, or None if lines were never detected."""
    from fortress.comms.lines import NoDetection, list_lines, show_line

    try:
        lines = [
            show_line(workspace, line.line_id)
            for line in list_lines(workspace)
            if line.line_id is not None
        ]
    except NoDetection:
        return None
    roles: dict[str, dict[str, str]] = {}
    holders: dict[str, str] = {}
    customers: set[str] = set()
    numbers_of_line: dict[str, list[str]] = {}
    for line in lines:
        line_id = line.line_id
        assert line_id is not None  # shown lines always have one
        numbers_of_line[line_id] = list(line.numbers)
        for customer in line.customers.numbers:
            roles.setdefault(customer, {"role": "customer", "line": line_id})
            customers.add(customer)
        for runner in line.runners.numbers:
            roles[runner.number] = {"role": "runner", "line": line_id}
        for controller in line.controllers.numbers:
            roles[controller.number] = {"role": "controller", "line": line_id}
        for number in line.numbers:
            roles[number] = {"role": "line", "line": line_id}
        for phone, candidates in line.phone_holders.items():
            held = [c for c in candidates if c.holds]
            if held:
                holders[phone] = max(held, key=lambda c: c.score).number
    line_numbers = frozenset(n for numbers in numbers_of_line.values() for n in numbers)
    return LineRoles(roles, frozenset(customers), line_numbers, numbers_of_line, holders)


ROLE_PRECEDENCE = ("controller", "line", "runner", "customer")
"""When a person holds phones of several roles, the role they are named by."""


def people_roles(roles: LineRoles, people: bool) -> dict[str, dict[str, str]]:
    """The roles to attach to a comms network's nodes: each number's, and with ``people``
    each merged person's (``person:<number>``): the first of ``ROLE_PRECEDENCE`` among
    their phones, with every role and line they hold listed."""
    if not people:
        return roles.roles
    merged: dict[str, list[dict[str, str]]] = {}
    for phone, owner in roles.holders.items():
        for number in (phone, owner):
            if number in roles.roles:
                merged.setdefault(f"person:{owner}", []).append(roles.roles[number])
    attributes = dict(roles.roles)
    for person, held in merged.items():
        kinds = {values["role"] for values in held}
        first = next(role for role in ROLE_PRECEDENCE if role in kinds)
        attributes[person] = {
            "role": first,
            "line": ", ".join(sorted({values["line"] for values in held})),
            "roles": ", ".join(role for role in ROLE_PRECEDENCE if role in kinds),
        }
    return attributes


def as_people(network: Network, holders: dict[str, str]) -> Network:
    """``network`` with each attributed phone merged into its holder's personal phone,
    named ``person:<personal number>``; contacts between merged phones add up, and a
    person's contacts with their own phones are set aside as self-loops."""
    if not holders:
        return replace(network, notes=(*network.notes, "people view: no phone is attributed"))
    person = {phone: f"person:{owner}" for phone, owner in holders.items()}
    person |= {owner: f"person:{owner}" for owner in holders.values()}
    names = [person.get(node, node) for node in network.nodes]
    merged = from_columns(
        network.name + " (people)",
        [names[i] for i in network.sources.tolist()],
        [names[i] for i in network.targets.tolist()],
        network.weights.tolist(),
        directed=network.directed,
        notes=(
            *network.notes,
            f"people view: {len(holders)} phone(s) merged into their holders' personal "
            "phones by co-location attribution",
        ),
    )
    return merged
