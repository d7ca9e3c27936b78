"""Generate ``docs/cli.md`` from the command tree, so the reference never drifts.

``python -m fortress.cli.reference > docs/cli.md`` rewrites it; a test fails when the file
differs from what this module produces.
"""

from __future__ import annotations

import click
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


def _render(command: click.Command, path: str) -> list[str]:
    parts = [f"\n## `{path}`\n", (command.help or "").strip() + "\n"]
    options = [p for p in command.params if isinstance(p, click.Option)]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        parts.append("Arguments: " + ", ".join(f"`{a.human_readable_name}`" for a in arguments))
        parts.append("")
    if options:
        parts.append("| option | default | meaning |\n|---|---|---|")
        for option in options:
            names = ", ".join(f"`{name}`" for name in option.opts + option.secondary_opts)
            default = "" if option.default in (None, False) else f"`{option.default}`"
            env = f" (env `{option.envvar}`)" if option.envvar else ""
            parts.append(f"| {names} | {default} | {(option.help or '').strip()}{env} |")
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            parts += _render(command.commands[name], f"{path} {name}")
    return parts


if __name__ == "__main__":
    print(render_reference(), end="")
