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

Someone who can rewrite the whole database could rebuild a consistent chain and head. The
answer is an anchor kept elsewhere: ``anchor`` gives the head's sequence number and hash,
which ``fortress audit anchor`` appends to a file (to be copied off the machine, or kept on
write-once storage), and ``verify`` checks every anchored entry is still there unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from fortress.casework.models import AuditEntry, AuditHead
from fortress.store.workspace import now_utc

Action = Literal["collection", "alteration", "consultation", "disclosure", "combination", "erasure"]
ACTIONS: tuple[Action, ...] = (
    "collection", "alteration", "consultation", "disclosure", "combination", "erasure",
)  # fmt: skip
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


def _next_position(session: Session) -> tuple[int, str]:
    """Claim the next sequence number and the previous entry's hash. The head row is
    written first, so the transaction holds it (PostgreSQL's row lock, SQLite's write
    lock) until it commits: concurrent writers queue, none reads a stale head."""
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one_or_none()  # fmt: skip
    if bumped is not None:
        return int(bumped[0]), str(bumped[1])
    session.add(AuditHead(id=1, seq=1, hash=GENESIS))  # the first entry of a new log
    session.flush()
    return 1, GENESIS


def record(
    session: Session,
    actor: str,
    action: Action,
    record_type: str,
    record_ids: Iterable[str | int],
    *,
    recipient: str | None = None,
) -> None:
    """Append one entry to the caller's transaction: it is chained and written when the
    transaction commits (and the commit fails if it cannot be written)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if action == "disclosure" and not recipient:
        raise ValueError("a disclosure is audited with its recipient")
    ids = json.dumps(sorted(str(i) for i in record_ids))
    at = now_utc().replace(tzinfo=None)
    session.info.setdefault(_PENDING, []).append((at, actor, action, record_type, ids, recipient))


_PENDING = "fortress_audit_pending"


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Chain and write the transaction's entries at the last moment, so that the head row
    (which every writer queues on) is held only for the commit itself."""
    pending = session.info.pop(_PENDING, [])
    for at, actor, action, record_type, ids, recipient in pending:
        seq, previous = _next_position(session)
        digest = entry_hash(seq, at, actor, action, record_type, ids, recipient, previous)
        session.add(AuditEntry(
            seq=seq, at=at, actor=actor, action=action, record_type=record_type,
            record_ids=ids, recipient=recipient, previous_hash=previous, hash=digest,
        ))  # fmt: skip
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    if pending:
        session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)  # the acts they recorded did not happen


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
