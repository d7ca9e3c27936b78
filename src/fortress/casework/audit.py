"""The audit log the Data Protection Act 2018 requires of law-enforcement processing
(Part 3, s.62): every collection, alteration, consultation, disclosure, combination and
erasure, with who, when and which records (ids, never content).

Append-only and hash-chained: each entry's SHA-256 covers its own fields and the previous
entry's hash, and a head row (the last sequence number and hash) is updated in the same
transaction; entries are chained as their transaction commits. ``verify`` recomputes the
chain: a modified entry breaks its own hash, a deleted or inserted one breaks the sequence
or the link, a reordering breaks the links, and a truncated tail leaves the head pointing
past the last entry. An act whose audit entry cannot be written fails with it (same
transaction).

A server's consultations (transactions that change no record) are chained by group commit
(``AuditSealer``): one thread writes every entry waiting in one transaction, and each
request answers only once its entry is committed, so a crash loses no answered request's
entry, and concurrent requests do not queue one by one on the head row.

Someone who can rewrite the whole database could rebuild a consistent chain and head. The
answer is an anchor kept elsewhere: ``anchor`` gives the head's sequence number and hash,
which ``fortress audit anchor`` appends to a file (to be copied off the machine, or kept on
write-once storage), and ``verify`` checks every anchored entry is still there unchanged.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import Engine, event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from fortress.casework.models import AuditEntry, AuditHead, PublicReport
from fortress.store.workspace import exclusive_lock, now_utc

Action = Literal["collection", "alteration", "consultation", "disclosure", "combination", "erasure"]
ACTIONS: tuple[Action, ...] = (
    "collection", "alteration", "consultation", "disclosure", "combination", "erasure",
)  # fmt: skip
SecurityAction = Literal["refusal", "sign-in failure", "sign-in", "sign-out"]
SECURITY_ACTIONS: tuple[SecurityAction, ...] = ("refusal", "sign-in failure", "sign-in",
                                                "sign-out")  # fmt: skip
"""Security events, chained with the acts: a request for a record refused, a sign-in
that failed or was throttled, and a session begun or ended."""
GENESIS = "0" * 64
R = TypeVar("R")


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    record_type: str,
    record_ids: str,
    recipient: str | None,
    previous_hash: str,
) -> str:
    """The SHA-256 of an entry's fields and the previous entry's hash."""
    fields = [seq, at.isoformat(), actor, action, record_type, record_ids, recipient, previous_hash]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def _claim(session: Session, count: int) -> tuple[int, str]:
    """Claim the next ``count`` sequence numbers: the first, and the hash of the entry
    before it. The head row is written first, so the transaction holds it (PostgreSQL's
    row lock, SQLite's write lock) until it commits: concurrent writers queue, none reads
    a stale head."""
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + count)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one_or_none()  # fmt: skip
    if bumped is not None:
        return int(bumped[0]) - count + 1, str(bumped[1])
    session.add(AuditHead(id=1, seq=count, hash=GENESIS))  # the first entries of a new log
    session.flush()
    return 1, GENESIS


Pending = tuple[datetime, str, str, str, str, str | None]
"""An entry waiting to be chained: at, actor, action, record type, record ids (JSON),
recipient."""


def _chain(session: Session, pending: list[Pending]) -> None:
    """Chain ``pending`` in order after the head and write them and the new head."""
    seq, previous = _claim(session, len(pending))
    rows = []
    for at, actor, action, record_type, ids, recipient in pending:
        digest = entry_hash(seq, at, actor, action, record_type, ids, recipient, previous)
        rows.append({
            "seq": seq, "at": at, "actor": actor, "action": action, "record_type": record_type,
            "record_ids": ids, "recipient": recipient, "previous_hash": previous, "hash": digest,
        })  # fmt: skip
        seq, previous = seq + 1, digest
    session.execute(insert(AuditEntry), rows)  # a bulk insert: no objects to track
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=previous))


def record(
    session: Session,
    actor: str,
    action: Action | SecurityAction,
    record_type: str,
    record_ids: Iterable[str | int],
    *,
    recipient: str | None = None,
) -> None:
    """Append one entry to the caller's transaction: it is chained and written when the
    transaction commits (and the commit fails if it cannot be written)."""
    if action not in ACTIONS and action not in SECURITY_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if action == "disclosure" and not recipient:
        raise ValueError("a disclosure is audited with its recipient")
    if record_type == "public_report" and actor != PUBLIC:
        collect_public_reports(session)
    ids = json.dumps(sorted(str(i) for i in record_ids))
    at = now_utc().replace(tzinfo=None)
    entry: Pending = (at, actor, action, record_type, ids, recipient)
    session.info.setdefault(_PENDING, []).append(entry)


PUBLIC = "public"
"""The actor of what the public sends."""


def collect_public_reports(session: Session) -> None:
    """Audit the public's collection of every report not yet audited, in one entry, in
    the caller's transaction.

    A report is not audited when it arrives: an entry then, or its place in the chain
    between staff entries, would time its arrival finely enough to match against network
    logs and find the sender. Its collection is audited when staff first touch the
    public's reports (every ``record`` about them calls this) and before the log is read,
    so the entry's time and place say only what that staff entry says anyway: that the
    report had arrived by then."""
    waiting = session.scalars(
        select(PublicReport.id).where(PublicReport.collection_audited.is_(False))
    ).all()
    if not waiting:
        return
    taken = session.scalars(  # a concurrent collector takes none of the same reports
        update(PublicReport)
        .where(PublicReport.id.in_(waiting), PublicReport.collection_audited.is_(False))
        .values(collection_audited=True)
        .returning(PublicReport.id)
    ).all()
    if taken:
        ids = json.dumps(sorted(str(i) for i in taken))
        entry: Pending = (now_utc().replace(tzinfo=None), PUBLIC, "collection", "public_report",
                          ids, None)  # fmt: skip
        session.info.setdefault(_PENDING, []).append(entry)


_PENDING = "fortress_audit_pending"
_WROTE = "fortress_audit_wrote"
SEALER = "fortress_audit_sealer"
"""``Session.info`` key of the ``AuditSealer`` a server's sessions hand consultations to."""


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Chain and write the transaction's entries at the last moment, so that the head row
    (which every writer queues on) is held only for the commit itself. A transaction that
    changed nothing (a consultation) hands them to the session's sealer, when it has one,
    and waits until they are written."""
    pending: list[Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    sealer = session.info.get(SEALER)
    changed = session.info.get(_WROTE) or session.new or session.dirty or session.deleted
    if isinstance(sealer, AuditSealer) and not changed:
        sealer.seal(pending)
    else:
        _chain(session, pending)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _context: object) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _forget_changes(session: Session) -> None:
    session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)  # the acts they recorded did not happen
    session.info.pop(_WROTE, None)


class AuditSealer:
    """Group commit for consultations, which change no record: their entries are chained
    and written by one thread, every entry waiting at the time in one transaction, so that
    concurrent requests share one commit (one flush to disk) instead of queueing one by one
    on the chain's head. Each request waits until its entries are durable before it
    answers, and fails if they cannot be written, as an act whose entry cannot be written
    does. Acts that change records still write their entries in their own transaction.

    ``engine`` should be the sealer's own (``store.workspace.own_engine``): requests hold
    their pool's connections while they wait for it. The thread starts with the first
    entry and, after ``idle_seconds`` without one, closes its connection and stops."""

    def __init__(self, engine: Engine, idle_seconds: float = 10.0) -> None:
        self._engine = engine
        self._lock_path = _writers_lock_path(engine)
        self._sessions = sessionmaker(engine)
        self._idle_seconds = idle_seconds
        self._waiting: list[tuple[list[Pending], Future[None]]] = []
        self._ready = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.commits = 0
        """Transactions written so far (for monitoring and tests)."""
        self.entries = 0
        """Entries written so far."""

    def seal(self, pending: list[Pending]) -> None:
        """Chain and write ``pending``; returns once they are committed."""
        done: Future[None] = Future()
        with self._ready:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="fortress-audit-sealer", daemon=True
                )
                self._thread.start()
            self._waiting.append((pending, done))
            self._ready.notify()
        done.result()

    def close(self) -> None:
        """Write what is waiting and stop the thread, which closes its connection (a later
        entry starts another)."""
        with self._ready:
            self._stopping = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join()
        with self._ready:
            self._stopping = False

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._waiting and not self._stopping:
                    self._ready.wait(self._idle_seconds)
                if not self._waiting:  # idle or stopping: the next entry starts another
                    self._thread = None
                    break
                batch, self._waiting = self._waiting, []
            self._write(batch)
        self._engine.dispose()

    def _write(self, batch: list[tuple[list[Pending], Future[None]]]) -> None:
        entries = [entry for pending, _ in batch for entry in pending]
        try:
            with _writers_turn(self._lock_path), self._sessions() as session:
                _chain(session, entries)
                session.commit()
        except Exception as exc:  # every waiting request fails with the reason
            for _, done in batch:
                done.set_exception(exc)
        else:
            self.commits += 1
            self.entries += len(entries)
            for _, done in batch:
                done.set_result(None)


def _writers_lock_path(engine: Engine) -> str | None:
    """The file whose lock the sealers of every server process on a SQLite database take
    in turn (``None`` for other databases, whose row lock wakes a waiting writer at once).

    SQLite's own lock is not enough: a writer that finds it taken sleeps for growing
    intervals (1 to 100 ms) before trying again, so two processes' sealers, committing
    hundreds of times a second, left each other's requests waiting far longer than the
    commits took (record views' p95 doubled with ``serve --workers 2``). A waiter on a
    file lock wakes as soon as it is released."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return f"{database}-audit-writers.lock"


def _writers_turn(lock_path: str | None) -> ExitStack:
    """The sealers' file lock held (released when the stack closes), or nothing when
    there is none or it cannot be opened: it only wakes writers sooner, SQLite's own lock
    still keeps them apart."""
    turn = ExitStack()
    if lock_path is not None:
        with suppress(OSError):
            turn.enter_context(exclusive_lock(lock_path))
    return turn


def consulted(
    session: Session, model: type[R], record_id: int, *, actor: str, record_type: str
) -> R:
    """The record of ``model`` with ``record_id`` (audited as a consultation), or
    ``LookupError`` naming what is missing."""
    found = session.get(model, record_id)
    if found is None:
        raise LookupError(f"no {record_type.replace('_', ' ')} {record_id}")
    record(session, actor, "consultation", record_type, [record_id])
    return found


@dataclass
class Verification:
    """What ``verify`` found."""

    entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is whole."""
        return not self.problems


@dataclass(frozen=True)
class Anchor:
    """A chain position recorded outside the database."""

    seq: int
    hash: str


def anchor(session: Session) -> Anchor:
    """The chain's current head, to be kept outside the database."""
    head = session.get(AuditHead, 1)
    return Anchor(head.seq, head.hash) if head else Anchor(0, GENESIS)


def verify(session: Session, anchors: Iterable[Anchor] = ()) -> Verification:
    """Recompute the chain and compare it with the head and with any anchors kept
    outside the database (see the module docstring)."""
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    found = Verification(len(entries))
    previous, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            found.problems.append(
                f"entry {expected_seq} is missing (the next is {entry.seq}): deleted"
                if entry.seq > expected_seq
                else f"entry {entry.seq} appears twice or out of order"
            )
        if entry.previous_hash != previous:
            found.problems.append(
                f"entry {entry.seq} does not follow the entry before it: inserted, deleted or "
                "reordered"
            )
        recomputed = entry_hash(
            entry.seq, entry.at, entry.actor, entry.action, entry.record_type,
            entry.record_ids, entry.recipient, entry.previous_hash,
        )  # fmt: skip
        if recomputed != entry.hash:
            found.problems.append(f"entry {entry.seq} was changed after it was written")
        previous, expected_seq = entry.hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    last_seq = entries[-1].seq if entries else 0
    if head is None and entries:
        found.problems.append("the head record is missing")
    elif head is not None and (head.seq != last_seq or head.hash != previous):
        found.problems.append(
            f"the log ends at entry {last_seq} but its head says {head.seq}: the tail was "
            "truncated or the head was altered"
        )
    hashes = {entry.seq: entry.hash for entry in entries}
    for kept in anchors:
        if kept.seq == 0:
            continue
        if kept.seq not in hashes:
            found.problems.append(
                f"anchored entry {kept.seq} is gone (the log ends at {last_seq}): truncated"
            )
        elif hashes[kept.seq] != kept.hash:
            found.problems.append(
                f"entry {kept.seq} differs from its anchor: the chain was rewritten up to it"
            )
    return found
