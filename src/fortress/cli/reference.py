"""Generate ``docs/cli.md`` from the command tree, so the reference never drifts.

``python -m fortress.cli.reference > docs/cli.md`` rewrites it; a test fails when the file
differs from what this module produces.
"""

from __future__ import annotations

from typing import Any

import typer

from fortress.cli.main import app

HEADER = (
    "# Command reference\n\n"
    "Generated from the code by `python -m fortress.cli.reference > docs/cli.md`; "
    "a test fails if it is out of date.\n"
)


def render_reference() -> str:
    """The whole command reference as Markdown."""
    root = typer.main.get_command(app)
    parts = [HEADER]
    parts += _render(root, "fortress")
    return "\n".join(parts)


def _render(command: Any, path: str) -> list[str]:
    """One command's section, then its sub-commands' (Typer's click-style objects)."""
    parts = [f"\n## `{path}`\n", (command.help or "").strip() + "\n"]
    options = [p for p in command.params if p.param_type_name == "option"]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    if arguments:
        parts.append(
            "Arguments: "
            + ", ".join(
                f"`{(a.name or '').upper()}`" + (f": {a.help}" if getattr(a, "help", None) else "")
                for a in arguments
            )
        )
        parts.append("")
    if options:
        parts.append("| option | default | meaning |\n|---|---|---|")
        for option in options:
            names = ", ".join(f"`{name}`" for name in option.opts + option.secondary_opts)
            default = "" if option.default in (None, False) else f"`{option.default}`"
            env = f" (env `{option.envvar}`)" if option.envvar else ""
            parts.append(f"| {names} | {default} | {(option.help or '').strip()}{env} |")
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            parts += _render(command.commands[name], f"{path} {name}")
    return parts


if __name__ == "__main__":
    print(render_reference(), end="")
