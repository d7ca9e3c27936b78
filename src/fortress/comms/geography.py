"""Where a line's people are: customers' home cells and the line's own cells, with
coordinates, for the customer-base map."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import ibis.expr.types as ir

from fortress.comms.tally import most_common
from fortress.model import columns as c
from fortress.model.lines import CustomerPoint, LineMap, LineSite, SitePoint


def home_cells(contacts: ir.Table, numbers: list[str]) -> dict[str, str]:
    """Each number's most used cell over all its located events (its home, for most)."""
    mine = contacts.filter(contacts.number.isin(numbers) & contacts.cell.notnull())
    rows = mine.group_by(["number", "cell"]).aggregate(n=mine.count()).to_pyarrow().to_pylist()
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        tally[row["number"]][row["cell"]] = int(row["n"])
    return {number: most_common(counts) for number, counts in tally.items()}


def cell_points(cells: ir.Table, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """Coordinates and area of the ``wanted`` cells."""
    if not wanted:
        return {}
    rows = (
        cells.filter(cells[c.CELL_ID].isin(sorted(wanted)))
        .select(c.CELL_ID, c.LAT, c.LON, c.AREA)
        .to_pyarrow()
        .to_pylist()
    )
    return {row[c.CELL_ID]: row for row in rows}


def customer_map(
    contacts: ir.Table,
    cells: ir.Table,
    customers: list[str],
    sites: list[LineSite],
) -> LineMap:
    """Points for the map: customers per home cell, and the line phones' own cells."""
    homes = home_cells(contacts, customers)
    per_cell = Counter(homes.values())
    line_cells = {site.cell_id: site.events for site in sites}
    points = cell_points(cells, set(per_cell) | set(line_cells))
    return LineMap(
        customers=[
            CustomerPoint.model_validate({**points[cell], "customers": n})
            for cell, n in sorted(per_cell.items())
            if cell in points
        ],
        line_sites=[
            SitePoint.model_validate({**points[cell], "events": n})
            for cell, n in sorted(line_cells.items())
            if cell in points
        ],
        customers_without_cell=len(customers) - len(homes),
    )
