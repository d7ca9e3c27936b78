"""Sharing between forces: hit / no-hit matching of numbers and IMEIs."""
