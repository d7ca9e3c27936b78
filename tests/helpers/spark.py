"""What the Spark parity tests need, and a clear skip (or, in CI, a failure) without it."""

from __future__ import annotations

import os
import shutil

import pytest


def require_spark() -> None:
    """Skip unless PySpark and a Java runtime are installed; in CI, fail instead."""
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark")
    if shutil.which("java") is None:
        missing.append("a Java runtime")
    if missing:
        message = f"{' and '.join(missing)} not installed (scripts/test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
