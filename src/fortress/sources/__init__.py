"""Readers for external formats: comms layouts (via mapping specs) and cell sites."""
