"""Casework: users and roles, the access policy, and the tamper-evident audit log (and, to
come, operations, intelligence, public reports, safeguarding and retention)."""
