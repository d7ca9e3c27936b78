"""Users, roles and sign-in: argon2 password hashes, bearer tokens stored as hashes."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from fortress.casework import audit
from fortress.casework.models import ApiToken, User
from fortress.store.workspace import now_utc

ROLES = ("analyst", "officer", "supervisor", "safeguarding_partner", "auditor", "administrator")
TOKEN_HOURS = 8
IDLE_MINUTES = 30
"""A session not used for this long ends (NIST SP 800-63B, AAL2: 30 minutes idle, and
re-authentication at least every 12 hours, here 8)."""
USE_NOTED_EVERY: Final = timedelta(minutes=1)
"""A session's last use is written at most this often: a write per request would cost
more than the minute it tells."""
MIN_PASSWORD = 12
MIN_STRENGTH = 3
"""zxcvbn's score a password must reach: 3 is "safely unguessable" against a slow hash
(about 10^10 guesses); 0 to 2 fall to an online or a fast offline attack."""
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
"""zxcvbn's 30,000 most common passwords (from leaked password sets), in lower case."""
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("a password that nobody has")


class UserProblem(ValueError):
    """A user that cannot be added as asked; the message says why."""


def add_user(
    session: Session, name: str, role: str, password: str, *, agency: str | None, actor: str
) -> User:
    """A new user (audited as a collection)."""
    name = name.strip()
    agency = " ".join(agency.split()) if agency else None
    if not name or len(name) > 100:
        raise UserProblem("a user name is 1 to 100 characters")
    if role not in ROLES:
        raise UserProblem(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if (role == "safeguarding_partner") != bool(agency):
        raise UserProblem("a safeguarding partner, and only a partner, belongs to an --agency")
    _check_password(password, (name, role, agency or "", "fortress"))
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UserProblem(f"there is already a user {name!r}")
    user = User(
        name=name, role=role, agency=agency, password_hash=_HASHER.hash(normalised(password)),
        created_at=now_utc().replace(tzinfo=None),
    )  # fmt: skip
    session.add(user)
    session.flush()
    audit.record(session, actor, "collection", "user", [user.id])
    return user


def set_password(session: Session, user: User, password: str, *, actor: str) -> None:
    """Give ``user`` a new password (the same rules as a new user's) and end every one of
    their sessions: whoever held one must sign in with the new password (audited as an
    alteration of the user)."""
    _check_password(password, (user.name, user.role, user.agency or "", "fortress"))
    if _matches(user.password_hash, password):
        raise UserProblem("the new password is the one in use: choose another")
    user.password_hash = _HASHER.hash(normalised(password))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    audit.record(session, actor, "alteration", "user", [user.id])


def normalised(password: str) -> str:
    """A password as it is hashed: Unicode NFKC (NIST SP 800-63B), so that the same
    characters typed on another keyboard or system are the same password."""
    return unicodedata.normalize("NFKC", password)


def _check_password(password: str, own_words: tuple[str, ...]) -> None:
    """Refuse a password that is short (runs of spaces counting as one), common, or easy
    to guess from the user's own details (OWASP ASVS 5.0, 6.2)."""
    counted = " ".join(normalised(password).split())
    if len(counted) < MIN_PASSWORD:
        raise UserProblem(
            f"a password has at least {MIN_PASSWORD} characters (a run of spaces counts as one)"
        )
    if counted.casefold() in COMMON_PASSWORDS:
        raise UserProblem("that password is among the 30,000 most common passwords: choose another")
    strength = zxcvbn(counted[:72], user_inputs=[word for word in own_words if word])  # its limit
    if strength["score"] < MIN_STRENGTH:
        advice = " ".join([strength["feedback"]["warning"], *strength["feedback"]["suggestions"]])
        raise UserProblem(f"that password is easy to guess. {advice.strip()}".strip())


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user whose name and password these are, or None (same work either way)."""
    user = session.scalar(select(User).where(User.name == name))
    if not _matches(user.password_hash if user else _DUMMY, password):
        return None
    if user is not None and _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(normalised(password))  # made with older parameters
    return user if user is not None and not user.disabled else None


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, normalised(password))
    except (VerificationError, InvalidHashError):
        return False


def issue_token(session: Session, user: User) -> str:
    """A new bearer token for ``user`` (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = now_utc().replace(tzinfo=None)
    session.add(
        ApiToken(
            token_sha256=digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=TOKEN_HOURS),
            last_used_at=now,
        )
    )
    return token


def revoke_token(session: Session, token: str) -> None:
    """Make ``token`` stop working (signing out)."""
    session.execute(delete(ApiToken).where(ApiToken.token_sha256 == digest(token)))


def user_for_token(session: Session, token: str) -> User | None:
    """The user a live token belongs to, or None: one query, and now and then a write of
    its last use (every request asks). A token past its hours, or idle for
    ``IDLE_MINUTES``, is not live."""
    now = now_utc().replace(tzinfo=None)
    found = session.execute(
        select(User, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_sha256 == digest(token),
            ApiToken.expires_at > now,
            ApiToken.last_used_at > now - timedelta(minutes=IDLE_MINUTES),
            User.disabled.is_(False),
        )
    ).first()
    if found is None:
        return None
    user, last_used = found
    if now - last_used >= USE_NOTED_EVERY:
        session.execute(update(ApiToken).where(ApiToken.token_sha256 == digest(token))
                        .values(last_used_at=now))  # fmt: skip
    return user


def user_named(session: Session, name: str) -> User:
    """The user of that name, or ``UserProblem``."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserProblem(f"there is no user {name!r}")
    return user


def set_disabled(session: Session, name: str, disabled: bool, *, actor: str) -> User:
    """Disable a user (their tokens stop working at once) or enable them again."""
    user = user_named(session, name)
    user.disabled = disabled
    if disabled:
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    audit.record(session, actor, "alteration", "user", [user.id])
    return user


def digest(token: str) -> str:
    """How a token is stored: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def every_user(session: Session, *, actor: str) -> list[User]:
    """Every user, oldest first (audited as a consultation by ``actor``)."""
    found = list(session.scalars(select(User).order_by(User.id)))
    audit.record(session, actor, "consultation", "user", [u.id for u in found])
    return found
