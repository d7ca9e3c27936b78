"""Background jobs are kept in the workspace's ``jobs/`` folder, so that every process of
``fortress serve --workers N`` shows a job's page wherever the browser's request lands,
and a job whose process was killed shows as failed rather than running for ever."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

from fortress.server.jobs import GONE, PROGRESS_EVERY, Jobs, Report


def test_another_process_sees_a_job_progress_and_end(tmp_path: Path) -> None:
    runner, reader = Jobs(tmp_path), Jobs(tmp_path)  # each process has its own registry
    reported, release = threading.Event(), threading.Event()

    def work(report: Report) -> dict[str, Any]:
        time.sleep(PROGRESS_EVERY + 0.1)  # progress is written at most every PROGRESS_EVERY
        report(5, 10)
        reported.set()
        release.wait(30)
        return {"rows": 10}

    job = runner.submit("ingest", "comms events from drop.csv", "analyst", work)
    assert reported.wait(30)
    seen = reader.get(job.id)
    assert seen is not None and (seen.state, seen.done, seen.of) == ("running", 5, 10)
    assert [j.id for j in reader.recent()] == [job.id]
    release.set()
    runner.shutdown()
    ended = reader.get(job.id)
    assert ended is not None and (ended.state, ended.result) == ("done", {"rows": 10})
    assert ended.started_at is not None and ended.finished_at is not None
    assert not list(tmp_path.glob("*.partial"))


def test_a_job_whose_process_was_killed_shows_as_failed(tmp_path: Path) -> None:
    child = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from fortress.server.jobs import Jobs
        job = Jobs(Path({str(tmp_path)!r})).submit(
            "detection", "deal-line detection", "supervisor", lambda report: time.sleep(600))
        while not Path({str(tmp_path)!r}, job.id + ".json").read_text().count('"running"'):
            time.sleep(0.05)
        print(job.id, flush=True)
        time.sleep(600)
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    job_id = process.stdout.readline().strip()
    assert Jobs(tmp_path).get(job_id).state == "running"  # type: ignore[union-attr]
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    seen = Jobs(tmp_path).get(job_id)
    assert seen is not None and (seen.state, seen.error) == ("failed", GONE)


def test_an_unknown_or_foreign_file_is_no_job(tmp_path: Path) -> None:
    (tmp_path / "0123456789ab.json").write_text("not a job")
    jobs = Jobs(tmp_path)
    assert jobs.get("0123456789ab") is None and jobs.get("ba9876543210") is None
    assert jobs.recent() == []
