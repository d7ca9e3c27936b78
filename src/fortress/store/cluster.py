"""A Spark standalone cluster on this machine's loopback, started from PySpark's own files.

``fortress cluster start`` runs a master and workers as Java processes (PySpark's
``bin/spark-class``, no download), each in its own session so that it outlives the
command, and writes what it started to ``cluster.json`` in the cluster's folder; ``status``
reads that file and asks the master's status page which workers are alive; ``stop`` ends
the processes it names. Fortress uses the cluster when ``FORTRESS_SPARK_MASTER`` names it
(``store.events.connect``); an existing cluster elsewhere is used the same way, without
this module.

Everything listens on 127.0.0.1 only: the cluster runs whatever a connected driver sends
it, so it must never be reachable from another machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from fortress.store.workspace import write_atomically

LOOPBACK = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
STATE = "cluster.json"
FOLDER_ENV = "FORTRESS_CLUSTER_DIR"
START_TIMEOUT_S = 90.0
"""How long a master or its workers may take to come up (a JVM each)."""
STOP_TIMEOUT_S = 30.0
"""How long a process has to end after SIGTERM before it is killed."""


class ClusterError(Exception):
    """The cluster cannot be started, read or stopped; the message says why."""


@dataclass(frozen=True, slots=True)
class ClusterProcess:
    """One Java process of the cluster."""

    role: str
    """``master`` or ``worker``."""
    pid: int
    log: str
    """Its standard output and errors."""


@dataclass(frozen=True, slots=True)
class ClusterState:
    """What ``start_cluster`` started (``cluster.json``)."""

    master_url: str
    status_url: str
    """The master's status page (``/json/`` gives it as JSON)."""
    cores_per_worker: int
    memory_per_worker: str
    processes: list[ClusterProcess]
    started_at: str


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """A worker as the master sees it."""

    worker_id: str
    state: str
    """``ALIVE``, ``DEAD``, ``DECOMMISSIONED`` ..."""
    cores: int
    cores_used: int
    memory_mb: int
    memory_used_mb: int


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """The cluster of a folder: whether it runs, and what its master reports."""

    folder: str
    running: bool
    """The master answers."""
    master_url: str | None = None
    status_url: str | None = None
    processes_alive: int = 0
    processes_started: int = 0
    workers: list[WorkerStatus] = field(default_factory=list)
    applications: list[str] = field(default_factory=list)
    """The applications running on it (a Fortress session is ``fortress``)."""
    applications_finished: int = 0
    """Applications that ran on it and ended since it started."""
    problem: str | None = None
    """Why it is not running, or what is wrong with it."""

    @property
    def alive_workers(self) -> int:
        """Workers the master counts as alive."""
        return sum(1 for w in self.workers if w.state == "ALIVE")

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON-ready values."""
        return {**asdict(self), "alive_workers": self.alive_workers}


def default_folder() -> Path:
    """Where the cluster's state and logs live: ``FORTRESS_CLUSTER_DIR``, else
    ``$XDG_STATE_HOME/fortress/cluster`` (``~/.local/state/fortress/cluster``)."""
    if os.environ.get(FOLDER_ENV):
        return Path(os.environ[FOLDER_ENV])
    state_home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state_home) / "fortress" / "cluster"


def start_cluster(
    folder: Path,
    workers: int = 2,
    cores_per_worker: int = 1,
    memory_per_worker: str = "2g",
    port: int = 7077,
    status_port: int = 8080,
) -> ClusterStatus:
    """Start a master and ``workers`` workers on the loopback; wait until the master
    counts every worker alive. Refused while the folder's cluster runs; on failure,
    whatever was started is stopped again and the error names the log to read."""
    if workers < 1 or cores_per_worker < 1:
        raise ClusterError("a cluster needs at least one worker with at least one core")
    if not re.fullmatch(r"[1-9][0-9]*[mMgGtT]", memory_per_worker):
        raise ClusterError(f"memory per worker {memory_per_worker!r} is not a size like 2g or 512m")
    if cluster_status(folder).processes_alive:
        raise ClusterError(f"a cluster started from {folder} is running: stop it first")
    spark_class = _spark_class()
    for wanted in (port, status_port):
        _check_free(wanted)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClusterError(f"the folder {folder} cannot be made ({exc.strerror})") from exc
    state = ClusterState(
        master_url=f"spark://{LOOPBACK}:{port}",
        status_url=f"http://{LOOPBACK}:{status_port}",
        cores_per_worker=cores_per_worker,
        memory_per_worker=memory_per_worker,
        processes=[],
        started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    started: list[Launched] = []

    def launch(name: str, command: list[str], role: str) -> None:
        started.append(_launch(folder, name, [spark_class, *command], role))
        # Saved at once: a start killed half-way leaves processes that ``stop`` finds.
        state.processes.append(started[-1].process)
        write_atomically(folder / STATE, json.dumps(asdict(state), indent=2))

    try:
        master = [MASTER_CLASS, "--host", LOOPBACK, "--port", str(port)]
        launch("master", [*master, "--webui-port", str(status_port)], "master")
        _wait_for(state.status_url, started, lambda page: page.get("status") == "ALIVE", "master")
        sizes = ["--cores", str(cores_per_worker), "--memory", memory_per_worker]
        for name in (f"worker-{k + 1}" for k in range(workers)):
            worker = [WORKER_CLASS, "--host", LOOPBACK, "--webui-port", "0"]
            launch(
                name,
                [*worker, "--work-dir", str(folder / name), *sizes, state.master_url],
                "worker",
            )
        _wait_for(
            state.status_url,
            started,
            lambda page: int(page.get("aliveworkers", 0)) >= workers,
            f"{workers} workers",
        )
    except BaseException:
        _end(state.processes)
        (folder / STATE).unlink(missing_ok=True)
        raise
    return cluster_status(folder)


def cluster_status(folder: Path) -> ClusterStatus:
    """The folder's cluster: its processes that still run and the master's report."""
    state = _state(folder)
    if state is None:
        return ClusterStatus(str(folder), False, problem="no cluster was started from here")
    alive = [p for p in state.processes if _is_running(p)]
    status = ClusterStatus(
        str(folder),
        False,
        state.master_url,
        state.status_url,
        processes_alive=len(alive),
        processes_started=len(state.processes),
    )
    try:
        page = _status_page(state.status_url)
    except ClusterError as exc:
        return replace(status, problem=str(exc))
    workers = [
        WorkerStatus(
            worker_id=str(w.get("id")),
            state=str(w.get("state")),
            cores=int(w.get("cores", 0)),
            cores_used=int(w.get("coresused", 0)),
            memory_mb=int(w.get("memory", 0)),
            memory_used_mb=int(w.get("memoryused", 0)),
        )
        for w in page.get("workers", [])
    ]
    apps = [str(a.get("name")) for a in page.get("activeapps", [])]
    finished = len(page.get("completedapps", []))
    missing = len(state.processes) - len(alive)
    problem = f"{missing} of its processes ended (see their logs)" if missing else None
    running = page.get("status") == "ALIVE"
    return replace(
        status,
        running=running,
        workers=workers,
        applications=apps,
        applications_finished=finished,
        problem=problem,
    )


def stop_cluster(folder: Path) -> int:
    """Stop the processes of the folder's cluster (workers first); returns how many were
    running. The state file is removed; the logs stay."""
    state = _state(folder)
    if state is None:
        raise ClusterError(f"no cluster was started from {folder}")
    running = [p for p in state.processes if _is_running(p)]
    _end(list(state.processes))
    (folder / STATE).unlink(missing_ok=True)
    return len(running)


def _spark_class() -> str:
    """PySpark's ``bin/spark-class``, with a Java runtime to run it."""
    try:
        import pyspark
    except ImportError as exc:
        raise ClusterError("a cluster needs PySpark: pip install 'fortress[spark]'") from exc
    if shutil.which("java") is None:
        raise ClusterError("a cluster needs a Java runtime (Debian: default-jre-headless)")
    path = Path(pyspark.__file__).parent / "bin" / "spark-class"
    if not path.exists():
        raise ClusterError(f"PySpark's {path} is missing: reinstall PySpark")
    return str(path)


def _check_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the JVM binds: closed connections lingering in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as exc:
            raise ClusterError(
                f"port {port} on {LOOPBACK} is in use ({exc.strerror}): choose another"
            ) from exc


@dataclass(frozen=True, slots=True)
class Launched:
    """A process this one started: its record, and its handle for knowing it ended."""

    process: ClusterProcess
    handle: subprocess.Popen[bytes]


def _launch(folder: Path, name: str, command: list[str], role: str) -> Launched:
    """Start ``command`` in a session of its own, output to ``<name>.log``."""
    import pyspark

    log = folder / f"{name}.log"
    env = {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "SPARK_LOCAL_IP": LOOPBACK,
        "PYSPARK_PYTHON": sys.executable,  # executors run this Python for Python code
        # No REST submission server: it would take jobs from anyone on the machine.
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return Launched(ClusterProcess(role, process.pid, str(log)), process)


def _wait_for(
    status_url: str,
    started: list[Launched],
    ready: Callable[[dict[str, Any]], bool],
    what: str,
) -> None:
    """Poll the master's status page until ``ready(page)``; fail if a process ends."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for launched in started:
            if launched.handle.poll() is not None:
                process = launched.process
                raise ClusterError(
                    f"the {process.role} (pid {process.pid}) ended while starting; "
                    f"its log: {process.log}"
                )
        try:
            if ready(_status_page(status_url)):
                return
        except ClusterError:
            pass  # not listening yet
        time.sleep(0.5)
    logs = ", ".join(p.process.log for p in started)
    raise ClusterError(f"the {what} did not come up in {START_TIMEOUT_S:.0f} s; logs: {logs}")


def _status_page(status_url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"{status_url}/json/", timeout=5) as answer:
            page: dict[str, Any] = json.load(answer)
            return page
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ClusterError(f"the master at {status_url} does not answer ({exc})") from exc


def _is_running(process: ClusterProcess) -> bool:
    """The pid runs (not a zombie) and is still a Spark process, not a later process given
    its pid (while a process replaces its program its command line reads empty)."""
    try:
        stat = Path(f"/proc/{process.pid}/stat").read_text("utf-8")
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z" and (not command or b"org.apache.spark.deploy" in command)


def _end(processes: list[ClusterProcess]) -> None:
    """SIGTERM each process's session (workers first), then SIGKILL what is left."""
    ordered = sorted(processes, key=lambda p: p.role == "master")
    for process in ordered:
        if _is_running(process):
            _signal(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(_is_running(p) for p in ordered) and time.monotonic() < deadline:
        time.sleep(0.2)
    for process in ordered:
        if _is_running(process):
            _signal(process.pid, signal.SIGKILL)
    for process in ordered:
        _reap(process.pid)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _reap(pid: int) -> None:
    """Collect the exit of a process this one started (else it lingers as a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _state(folder: Path) -> ClusterState | None:
    path = folder / STATE
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text("utf-8"))
        processes = [ClusterProcess(**p) for p in raw.pop("processes")]
        return ClusterState(**raw, processes=processes)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ClusterError(f"{path} cannot be read ({exc}): remove it") from exc
