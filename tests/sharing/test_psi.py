"""Hit / no-hit between two forces by private set intersection (OpenMined PSI): exactly
the shared selectors, and no value in either message."""

from __future__ import annotations

import json

import pytest

from fortress.model.values import luhn_check_digit
from fortress.sharing.hits import Selector, SharingError
from fortress.sharing.psi import psi_answer, psi_request, psi_result


def numbers(*last_three: int) -> list[Selector]:
    return [Selector.of("number", f"07700 900{n:03d}") for n in last_three]


def imei(serial: int) -> Selector:
    body = f"35209900{serial:06d}"
    return Selector.of("imei", body + luhn_check_digit(body))


HAMPSHIRE = [*numbers(1, 2, 3, 10, 11), imei(1), imei(7)]
SUSSEX = [*numbers(3, 4, 10, 12, 13, 14), imei(7), imei(8)]


def test_the_asking_force_learns_exactly_the_shared_selectors() -> None:
    request = psi_request(HAMPSHIRE)
    answer = psi_answer(SUSSEX, request.message)
    assert psi_result(request.secret, HAMPSHIRE, answer) == sorted([*numbers(3, 10), imei(7)])


def test_no_shared_selector_is_no_hit() -> None:
    request = psi_request(numbers(1, 2))
    assert (
        psi_result(request.secret, numbers(1, 2), psi_answer(numbers(5, 6), request.message)) == []
    )


def test_neither_message_holds_a_value_only_how_many() -> None:
    request = psi_request(HAMPSHIRE)
    answer = psi_answer(SUSSEX, request.message)
    for message in (request.message, answer):
        for selector in {*HAMPSHIRE, *SUSSEX}:
            digits = selector.value.lstrip("+")
            assert digits not in message and digits[-9:] not in message
    # Asked twice, the request differs (a fresh secret each time): it cannot be compared
    # with an earlier one to learn that the same list was asked about.
    assert psi_request(HAMPSHIRE).message != request.message


def test_a_damaged_message_is_refused_with_a_reason() -> None:
    request = psi_request(HAMPSHIRE)
    with pytest.raises(SharingError, match="not a whole fortress-psi-request/1"):
        psi_answer(SUSSEX, json.dumps({"format": "something else"}))
    with pytest.raises(SharingError, match="not a whole fortress-psi-answer/1"):
        psi_result(request.secret, HAMPSHIRE, request.message)


def test_a_request_too_long_to_be_a_case_is_refused() -> None:
    """The asking force chooses what it asks about: a whole block of numbers would probe
    the other force's holdings, so the answering force caps the request."""
    block = [Selector.of("number", f"07700 900{n:03d}") for n in range(1000)]
    request = psi_request(block)
    with pytest.raises(SharingError, match="asks about 1,000 selectors, more than the 500"):
        psi_answer(SUSSEX, request.message, most_asked=500)
