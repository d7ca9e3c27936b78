"""What every report page shares: the templates, and writing a page whole."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape


def environment() -> Environment:
    """The reports' templates, HTML-escaped."""
    return Environment(
        loader=PackageLoader("fortress.reports", "templates"),
        autoescape=select_autoescape(["html"]),
    )


def write_atomically(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` so that a reader sees the old file or the whole new one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
