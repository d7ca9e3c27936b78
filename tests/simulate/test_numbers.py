"""Synthetic identifier scheme: drama ranges, the 04 overflow, Luhn-valid IMEIs, test IMSIs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fortress.simulate.numbers import (
    DRAMA_BLOCK,
    ImeiAllocator,
    NumberAllocator,
    imsis,
    is_drama_landline,
    is_drama_mobile,
    is_synthetic_number,
    is_unallocated_04,
    luhn_check_digit,
    luhn_valid,
)


def test_known_imei_check_digit() -> None:
    # The widely used worked example of an IMEI check digit (14 digits + Luhn digit 8).
    assert luhn_check_digit("49015420323751") == "8"
    assert luhn_valid("490154203237518")
    assert not luhn_valid("490154203237517")


@given(st.text(alphabet="0123456789", min_size=14, max_size=14), st.integers(0, 13))
def test_luhn_detects_any_single_digit_change(body: str, position: int) -> None:
    full = body + str(luhn_check_digit(body))
    assert luhn_valid(full)
    changed = str((int(full[position]) + 1) % 10)
    assert not luhn_valid(full[:position] + changed + full[position + 1 :])


def test_mobiles_use_drama_range_first_then_04() -> None:
    allocator = NumberAllocator(np.random.default_rng(3))
    first = allocator.mobiles(DRAMA_BLOCK)
    rest = allocator.mobiles(5000)
    assert all(is_drama_mobile(n) for n in first)
    assert len(set(first)) == DRAMA_BLOCK
    assert all(is_unallocated_04(n) and not is_drama_mobile(n) for n in rest)
    assert len(set(rest)) == len(rest)
    assert all(len(n) == 13 for n in first + rest)


def test_landlines_come_from_geographic_drama_blocks() -> None:
    allocator = NumberAllocator(np.random.default_rng(0))
    numbers = allocator.landlines(2500)
    assert numbers[0] == "+441632960000"
    assert numbers[1000] == "+441184960000"
    assert all(is_drama_landline(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_scheme_rejects_real_looking_numbers() -> None:
    for real in ("+447700901000", "+447911123456", "+442071234567", "+4444", "07700900123"):
        assert not is_synthetic_number(real)
    assert is_synthetic_number("+447700900999")
    assert is_synthetic_number("+444000000001")


def test_imeis_keep_leading_zeros_and_are_distinct() -> None:
    allocator = ImeiAllocator.create(np.random.default_rng(1), models=4)
    values = [allocator.allocate(k % 4) for k in range(4000)]
    assert len(set(values)) == len(values)
    for imei in values:
        assert len(imei) == 15
        assert imei.startswith("00")
        assert luhn_valid(imei)


def test_imsis_are_on_the_test_network() -> None:
    values = imsis(0, 1000, 12345)
    assert len(set(values)) == 1000
    assert all(v.startswith("00101") and len(v) == 15 and v.isdigit() for v in values)


def test_overflowing_the_landline_blocks_fails_loudly() -> None:
    allocator = NumberAllocator(np.random.default_rng(0))
    with pytest.raises(OverflowError):
        allocator.landlines(7000)
