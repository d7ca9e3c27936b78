"""Progress is shown on a terminal, and never in output sent to a pipe or a file."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

WORK = """
import time
from fortress.cli.progress import working
with working("Counting the lines", steps=2) as shown:
    time.sleep(0.3)
    shown.step("Checking the sums")
    time.sleep(0.3)
print("done")
"""


def run_with_stderr_on(terminal: bool) -> tuple[str, str]:
    """Standard output and standard error of ``WORK``, with standard error on a
    pseudo-terminal or a pipe."""
    if not terminal:
        done = subprocess.run([sys.executable, "-c", WORK], capture_output=True, text=True)
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-c", WORK], stdout=subprocess.PIPE, stderr=follower, text=True
    ) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
        out = process.stdout.read() if process.stdout else ""
    os.close(leader)
    return out, shown.decode("utf-8", "replace")


def test_a_terminal_sees_each_step() -> None:
    out, err = run_with_stderr_on(terminal=True)
    assert out == "done\n"
    assert "Counting the lines" in err and "Checking the sums" in err
    assert "1/2" in err  # the bar counts the steps


def test_a_pipe_sees_nothing() -> None:
    out, err = run_with_stderr_on(terminal=False)
    assert (out, err) == ("done\n", "")
