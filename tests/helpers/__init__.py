"""Helpers shared by several test folders (importable thanks to pytest's pythonpath)."""
