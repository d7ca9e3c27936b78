"""Alembic migrations of the workspace's record tables (``fortress.store.schema`` runs them)."""
