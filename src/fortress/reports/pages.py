"""What every report page shares: the templates (pages are written whole by
``store.workspace.write_atomically``)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape


def environment() -> Environment:
    """The reports' templates, HTML-escaped."""
    return Environment(
        loader=PackageLoader("fortress.reports", "templates"),
        autoescape=select_autoescape(["html"]),
    )
