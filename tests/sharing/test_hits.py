"""Hit / no-hit by keyed tokens: why plain hashes fail, exact matching, nothing more told.

Numbers are in Ofcom's drama range (07700 900000-900999); IMEIs are made up with a valid
check digit."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from fortress.model.values import luhn_check_digit
from fortress.sharing.hits import (
    ExerciseKey,
    Selector,
    SharingError,
    TokenSet,
    load_key,
    load_tokens,
    match,
    new_exercise_key,
    resolve,
    save_key,
    save_tokens,
    token_set,
)

DRAMA_BLOCK = [f"+447700900{n:03d}" for n in range(1000)]


def numbers(*last_three: int) -> list[Selector]:
    return [Selector.of("number", f"07700 900{n:03d}") for n in last_three]


def imei(serial: int) -> Selector:
    body = f"35209900{serial:06d}"
    return Selector.of("imei", body + luhn_check_digit(body))


def test_plain_hashes_give_every_number_away() -> None:
    """A list of SHA-256 digests is reversed by hashing every number of the block: the
    whole UK mobile space (10^9) is the same loop, a thousand times a million longer."""
    held = [s.value for s in numbers(7, 123, 456, 999)]
    digests = {hashlib.sha256(n.encode()).hexdigest() for n in held}
    recovered = [n for n in DRAMA_BLOCK if hashlib.sha256(n.encode()).hexdigest() in digests]
    assert recovered == held


def test_keyed_tokens_cannot_be_reversed_without_the_key() -> None:
    key = new_exercise_key("op-fortress-2026-12")
    tokens = set(token_set(key, "Hampshire", numbers(7, 123, 456, 999)).tokens)
    guessed = {hashlib.sha256(n.encode()).hexdigest() for n in DRAMA_BLOCK}
    wrong_key = ExerciseKey(key.exercise, bytes(32), key.made_at)
    guessed |= {wrong_key.token(Selector("number", n)) for n in DRAMA_BLOCK}
    assert not tokens & guessed


def test_matching_tells_each_force_exactly_its_shared_selectors_and_who_holds_them() -> None:
    key = new_exercise_key("regional-week-49")
    held = {
        "Hampshire": [*numbers(1, 2, 3), imei(1)],
        "Sussex": [*numbers(2, 3, 4), imei(1), imei(2)],
        "Thames Valley": [*numbers(3, 5), imei(2)],
    }
    sets = [token_set(key, force, selectors) for force, selectors in held.items()]
    hits = {found.force: found for found in match(sets)}
    told = {
        force: [(r.kind, r.value, r.also_held_by) for r in resolve(key, held[force], hits[force])]
        for force in held
    }
    assert told == {
        "Hampshire": [
            ("imei", "35209900000001", ["Sussex"]),
            ("number", "+447700900002", ["Sussex"]),
            ("number", "+447700900003", ["Sussex", "Thames Valley"]),
        ],
        "Sussex": [
            ("imei", "35209900000001", ["Hampshire"]),
            ("imei", "35209900000002", ["Thames Valley"]),
            ("number", "+447700900002", ["Hampshire"]),
            ("number", "+447700900003", ["Hampshire", "Thames Valley"]),
        ],
        "Thames Valley": [
            ("imei", "35209900000002", ["Sussex"]),
            ("number", "+447700900003", ["Hampshire", "Sussex"]),
        ],
    }
    # What the matcher sends a force is tokens it sent itself and force names: no value.
    for force, found in hits.items():
        own = set(next(s for s in sets if s.force == force).tokens)
        assert {h.token for h in found.hits} <= own


def test_a_value_written_differently_by_two_forces_still_matches() -> None:
    key = new_exercise_key("ex")
    body = "35209900123456"
    a = [Selector.of("number", "07700 900123"), Selector.of("imei", body + luhn_check_digit(body))]
    b = [Selector.of("number", "+44 7700 900123"), Selector.of("imei", body + "01")]
    assert token_set(key, "A", a).tokens == token_set(key, "B", b).tokens


def test_tokens_of_two_exercises_never_match_and_cannot_be_mixed() -> None:
    first, second = new_exercise_key("week-48"), new_exercise_key("week-49")
    selectors = numbers(1, 2, 3)
    a, b = token_set(first, "A", selectors), token_set(second, "B", selectors)
    assert not set(a.tokens) & set(b.tokens)
    with pytest.raises(SharingError, match="different exercises: week-48, week-49"):
        match([a, b])
    with pytest.raises(SharingError, match="name the same force"):
        match([a, token_set(first, "A", numbers(4))])


def test_a_key_file_is_private_never_overwritten_and_read_back_whole(tmp_path: Path) -> None:
    key = new_exercise_key("ex")
    path = tmp_path / "ex.key"
    save_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path) == key
    with pytest.raises(SharingError, match="a secret is never overwritten"):
        save_key(new_exercise_key("ex"), path)
    raw = json.loads(path.read_text())
    (tmp_path / "short.key").write_text(json.dumps({**raw, "key": "00ff"}))
    with pytest.raises(SharingError, match="the key is 2 bytes, not 32"):
        load_key(tmp_path / "short.key")
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(SharingError, match="is not a fortress-exercise-key/1 file"):
        load_key(tmp_path / "other.json")


def test_a_token_file_round_trips_and_values_are_refused(tmp_path: Path) -> None:
    sent = token_set(new_exercise_key("ex"), "Hampshire", numbers(1, 2))
    save_tokens(sent, tmp_path / "t.json")
    assert load_tokens(tmp_path / "t.json") == sent
    leaked = TokenSet("ex", "Hampshire", ["+447700900001"])
    save_tokens(leaked, tmp_path / "leaked.json")
    with pytest.raises(SharingError, match="must be a list of 64 hex characters each"):
        load_tokens(tmp_path / "leaked.json")


def test_selectors_that_are_not_numbers_or_imeis_are_refused() -> None:
    with pytest.raises(SharingError, match="is not a valid MSISDN"):
        Selector.of("number", "call me")
    with pytest.raises(SharingError, match="unknown selector kind 'vrm'"):
        Selector.of("vrm", "AB12 CDE")
