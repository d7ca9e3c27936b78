"""Ingest services: read a source file, normalise it, and publish it to the workspace
atomically, with provenance and a rejects file."""
