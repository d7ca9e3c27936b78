"""Soak: the casework server under mixed load for a long time, on loopback only.

``fortress serve --workers 2`` runs as a process of its own over a detected simulated world
with casework. Client threads, each signed in as one person, send a mix of what analysts,
officers, a safeguarding partner, an auditor and the public do (weights in ``MIX``):
reads of lines, line pages, numbers, intelligence and referrals; intelligence, people and
referrals written; referrals updated by the partner; the audit log read; sessions opened
and closed; now and then a public report. Each waits a random think time (exponential,
mean ``--think-ms``) between requests, so the load is steady rather than flat out.

Every minute is a window: requests, errors, p50 and p95 latency, and the server's memory
(the resident set of its process group, sampled every 5 s). An error is any answer not
expected of the request (a 5xx, a refusal, a dropped connection). After the load the
server is stopped and the records are checked: the audit chain verifies, every
acknowledged write is there once, and every record created and every intelligence report
read has its audit entry.

Stability is judged on the run after its first ``WARM_UP_MINUTES`` (caches fill, pools
open): memory is stable when the least-squares line through the memory samples grows by
less than 10 % of the mean over that time; latency is stable when the p95 of the last third
of the windows is within 1.5 times that of the first third. Both thresholds were fixed
before the first run.

Quick mode runs in CI (``test_soak.py``, 40 seconds, checked for errors and the records;
too short to judge stability); the long mode is run by hand and writes the table of
``docs/reliability.md``::

    .venv/bin/python tests/reliability/soak.py --minutes 30
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

FORTRESS = str(Path(sys.executable).with_name("fortress"))
RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "a long enough soak test password"
AGENCIES = ("Children's Services", "Treatment service")
PEOPLE = {"ann": "analyst", "oli": "officer", "sue": "supervisor", "aud": "auditor",
          "cs": "safeguarding_partner", "ts": "safeguarding_partner"}  # fmt: skip
WARM_UP_MINUTES = 2
PUBLIC_REPORT_EVERY_S = 400.0  # under the form's limit (10 an hour from one address)


@dataclass(frozen=True)
class Answer:
    """A response: its status and body."""

    status_code: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP/1.1 connection to the server, as a browser or script holds."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        where = urlsplit(base)
        self._host, self._port, self._timeout = where.hostname or "", where.port, timeout
        self._connection: http.client.HTTPConnection | None = None
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json_body: Any = None, form: dict[str, str] | None = None) -> Answer:  # fmt: skip
        """Send one request (reconnecting once if the kept connection was closed)."""
        if params:
            path = f"{path}?{urlencode(params)}"
        headers = dict(self.headers)
        body: bytes | None = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port,
                                                              timeout=self._timeout)  # fmt: skip
            try:
                self._connection.request(method, path, body=body, headers=headers)
                answer = self._connection.getresponse()
                return Answer(answer.status, answer.read())
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # an idle connection the server closed: once more, afresh
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None, data: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, json_body=json, form=data)

    def patch(self, path: str, json: Any) -> Answer:
        return self.request("PATCH", path, json_body=json)

    def delete(self, path: str) -> Answer:
        return self.request("DELETE", path)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class Window:
    """One minute of the run."""

    minute: int
    requests: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    rss_mb: float = 0.0


@dataclass
class Outcome:
    """What the soak found."""

    database: str
    minutes: float
    clients: int
    think_ms: float
    requests: int
    errors: int
    error_kinds: dict[str, int]
    by_kind: dict[str, int]
    windows: list[Window]
    memory_growth_pct: float
    p95_first_ms: float
    p95_last_ms: float
    memory_stable: bool
    latency_stable: bool
    acknowledged_writes: int
    writes_lost: int
    writes_duplicated: int
    chain_verified: bool
    unaudited: list[str] = field(default_factory=list)

    @property
    def judged(self) -> bool:
        """Whether the run was long enough to judge stability on."""
        return len(self.windows) >= WARM_UP_MINUTES + 6


# --- the world and the server ------------------------------------------------------------


def prepare(folder: Path, seed: int, database_url: str | None, server_role: str | None) -> None:
    """A detected demo world in ``folder`` with casework and one user per person in
    ``PEOPLE``; ``server_role`` given its rights (PostgreSQL)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for helpers
    from fortress.casework.db import grant_server_role, migrate
    from fortress.casework.users import add_user
    from fortress.comms.lines import run_detection
    from helpers.worlds import ingest_world

    workspace = ingest_world(folder, seed, database_url=database_url).workspace
    run_detection(workspace)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        for name, role in PEOPLE.items():
            agency = AGENCIES[name == "ts"] if role == "safeguarding_partner" else None
            add_user(session, name, role, PASSWORD, agency=agency, actor="soak")
    if server_role:
        grant_server_role(workspace.engine, server_role)
    workspace.engine.dispose()


class Server:
    """``fortress serve --workers 2`` in a process group of its own."""

    def __init__(self, root: Path, database_url: str | None, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ}
        if database_url:
            env["FORTRESS_DATABASE_URL"] = database_url
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [FORTRESS, "--workspace", str(root), "serve", "--port", str(self.port),
             "--workers", "2"],
            stdout=self._log, stderr=self._log, env=env, start_new_session=True,
        )  # fmt: skip
        for _ in range(600):
            try:
                with Client(self.base, timeout=2) as probe:
                    if probe.get("/signin").status_code == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server never answered (its log: {log})")

    def rss_mb(self) -> float:
        """The resident memory of the server's process group."""
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[2]) != self.process.pid:  # its group
                    continue
                status = (entry / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        """Stop it as a person would (SIGINT), waiting for it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


# --- the load ------------------------------------------------------------------------------


@dataclass
class Shared:
    """What the clients learn and leave for the check afterwards."""

    lines: list[str]
    numbers: list[str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    intelligence: dict[str, int] = field(default_factory=dict)  # text -> id
    people: dict[str, int] = field(default_factory=dict)  # name -> id
    referrals: dict[str, str] = field(default_factory=dict)  # reference -> agency
    read_ids: set[int] = field(default_factory=set)
    public_reports: int = 0


Request = Callable[[Client, Shared, random.Random], Answer]


def _token(client: Client, name: str) -> str:
    answer = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    if answer.status_code != 200:
        raise RuntimeError(f"{name} could not sign in: {answer.status_code} {answer.body!r}")
    return str(answer.json()["token"])


def _grade() -> dict[str, str]:
    return {"source_evaluation": "2", "assessment": "B", "handling_code": "P"}


def write_intelligence(client: Client, shared: Shared, rng: random.Random) -> Answer:
    text = f"soak report {rng.getrandbits(64):016x}: a runner seen at the station"
    body = {"text": text, "grade": _grade(),
            "links": [{"type": "phone", "value": rng.choice(shared.numbers)}]}  # fmt: skip
    answer = client.post("/api/v1/intelligence", json=body)
    if answer.status_code == 201:
        with shared.lock:
            shared.intelligence[text] = int(answer.json()["id"])
    return answer


def read_intelligence(client: Client, shared: Shared, rng: random.Random) -> Answer:
    with shared.lock:
        known = list(shared.intelligence.values())
    if not known:
        return write_intelligence(client, shared, rng)
    chosen = rng.choice(known)
    answer = client.get(f"/api/v1/intelligence/{chosen}")
    if answer.status_code == 200:
        with shared.lock:
            shared.read_ids.add(chosen)
    return answer


def search_intelligence(client: Client, shared: Shared, rng: random.Random) -> Answer:
    number = rng.choice(shared.numbers)
    return client.get("/api/v1/intelligence", params={"phone": number, "limit": 50})


def list_lines(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get("/api/v1/lines", params={"limit": 50})


def read_line(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get(f"/api/v1/lines/{rng.choice(shared.lines)}")


def line_page(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get(f"/app/lines/{rng.choice(shared.lines)}")


def read_number(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get(f"/api/v1/numbers/{rng.choice(shared.numbers)}")


def me(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get("/api/v1/me")


def refer(client: Client, shared: Shared, rng: random.Random) -> Answer:
    name = f"Soak Person {rng.getrandbits(48):012x}"
    made = client.post("/api/v1/people", json={"name": name, "victim": "child"})
    if made.status_code != 201:
        return made
    person = int(made.json()["id"])
    with shared.lock:
        shared.people[name] = person
    agency = rng.choice(AGENCIES)
    answer = client.post("/api/v1/referrals", json={"person_id": person, "agency": agency,
                                                    "reason": "exploited"})  # fmt: skip
    if answer.status_code == 201:
        with shared.lock:
            shared.referrals[answer.json()["reference"]] = agency
    return answer


def partner_reads(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get("/api/v1/referrals", params={"limit": 50})


def partner_updates(client: Client, shared: Shared, rng: random.Random) -> Answer:
    agency = client.headers["x-soak-agency"]
    with shared.lock:
        mine = [ref for ref, to in shared.referrals.items() if to == agency]
    if not mine:
        return partner_reads(client, shared, rng)
    return client.patch(f"/api/v1/referrals/{rng.choice(mine)}", json={"status": "accepted"})


def read_audit(client: Client, shared: Shared, rng: random.Random) -> Answer:
    return client.get("/api/v1/audit", params={"after": 0})


MIX: dict[str, tuple[str, Request, int]] = {
    "lines list": ("ann", list_lines, 12),
    "line read": ("ann", read_line, 10),
    "line page": ("ann", line_page, 6),
    "number read": ("ann", read_number, 8),
    "intelligence write": ("oli", write_intelligence, 12),
    "intelligence read": ("ann", read_intelligence, 14),
    "intelligence search": ("sue", search_intelligence, 10),
    "me": ("sue", me, 8),
    "person and referral": ("oli", refer, 4),
    "partner reads": ("cs", partner_reads, 6),
    "partner updates": ("ts", partner_updates, 3),
    "audit read": ("aud", read_audit, 1),
}
"""Each kind of request: who sends it, how, and its weight in the mix."""


def _session_churn(base: str) -> Answer:
    """Sign in afresh and sign out (a session's whole life)."""
    with Client(base) as client:
        client.headers["Authorization"] = f"Bearer {_token(client, 'ann')}"
        return client.delete("/api/v1/session")


def _public_report(base: str, rng: random.Random) -> Answer:
    form = {"category": "cuckooing", "description": "A flat with visitors at every hour, "
            f"day and night, for weeks now ({rng.getrandbits(32):08x})"}  # fmt: skip
    with Client(base) as client:
        return client.post("/report", data=form)


@dataclass
class Tally:
    """Every answer's latency and outcome, by the second it was sent in."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[tuple[float, float, bool]] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    error_kinds: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, started: float, seconds: float, failed: str | None) -> None:
        with self.lock:
            self.samples.append((started, seconds, failed is not None))
            self.by_kind[kind] += 1
            if failed is not None:
                self.error_kinds[f"{kind}: {failed}"] += 1


def _client_loop(base: str, shared: Shared, tally: Tally, seed: int, stop: threading.Event,
                 think_ms: float, tokens: dict[str, str]) -> None:  # fmt: skip
    rng = random.Random(seed)
    clients: dict[str, Client] = {}
    kinds = list(MIX)
    weights = [MIX[kind][2] for kind in kinds]
    try:
        for name, token in tokens.items():  # each client a tab of each person's session
            client = Client(base)
            client.headers["Authorization"] = f"Bearer {token}"
            if PEOPLE[name] == "safeguarding_partner":
                client.headers["x-soak-agency"] = AGENCIES[name == "ts"]
            clients[name] = client
        while not stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            who, send, _ = MIX[kind]
            if rng.random() < 0.005:
                kind, call = "session churn", functools.partial(_session_churn, base)
            else:
                call = functools.partial(send, clients[who], shared, rng)
            _timed(tally, kind, call)
            stop.wait(rng.expovariate(1000 / think_ms) if think_ms > 0 else 0)
    finally:
        for client in clients.values():
            client.close()


def _timed(tally: Tally, kind: str, call: Callable[[], Answer]) -> None:
    started = time.monotonic()
    try:
        answer = call()
        failed = None if answer.status_code < 300 else f"HTTP {answer.status_code}"
    except (OSError, http.client.HTTPException) as exc:
        failed = type(exc).__name__
    tally.add(kind, started, time.monotonic() - started, failed)


def _facts(base: str) -> tuple[list[str], list[str]]:
    """The lines of the latest run and their numbers."""
    with Client(base, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {_token(client, 'ann')}"
        listed = client.get("/api/v1/lines", params={"limit": 1000}).json()["lines"]
    lines = [entry["status"]["line_id"] for entry in listed]
    numbers = sorted({number for entry in listed for number in entry["line"]["numbers"]})
    if not lines:
        raise RuntimeError("the world has no detected lines to read")
    return lines, numbers


def load(server: Server, seconds: float, clients: int, think_ms: float, seed: int,
         ) -> tuple[Shared, Tally, list[tuple[float, float]], float]:  # fmt: skip
    """Run the mix for ``seconds``; what was written, every answer, memory samples (time,
    MB) and when the load began."""
    lines, numbers = _facts(server.base)
    with Client(server.base) as signing_in:  # one after another, as people arrive
        tokens = {name: _token(signing_in, name) for name in sorted({w for w, _, _ in
                                                                      MIX.values()})}  # fmt: skip
    shared, tally, stop = Shared(lines, numbers), Tally(), threading.Event()
    began = time.monotonic()
    threads = [threading.Thread(target=_client_loop, daemon=True,
                                args=(server.base, shared, tally, seed * 100 + i, stop,
                                      think_ms, tokens))
               for i in range(clients)]  # fmt: skip
    for thread in threads:
        thread.start()
    memory: list[tuple[float, float]] = []
    rng = random.Random(seed)
    next_report = began + rng.uniform(5, PUBLIC_REPORT_EVERY_S)
    while (now := time.monotonic()) < began + seconds:
        memory.append((now - began, server.rss_mb()))
        if now >= next_report:
            _timed(tally, "public report", lambda: _public_report(server.base, rng))
            shared.public_reports += 1
            next_report = now + PUBLIC_REPORT_EVERY_S
        time.sleep(min(5.0, max(0.0, began + seconds - now)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    memory.append((time.monotonic() - began, server.rss_mb()))
    return shared, tally, memory, began


# --- judging and checking ------------------------------------------------------------------


def windows(tally: Tally, memory: list[tuple[float, float]], began: float) -> list[Window]:
    """The run minute by minute."""
    by_minute: dict[int, list[tuple[float, bool]]] = {}
    for started, seconds, failed in tally.samples:
        by_minute.setdefault(int((started - began) // 60), []).append((seconds, failed))
    found = []
    for minute in sorted(by_minute):
        latencies = sorted(s for s, _ in by_minute[minute])
        rss = [mb for at, mb in memory if minute * 60 <= at < (minute + 1) * 60]
        found.append(Window(
            minute=minute, requests=len(latencies),
            errors=sum(failed for _, failed in by_minute[minute]),
            p50_ms=round(_quantile(latencies, 0.50) * 1000, 1),
            p95_ms=round(_quantile(latencies, 0.95) * 1000, 1),
            rss_mb=round(statistics.fmean(rss), 1) if rss else 0.0,
        ))  # fmt: skip
    return found


def _quantile(ordered: list[float], q: float) -> float:
    """The nearest-rank quantile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def memory_growth_pct(memory: list[tuple[float, float]]) -> float:
    """How much the least-squares line through the samples after the warm-up rises over
    that time, as a percentage of their mean."""
    kept = [(at, mb) for at, mb in memory if at >= WARM_UP_MINUTES * 60]
    if len(kept) < 3:
        return 0.0
    slope = statistics.linear_regression([a for a, _ in kept], [m for _, m in kept]).slope
    span = kept[-1][0] - kept[0][0]
    return round(100 * slope * span / statistics.fmean(m for _, m in kept), 2)


def p95_thirds(tally: Tally, began: float, seconds: float) -> tuple[float, float]:
    """The p95 latency (ms) of the first and last thirds of the run after its warm-up."""
    start = WARM_UP_MINUTES * 60
    third = (seconds - start) / 3
    first = sorted(s for t, s, _ in tally.samples if start <= t - began < start + third)
    last = sorted(s for t, s, _ in tally.samples if t - began >= seconds - third)
    if not first or not last:
        return 0.0, 0.0
    return (round(_quantile(first, 0.95) * 1000, 1), round(_quantile(last, 0.95) * 1000, 1))


@dataclass
class Checked:
    """The records after the soak."""

    chain_verified: bool
    lost: int
    duplicated: int
    unaudited: list[str]


def check_records(root: Path, database_url: str | None, shared: Shared) -> Checked:
    """The audit chain, every acknowledged write once, and every record made and read with
    its audit entry."""
    from sqlalchemy import select

    from fortress.casework import audit
    from fortress.casework.models import AuditEntry, Intelligence, Person, Referral
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root, database_url=database_url, create=False)
    try:
        with workspace.sessions() as session:
            verified = audit.verify(session).ok
            texts = Counter(session.scalars(select(Intelligence.text)))
            names = Counter(session.scalars(select(Person.name)))
            references = Counter(session.scalars(select(Referral.reference)))
            entries = session.execute(
                select(AuditEntry.action, AuditEntry.record_type, AuditEntry.record_ids)
            ).all()
            referral_ids = dict(session.execute(select(Referral.reference, Referral.id)).all())
    finally:
        workspace.engine.dispose()
    audited: dict[tuple[str, str], set[str]] = {}
    for action, record_type, ids in entries:
        audited.setdefault((action, record_type), set()).update(map(str, json.loads(ids)))
    lost = sum(1 for t in shared.intelligence if not texts[t])
    lost += sum(1 for n in shared.people if not names[n])
    lost += sum(1 for r in shared.referrals if not references[r])
    duplicated = sum(c - 1 for counter in (texts, names, references) for c in counter.values())
    expected = [
        (("collection", "intelligence"), "made", shared.intelligence.values()),
        (("collection", "person"), "made", shared.people.values()),
        (("collection", "referral"), "made", [referral_ids.get(r) for r in shared.referrals]),
        (("consultation", "intelligence"), "read", sorted(shared.read_ids)),
    ]
    unaudited = [
        f"{kind[1]} {record_id} {verb}"
        for kind, verb, record_ids in expected
        for record_id in record_ids
        if str(record_id) not in audited.get(kind, set())
    ]
    return Checked(verified, lost, duplicated, unaudited)


def soak(folder: Path, minutes: float, *, clients: int = 6, think_ms: float = 100,
         seed: int = 19, database_url: str | None = None,
         server_role: str | None = None) -> Outcome:  # fmt: skip
    """Prepare a world in ``folder``, serve it (on PostgreSQL as ``server_role``), load
    it for ``minutes`` and check it."""
    root = folder / "ws"
    prepare(folder, seed, database_url, server_role)
    from helpers.postgres import as_role  # on the path once prepare() has run

    served_by = as_role(database_url, server_role) if database_url and server_role else database_url
    server = Server(root, served_by, folder / "server.log")
    seconds = minutes * 60
    try:
        shared, tally, memory, began = load(server, seconds, clients, think_ms, seed)
    finally:
        server.stop()
    checked = check_records(root, database_url, shared)
    first, last = p95_thirds(tally, began, seconds)
    growth = memory_growth_pct(memory)
    errors = sum(failed for _, _, failed in tally.samples)
    return Outcome(
        database="postgresql" if database_url else "sqlite", minutes=minutes,
        clients=clients, think_ms=think_ms, requests=len(tally.samples), errors=errors,
        error_kinds=dict(tally.error_kinds), by_kind=dict(tally.by_kind),
        windows=windows(tally, memory, began), memory_growth_pct=growth,
        p95_first_ms=first, p95_last_ms=last, memory_stable=abs(growth) < 10,
        latency_stable=last <= 1.5 * first,
        acknowledged_writes=len(shared.intelligence) + len(shared.people)
        + len(shared.referrals),
        writes_lost=checked.lost, writes_duplicated=checked.duplicated,
        chain_verified=checked.chain_verified, unaudited=checked.unaudited,
    )  # fmt: skip


def table(outcome: Outcome) -> str:
    """The Markdown table of ``docs/reliability.md``."""
    w = outcome.windows
    marks = sorted({0, WARM_UP_MINUTES, len(w) // 2, len(w) - 1})
    rows = ["| minute | requests | errors | p50 ms | p95 ms | server memory MB |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    rows += [f"| {w[i].minute + 1} | {w[i].requests:,} | {w[i].errors} | {w[i].p50_ms} | "
             f"{w[i].p95_ms} | {w[i].rss_mb} |" for i in marks if i < len(w)]  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    """The long mode: soak, write the results, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--think-ms", type=float, default=100)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL for the records, as the role that owns them (an empty schema)",
    )
    parser.add_argument(
        "--server-role",
        help="with --database-url: the role the server "
        "connects as, given its rights by casework grant-server",
    )
    parser.add_argument("--folder", type=Path, default=Path("/tmp/fortress-soak"))
    given = parser.parse_args()
    given.folder.mkdir(parents=True, exist_ok=True)
    outcome = soak(given.folder, given.minutes, clients=given.clients, think_ms=given.think_ms,
                   seed=given.seed, database_url=given.database_url,
                   server_role=given.server_role)  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = asdict(outcome)
    (RESULTS / f"soak-{outcome.database}.json").write_text(json.dumps(found, indent=1))
    print(table(outcome))
    print(json.dumps({k: v for k, v in found.items() if k != "windows"}, indent=1))


if __name__ == "__main__":
    main()
