"""Mapping specs: a versioned YAML description of how one export layout maps onto the
canonical communications-event table (``docs/data-formats.md`` documents every key).

A spec says which source column (or constant) feeds each canonical field, how to read times
and durations, and how to translate codes (``MOC`` -> an outgoing call). Two shapes of row
are supported:

* ``parties: direct`` - each row names the originator and the recipient (A and B);
* ``parties: subject`` - each row is seen from one *subject* (an operator's served number or
  a handset's owner) with a direction (``out``, ``in``, ``missed``) and the other party.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ANY_OTHER = "*"
"""A ``map`` key that matches every other non-empty value."""


class SpecError(ValueError):
    """A mapping spec that cannot be used, with a message naming the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """Where one canonical value comes from: a source column or a constant.

    ``map`` translates raw values (after trimming) before they are read; for enumerated
    fields (kind, direction, answered) a value missing from a non-empty map rejects the row.
    """

    column: str | None = None
    value: str | None = None
    map: dict[str, str | None] = Field(default_factory=dict)
    default: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of 'column' or 'value'")
        return self


class NumberSpec(FieldSpec):
    """A party's number; ``scheme: identifier`` keeps opaque subscriber ids as given."""

    scheme: Literal["msisdn", "identifier"] = "msisdn"


class StartSpec(_Strict):
    """When the event started.

    ``columns`` are joined with one space (a date column and a time column) and read with
    ``format``: ``iso8601``; ``epoch_seconds`` (seconds after ``origin``, default the Unix
    epoch); or one or more strptime patterns (``%d/%m/%Y %H:%M:%S``). Times without an
    offset are in ``timezone`` (Europe/London by default).
    """

    columns: list[str] = Field(min_length=1)
    format: str | list[str] = "iso8601"
    timezone: str = "Europe/London"
    origin: str | None = None

    def patterns(self) -> list[str]:
        """The strptime patterns, as a list."""
        return [self.format] if isinstance(self.format, str) else list(self.format)


class DurationSpec(FieldSpec):
    """Call length: ``seconds`` (default), ``minutes``, ``milliseconds`` or ``hms``
    (``hh:mm:ss`` or ``mm:ss``)."""

    format: Literal["seconds", "minutes", "milliseconds", "hms"] = "seconds"


class PartySpec(_Strict):
    """One party's identifiers in a row."""

    number: NumberSpec | None = None
    owner: bool = False
    imei: FieldSpec | None = None
    imsi: FieldSpec | None = None
    cell: FieldSpec | None = None
    cell_last: FieldSpec | None = None

    @model_validator(mode="after")
    def _number_or_owner(self) -> PartySpec:
        if self.owner and self.number is not None:
            raise ValueError("give either 'number' or 'owner: true', not both")
        return self


class FormatSpec(_Strict):
    """How the file itself is laid out."""

    type: Literal["csv", "parquet", "auto"] = "auto"
    delimiter: str = "auto"
    encoding: Literal["auto", "utf-8", "cp1252"] = "auto"
    skip_rows: int = Field(default=0, ge=0)


class MappingSpec(_Strict):
    """A whole layout. Load with :func:`load_spec` or :func:`preset`."""

    name: str
    version: int = 1
    description: str = ""
    file: FormatSpec = FormatSpec()
    parties: Literal["direct", "subject"] = "direct"
    event_id: FieldSpec | None = None
    start: StartSpec
    kind: FieldSpec
    duration_s: DurationSpec | None = None
    answered: FieldSpec | None = None
    a: PartySpec | None = None
    b: PartySpec | None = None
    subject: PartySpec | None = None
    other: PartySpec | None = None
    direction: FieldSpec | None = None
    unknown_columns: Literal["error", "ignore"] = "error"
    ignore: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _parties_complete(self) -> MappingSpec:
        if self.parties == "direct":
            if self.a is None or self.b is None or self.a.number is None:
                raise ValueError("parties: direct needs 'a' and 'b', each with a 'number'")
        elif self.subject is None or self.other is None or self.direction is None:
            raise ValueError("parties: subject needs 'subject', 'other' and 'direction'")
        return self

    @property
    def needs_owner(self) -> bool:
        """True when the subject's number is given at ingest (``--owner``)."""
        return self.subject is not None and self.subject.owner

    def field_specs(self) -> list[FieldSpec]:
        """Every field spec in the layout (for the columns they read)."""
        found: list[FieldSpec] = [self.kind]
        for extra in (self.event_id, self.duration_s, self.answered, self.direction):
            if extra is not None:
                found.append(extra)
        for party in (self.a, self.b, self.subject, self.other):
            if party is None:
                continue
            for spec in (party.number, party.imei, party.imsi, party.cell, party.cell_last):
                if spec is not None:
                    found.append(spec)
        return found

    def source_columns(self) -> list[str]:
        """The source columns this layout reads, in first-use order."""
        names = list(self.start.columns)
        names += [spec.column for spec in self.field_specs() if spec.column is not None]
        return list(dict.fromkeys(names))


def load_spec(path: Path) -> MappingSpec:
    """Read and validate a mapping spec from a YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read mapping spec: {exc}") from exc
    except RecursionError as exc:
        raise SpecError(f"{path}: cannot read mapping spec: nested too deeply") from exc
    return parse_spec(data, origin=str(path))


def parse_spec(data: object, *, origin: str) -> MappingSpec:
    """Validate an already-loaded spec (``origin`` names it in error messages)."""
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: a mapping spec is a YAML mapping of keys")
    try:
        return MappingSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SpecError(f"{origin}: invalid mapping spec: {problems}") from exc


def preset_names() -> list[str]:
    """Names of the layouts shipped with Fortress."""
    folder = resources.files("fortress.sources") / "layouts"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@cache
def preset(name: str) -> MappingSpec:
    """A shipped layout by name (``canonical``, ``operator-cdr``, ``handset-log``)."""
    if name not in preset_names():
        known = ", ".join(preset_names())
        raise SpecError(f"unknown layout {name!r}; shipped layouts: {known}")
    text = (resources.files("fortress.sources") / "layouts" / f"{name}.yaml").read_text("utf-8")
    return parse_spec(yaml.safe_load(text), origin=f"layout {name}")
