"""Fortress: an open intelligence platform against county-lines drug networks."""

__version__ = "0.1.0"
