"""``fortress basemap``: the force's own street map, served by ``fortress serve`` offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fortress.cli.common import JsonOption, fail, open_workspace, print_json

if TYPE_CHECKING:
    from fortress.maps.basemap import Basemap

basemap_app = typer.Typer(
    help="The workspace's basemap: vector tiles from the force's own map data.",
    no_args_is_help=True,
)


@basemap_app.command("add")
def basemap_add_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="An OSM extract (.osm.pbf), GeoJSON layers (a .geojson file or a folder of "
            "them, one layer each) or a tileset (.pmtiles, .mbtiles)."
        ),
    ],
    credit: Annotated[
        str | None,
        typer.Option(
            help="The data's credit line, shown on every map (required unless a "
            "tileset's metadata carries its attribution)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build the workspace's basemap from SOURCE, replacing the one before it."""
    from fortress.maps.basemap import BasemapError, add_basemap

    workspace = open_workspace(create=True)
    try:
        made = add_basemap(workspace.root, source, credit)
    except (BasemapError, ValueError) as exc:
        fail(str(exc))
    _print(made, as_json, "Basemap added")


@basemap_app.command("show")
def basemap_show_command(as_json: JsonOption = False) -> None:
    """The workspace's basemap: its source, credit, area, zooms and layers."""
    from fortress.maps.basemap import current_basemap

    found = current_basemap(open_workspace().root)
    if found is None:
        fail("this workspace has no basemap (fortress basemap add FILE)", code=1)
    _print(found, as_json, "Basemap")


@basemap_app.command("remove")
def basemap_remove_command() -> None:
    """Remove the workspace's basemap (maps then draw the workspace's own layers only)."""
    from fortress.maps.basemap import remove_basemap

    if not remove_basemap(open_workspace().root):
        fail("this workspace has no basemap", code=1)
    typer.echo("Basemap removed.")


def _print(basemap: Basemap, as_json: bool, title: str) -> None:
    from rich.table import Table

    from fortress.cli.render import console

    if as_json:
        print_json(basemap.to_dict())
        return
    table = Table(title=title, show_header=False)
    table.add_column("what", no_wrap=True)
    table.add_column("value", overflow="fold")
    west, south, east, north = basemap.bounds
    for label, value in (
        ("source", basemap.source_file),
        ("sha256", basemap.source_sha256),
        ("credit", basemap.credit),
        ("area", f"longitude {west:.4f} to {east:.4f}, latitude {south:.4f} to {north:.4f}"),
        ("zooms", f"{basemap.min_zoom} to {basemap.max_zoom}"),
        ("layers", ", ".join(f"{x.name} ({x.geometry or 'any'})" for x in basemap.layers)),
        ("tiles", f"{basemap.tiles} ({basemap.tiles.stat().st_size:,} bytes)"),
        ("added", basemap.added_at),
    ):
        table.add_row(label, value)
    console.print(table)
