"""``fortress serve`` as a real process over a test's workspace."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fortress.store.workspace import Workspace


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fortress_serve(workspace: Workspace, *options: str, log: Path | None = None) -> Iterator[str]:
    """``fortress serve`` over ``workspace`` (and its PostgreSQL database, if it has one)
    on a free loopback port until the block ends: the base address. Its standard error
    goes to ``log`` when given."""
    port = free_port()
    url = workspace.engine.url.render_as_string(hide_password=False)
    command = [str(Path(sys.executable).with_name("fortress")), "--workspace", str(workspace.root),
               "serve", "--host", "127.0.0.1", "--port", str(port), *options]  # fmt: skip
    env = {**os.environ, "FORTRESS_DATABASE_URL": url} if url.startswith("postgres") else None
    base = f"http://127.0.0.1:{port}"
    with open(log or os.devnull, "wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=sink, env=env)
        try:
            _wait_for(f"{base}/signin", server)
            yield base
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"fortress serve stopped with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"fortress serve did not answer at {url}")
