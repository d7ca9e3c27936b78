"""What the Spark parity tests need, and a clear skip (or, in CI, a failure) without it."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from fortress.store.cluster import LOOPBACK


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


def free_port() -> int:
    """A loopback port nothing listens on now (for a cluster's master and status page)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def stop_spark_session() -> None:
    """End this process's Spark session, if any (Fortress's detection leaves it open), so
    that the next one starts where the environment then says."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
