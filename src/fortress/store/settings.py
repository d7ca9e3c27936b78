"""Where a workspace and its record database are named outside the code: the environment
variables that the CLI's ``--workspace`` / ``--database-url`` read and that a worker of
``fortress serve --workers N`` is handed (one definition for both shells)."""

from pathlib import Path

WORKSPACE_ENV = "FORTRESS_WORKSPACE"
DATABASE_ENV = "FORTRESS_DATABASE_URL"
DEFAULT_WORKSPACE = Path("fortress-workspace")
