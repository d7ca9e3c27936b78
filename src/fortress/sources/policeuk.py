"""The files police.uk publishes for each force and month, as Fortress reads them: their
layouts, file names, crime categories and LSOA naming (formats only; the analyses are in
``fortress.places``).

Three kinds (https://data.police.uk/about/#columns): street-level crime
(``YYYY-MM-<force>-street.csv``), stop and search (``-stop-and-search.csv``) and outcomes
(``-outcomes.csv``). Each has a published header, checked exactly: a file whose header
differs is refused with the difference spelt out, since a silently shifted column would
put every figure in the wrong place. Columns become snake_case names (``Crime ID`` ->
``crime_id``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

STREET: Final = "street"
STOP_AND_SEARCH: Final = "stop-and-search"
OUTCOMES: Final = "outcomes"

CRIME_TYPES: Final = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""The street-level crime categories police.uk has published since May 2013."""

CATEGORY_SLUGS: Final = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
}
"""police.uk's category ids (its API's ``crime-categories``) -> the names its files use."""


class UnknownCategory(ValueError):
    """A crime category that is neither a police.uk category id nor a published name."""


def crime_category(text: str) -> str:
    """The published name (as in the files' ``Crime type``) of a police.uk category given by
    its id (``possession-of-weapons``) or its name, in any case."""
    wanted = text.strip().casefold()
    if wanted in CATEGORY_SLUGS:
        return CATEGORY_SLUGS[wanted]
    for name in CRIME_TYPES:
        if name.casefold() == wanted:
            return name
    raise UnknownCategory(
        f"{text!r} is not a police.uk crime category; use one of {', '.join(CATEGORY_SLUGS)}"
    )


LSOA_CODE = re.compile(r"^[EW]0\d{7}$")
"""England and Wales LSOA codes (2011 and 2021 both use this form)."""

DISTRICT_SQL: Final = "regexp_replace(lsoa_name, ' [0-9]{3}[A-Z]$', '')"
"""An LSOA's district (local authority) in SQL: its police.uk name without the code part
("Gosport 012B" is in Gosport)."""
_DISTRICT_SUFFIX = re.compile(r" [0-9]{3}[A-Z]$")


def district_of(lsoa_name: str) -> str:
    """``DISTRICT_SQL`` in Python."""
    return _DISTRICT_SUFFIX.sub("", lsoa_name)


@dataclass(frozen=True, slots=True)
class Layout:
    """One kind of police.uk file."""

    kind: str
    table: str
    """The workspace table its rows go to."""
    header: tuple[str, ...]
    """The published header, in order."""
    numbers: tuple[str, ...] = ("Longitude", "Latitude")
    flags: tuple[str, ...] = ()
    """Columns of True/False (or empty)."""
    month_column: str = "Month"
    """Holds YYYY-MM, or (stop and search) an ISO 8601 date-time."""

    def column(self, name: str) -> str:
        """The workspace column for a published column name."""
        return snake_case(name)


_LOCATED = ("Longitude", "Latitude", "Location", "LSOA code", "LSOA name")
LAYOUTS: Final = {
    STREET: Layout(
        STREET,
        "crimes",
        (
            "Crime ID",
            "Month",
            "Reported by",
            "Falls within",
            *_LOCATED,
            "Crime type",
            "Last outcome category",
            "Context",
        ),
    ),
    OUTCOMES: Layout(
        OUTCOMES,
        "outcomes",
        ("Crime ID", "Month", "Reported by", "Falls within", *_LOCATED, "Outcome type"),
    ),
    STOP_AND_SEARCH: Layout(
        STOP_AND_SEARCH,
        "stop_searches",
        (
            "Type",
            "Date",
            "Part of a policing operation",
            "Policing operation",
            "Latitude",
            "Longitude",
            "Gender",
            "Age range",
            "Self-defined ethnicity",
            "Officer-defined ethnicity",
            "Legislation",
            "Object of search",
            "Outcome",
            "Outcome linked to object of search",
            "Removal of more than just outer clothing",
        ),
        flags=(
            "Part of a policing operation",
            "Outcome linked to object of search",
            "Removal of more than just outer clothing",
        ),
        month_column="Date",
    ),
}

FILE_NAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-(?P<kind>street|stop-and-search|outcomes)"
    r"\.csv$"
)


@dataclass(frozen=True, slots=True)
class FileName:
    """What a police.uk file name says: month, force and kind."""

    month: str
    force: str
    kind: str


def parse_file_name(path: Path) -> FileName | None:
    """The month, force and kind in a police.uk file name, or None for another name."""
    found = FILE_NAME.match(path.name.lower())
    if found is None:
        return None
    return FileName(found["month"], found["force"], found["kind"])


def layout_of(header: list[str], name: FileName | None) -> Layout | None:
    """The layout a file's header (or, failing that, its name) says it has."""
    for layout in LAYOUTS.values():
        if list(layout.header) == header:
            return layout
    return LAYOUTS[name.kind] if name is not None else None


def header_difference(layout: Layout, header: list[str]) -> str:
    """How ``header`` differs from the published one, in words."""
    missing = [name for name in layout.header if name not in header]
    unknown = [name for name in header if name not in layout.header]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if unknown:
        parts.append(f"unexpected {', '.join(unknown)}")
    if not parts:
        parts.append(f"the columns are in another order: {', '.join(header)}")
    return "; ".join(parts)


def snake_case(name: str) -> str:
    """``Crime ID`` -> ``crime_id``; ``Officer-defined ethnicity`` ->
    ``officer_defined_ethnicity``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
