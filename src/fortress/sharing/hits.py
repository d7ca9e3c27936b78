"""Hit / no-hit: which of a force's numbers and IMEIs another force also holds, without
either handing over its list.

Why not plain hashes: the space of phone numbers is small. UK mobile numbers are at most
10^9 values (07 and nine digits), so anyone holding SHA-256 digests of a list recovers
every number by hashing every candidate (``tests/sharing/test_hits.py`` does it for a
block of the drama range and times it). IMEIs are no better: their type allocation codes
are published.

So each value is *tokenised* with HMAC-SHA256 under a secret key made for one exercise
(``ExerciseKey``). A coordinator makes the key and gives it to the forces taking part;
each force turns its selectors into tokens (``token_set``) and sends only the tokens to a
matcher that never holds the key (``match``); the matcher tells each force which of its
tokens another force also sent, and which force (``Hit``); each force turns its own hits
back into its own values (``resolve``). A hit names only where to ask: the other force's
name, never its value or its record. Whoever holds both the key and a token set can
enumerate it as above, so the key and the matcher are kept apart, and a key serves one
exercise and is then destroyed (a new exercise, a new key: tokens of two exercises never
match). Two forces with no coordinator use private set intersection instead
(``sharing.psi``). ``docs/methods/hit-no-hit.md`` says what each party learns.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from fortress.model.values import ValueProblem, checked
from fortress.store.workspace import write_atomically

KINDS = {"number": "msisdn", "imei": "imei"}
"""Selector kinds, each with the value type that normalises it (``model.values``): two
forces must write a number alike for its tokens to match."""
IMEI_BODY = 14
KEY_BYTES = 32
TOKEN_FORMAT = "fortress-hit-tokens/1"
KEY_FORMAT = "fortress-exercise-key/1"
HITS_FORMAT = "fortress-hits/1"


class SharingError(Exception):
    """A key, token file or selector that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True, order=True)
class Selector:
    """A value a force holds: a phone number (E.164) or an IMEI, normalised."""

    kind: str
    value: str

    @staticmethod
    def of(kind: str, raw: str) -> Selector:
        """``raw`` normalised as ``kind`` (``number`` or ``imei``); ``SharingError`` when it
        is not one."""
        if kind not in KINDS:
            raise SharingError(f"unknown selector kind {kind!r}: use number or imei")
        try:
            value = checked(KINDS[kind], raw)
        except ValueProblem as exc:
            raise SharingError(str(exc)) from exc
        # One handset is written with its check digit, without it, or with a software
        # version (IMEISV): its first 14 digits (type allocation code, serial) name it.
        return Selector(kind, value[:IMEI_BODY] if kind == "imei" else value)


@dataclass(frozen=True, slots=True)
class ExerciseKey:
    """The secret of one matching exercise."""

    exercise: str
    key: bytes
    made_at: str

    def token(self, selector: Selector) -> str:
        """The selector's token in this exercise (hex HMAC-SHA256)."""
        message = "\x1f".join((self.exercise, selector.kind, selector.value)).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenSet:
    """What a force sends the matcher: its name and its tokens, sorted (never values)."""

    exercise: str
    force: str
    tokens: list[str]


@dataclass(frozen=True, slots=True)
class Hit:
    """One of a force's tokens that other forces also sent, and which forces."""

    token: str
    also_held_by: list[str]


@dataclass(frozen=True, slots=True)
class HitList:
    """What the matcher sends one force: its hits in one exercise."""

    exercise: str
    force: str
    hits: list[Hit]


@dataclass(frozen=True, slots=True)
class ResolvedHit:
    """A hit turned back into the force's own selector: whom to ask about it."""

    kind: str
    value: str
    also_held_by: list[str]


def new_exercise_key(exercise: str) -> ExerciseKey:
    """A fresh random key for ``exercise`` (256 bits from the operating system)."""
    if not exercise.strip():
        raise SharingError("an exercise needs a name")
    made_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ExerciseKey(exercise.strip(), secrets.token_bytes(KEY_BYTES), made_at)


def save_key(key: ExerciseKey, path: Path) -> None:
    """Write ``key`` to a new file only its owner can read; an existing file is refused."""
    data = {"exercise": key.exercise, "key": key.key.hex(), "made_at": key.made_at}
    write_secret(path, KEY_FORMAT, data)


def write_secret(path: Path, form: str, data: dict[str, str]) -> None:
    """Write ``data`` as a ``form`` JSON file only its owner can read; never over a file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SharingError(f"{path} exists: a secret is never overwritten") from exc
    except OSError as exc:
        raise SharingError(f"{path} cannot be written ({exc.strerror})") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"format": form, **data}, out)


def load_key(path: Path) -> ExerciseKey:
    """The key in ``path``."""
    raw = read_json(path, KEY_FORMAT)
    try:
        key = bytes.fromhex(str(raw["key"]))
        made = ExerciseKey(str(raw["exercise"]), key, str(raw["made_at"]))
    except (KeyError, ValueError) as exc:
        raise SharingError(f"{path} is not a whole exercise key ({exc})") from exc
    if len(key) != KEY_BYTES:
        raise SharingError(f"{path}: the key is {len(key)} bytes, not {KEY_BYTES}")
    return made


def token_set(key: ExerciseKey, force: str, selectors: list[Selector]) -> TokenSet:
    """``force``'s selectors as tokens of ``key``'s exercise."""
    if not force.strip():
        raise SharingError("a token set needs the sending force's name")
    tokens = sorted({key.token(s) for s in selectors})
    return TokenSet(key.exercise, force.strip(), tokens)


def save_tokens(tokens: TokenSet, path: Path) -> None:
    """Write a token set as JSON."""
    write_text(path, json.dumps({"format": TOKEN_FORMAT, **asdict(tokens)}))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``; ``SharingError`` saying why when it cannot be."""
    if not path.parent.is_dir():
        raise SharingError(f"{path} cannot be written: {path.parent} is not a folder")
    try:
        write_atomically(path, text)  # a reader sees the old file or the whole new one
    except OSError as exc:
        raise SharingError(f"{path} cannot be written ({exc.strerror})") from exc


def load_tokens(path: Path) -> TokenSet:
    """The token set in ``path``."""
    raw = read_json(path, TOKEN_FORMAT)
    tokens = raw.get("tokens")
    if not isinstance(tokens, list) or not all(_is_token(t) for t in tokens):
        raise SharingError(f"{path}: 'tokens' must be a list of 64 hex characters each")
    return TokenSet(str(raw.get("exercise")), str(raw.get("force")), sorted(tokens))


def match(sets: list[TokenSet]) -> list[HitList]:
    """Per force, in the order of ``sets``: each of its tokens that another force also
    sent, with those forces. All sets must come from one exercise and name different
    forces."""
    exercises = {s.exercise for s in sets}
    if len(exercises) > 1:
        raise SharingError(f"token sets of different exercises: {', '.join(sorted(exercises))}")
    forces = [s.force for s in sets]
    if len(set(forces)) != len(forces):
        raise SharingError("two token sets name the same force")
    holders: dict[str, set[str]] = defaultdict(set)
    for tokens in sets:
        for token in tokens.tokens:
            holders[token].add(tokens.force)
    return [
        HitList(
            s.exercise,
            s.force,
            [
                Hit(token, sorted(holders[token] - {s.force}))
                for token in s.tokens
                if len(holders[token]) > 1
            ],
        )
        for s in sets
    ]


def save_hits(hits: HitList, path: Path) -> None:
    """Write one force's hits as JSON."""
    write_text(path, json.dumps({"format": HITS_FORMAT, **asdict(hits)}))


def load_hits(path: Path) -> HitList:
    """The hits in ``path``."""
    raw = read_json(path, HITS_FORMAT)
    entries = raw.get("hits")
    try:
        if not isinstance(entries, list):
            raise TypeError("'hits' is not a list")
        hits = [Hit(str(h["token"]), [str(f) for f in h["also_held_by"]]) for h in entries]
    except (KeyError, TypeError) as exc:
        raise SharingError(f"{path} is not a whole hits file ({exc})") from exc
    return HitList(str(raw.get("exercise")), str(raw.get("force")), hits)


def resolve(key: ExerciseKey, selectors: list[Selector], hits: HitList) -> list[ResolvedHit]:
    """The force's own selectors behind ``hits`` (tokens it did not send are ignored)."""
    if hits.exercise != key.exercise:
        raise SharingError(f"these hits are of {hits.exercise!r}, the key of {key.exercise!r}")
    mine = {key.token(s): s for s in selectors}
    found = [
        ResolvedHit(mine[h.token].kind, mine[h.token].value, h.also_held_by)
        for h in hits.hits
        if h.token in mine
    ]
    return sorted(found, key=lambda r: (r.kind, r.value))


def _is_token(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch("[0-9a-f]{64}", value) is not None


def read_json(path: Path, expected: str) -> dict[str, object]:
    """The JSON object in ``path``, which must say it is an ``expected`` file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SharingError(f"{path} cannot be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise SharingError(f"{path} is not JSON ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("format") != expected:
        raise SharingError(f"{path} is not a {expected} file")
    return raw
