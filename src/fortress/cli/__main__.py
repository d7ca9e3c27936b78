"""``python -m fortress.cli``: the same as the ``fortress`` command."""

from fortress.cli.main import run

run()
