"""Sign-in throttling (OWASP ASVS 5.0, 6.3), shared by every server process through the
records database, and counted before the slow password hash.

Each attempt is counted against three keys: the name from this address (``pair``), the
name from any address (``name``), and the address for any name (``source``). A key's
first failures are free; after them each attempt must wait a delay that doubles with every
further failure, from 5 seconds up to a cap (15 minutes), and a key is forgotten an hour
after its last failure (longer than the cap, so that waiting out a delay does not also
make the failures free again). An attempt is counted as a failure *before* its password
is checked and the count is taken back when it succeeds, each change to the counts made
in turn (PostgreSQL's advisory lock, SQLite's write lock), so concurrent attempts (even
across ``serve --workers``) cannot all pass while the first are still being checked.

Someone who knows an officer's name must not be able to lock them out. So the name's
count is kept apart for the addresses the name has signed in from in the last 90 days
("familiar") and for every other address: failures from elsewhere delay only attempts
from elsewhere. The address's own count is capped at a minute, because an office shares
one address.

Names and addresses are kept only as SHA-256 digests, each row for no longer than its
window (familiar addresses for 90 days).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fortress.casework.models import SignInCount
from fortress.store.workspace import now_utc

WINDOW: Final = timedelta(hours=1)
"""A key's failures are forgotten this long after its last one."""
FAMILIAR_FOR: Final = timedelta(days=90)
"""An address a name signed in from stays familiar to it this long."""


@dataclass(frozen=True, slots=True)
class Rule:
    """How a key slows attempts: ``free`` failures, then a delay from ``first`` seconds
    doubling with each further failure, up to ``most`` seconds."""

    kind: str
    free: int
    first: float
    most: float

    def wait(self, failures: int, last: datetime | None, now: datetime) -> float:
        """Seconds the next attempt must still wait (0: it may go ahead)."""
        if last is None or failures < self.free or now - last >= WINDOW:
            return 0.0
        delay = min(self.first * 2.0 ** (failures - self.free), self.most)
        return max(0.0, delay - (now - last).total_seconds())


PAIR: Final = Rule("pair", free=5, first=5.0, most=900.0)
NAME: Final = Rule("name", free=10, first=5.0, most=900.0)
SOURCE: Final = Rule("source", free=30, first=5.0, most=60.0)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt, counted: ``wait`` > 0 means refused (the seconds to wait), else
    it counts as a failure until ``succeeded`` takes it back."""

    keys: dict[str, Rule]
    known: str
    wait: float


def begin(session: Session, name: str, source: str) -> Attempt:
    """Count an attempt at ``name`` from ``source`` before its password is checked, and
    commit: the answer says how long to wait when it must not go ahead."""
    _take_turn(session)
    now = _now()
    pair, known = _digest("pair", name, source), _digest("known", name, source)
    keys = {pair: PAIR, _digest("source", source): SOURCE}
    both_names = [_digest("name", name, side) for side in ("familiar", "elsewhere")]
    _hold(session, sorted([*keys, *both_names]))  # the write lock first (SQLite), then read
    familiar = session.scalar(
        select(SignInCount.last_at).where(SignInCount.key == known)
    )  # fmt: skip
    keys[both_names[0] if familiar and now - familiar < FAMILIAR_FOR else both_names[1]] = NAME
    counts = {
        row.key: row
        for row in session.scalars(select(SignInCount).where(SignInCount.key.in_(sorted(keys))))
    }
    wait = max(rule.wait(counts[key].failures, counts[key].last_at, now)
               for key, rule in keys.items())  # fmt: skip
    if wait <= 0:
        for key in keys:
            last = counts[key].last_at
            counts[key].failures = (0 if last is None or now - last >= WINDOW
                                    else counts[key].failures) + 1  # fmt: skip
            counts[key].last_at = now
        _forget_old(session, now)
    session.commit()
    return Attempt(keys, known, wait)


def succeeded(session: Session, attempt: Attempt) -> None:
    """Take back a counted attempt whose password was right: the name from this address
    starts afresh, the others lose the one failure, and the address becomes familiar to
    the name (in the caller's transaction)."""
    _take_turn(session)
    others = [key for key, rule in attempt.keys.items() if rule is not PAIR]
    session.execute(
        update(SignInCount).where(SignInCount.key.in_(others), SignInCount.failures > 0)
        .values(failures=SignInCount.failures - 1)
    )  # fmt: skip
    session.execute(
        delete(SignInCount).where(
            SignInCount.key.in_(list(attempt.keys)),
            (SignInCount.failures <= 0) | SignInCount.key.startswith("pair:"),
        )
    )
    _hold(session, [attempt.known])
    session.execute(
        update(SignInCount).where(SignInCount.key == attempt.known).values(last_at=_now())
    )


TURN: Final = 0x5349474E494E  # "SIGNIN": PostgreSQL's advisory lock of the counts


def _take_turn(session: Session) -> None:
    """Wait for the counts, until the transaction ends: every change to them is made in
    turn. Row locks alone deadlocked on PostgreSQL (found with 40 right passwords at
    once): a success deletes and makes rows that an attempt is locking in another order.
    SQLite's write lock, taken by ``_hold``, already orders them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:turn)"), {"turn": TURN})


def _hold(session: Session, keys: list[str]) -> None:
    """Make sure each key has its row, in key order (concurrent holders cannot deadlock)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [{"key": key, "failures": 0, "last_at": None} for key in keys]
    session.execute(dialect.insert(SignInCount).values(rows).on_conflict_do_nothing())


def _forget_old(session: Session, now: datetime) -> None:
    """Drop counts past their window and familiar addresses past theirs."""
    session.execute(
        delete(SignInCount).where(
            ~SignInCount.key.startswith("known:"),
            SignInCount.last_at.is_(None) | (SignInCount.last_at < now - WINDOW),
        )
    )
    session.execute(
        delete(SignInCount).where(
            SignInCount.key.startswith("known:"), SignInCount.last_at < now - FAMILIAR_FOR
        )
    )


def _digest(kind: str, *parts: str) -> str:
    """A key as it is stored: its kind and a SHA-256 of its parts (the name case-folded)."""
    text = "\x1f".join(part.casefold() for part in parts)
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()[:48]}"


def _now() -> datetime:
    """The time as the counts keep it (naive UTC, like every casework time)."""
    return now_utc().replace(tzinfo=None)
