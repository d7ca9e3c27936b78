"""Synthetic identifiers that no real subscriber, SIM or handset can hold.

Phone numbers come first from Ofcom's drama ranges (numbers reserved for TV, film and radio
and never allocated to subscribers), then from the UK ``04`` range, which Ofcom has never
allocated to anything. IMEIs use type allocation codes starting ``00`` (no real handset model)
with a valid Luhn check digit; IMSIs use MCC 001 / MNC 01, the ITU test network.
See docs/synthetic-world.md for the scheme and its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from fortress.model.values import luhn_check_digit, luhn_valid

__all__ = ["luhn_check_digit", "luhn_valid"]  # the shared Luhn helpers, re-exported

MOBILE_DRAMA_FIRST: Final = 447700900000
"""+447700900000: first of Ofcom's 1,000 mobile drama numbers (07700 900000-900999)."""
DRAMA_BLOCK: Final = 1000

UNALLOCATED_PREFIX: Final = 444
"""+44 4: the UK 04 range, never allocated by Ofcom; 9 digits follow the prefix."""
UNALLOCATED_SPAN: Final = 10**9

LANDLINE_DRAMA_FIRSTS: Final = (
    441632960000,  # 01632 960000-960999 (fictitious area code)
    441184960000,  # 0118 496 0000-0999 (Reading)
    441134960000,  # 0113 496 0000-0999 (Leeds)
    441174960000,  # 0117 496 0000-0999 (Bristol)
    441214960000,  # 0121 496 0000-0999 (Birmingham)
    442079460000,  # 020 7946 0000-0999 (London)
)
"""First E.164 number (without '+') of each Ofcom geographic drama block of 1,000 numbers."""

IMSI_PLMN: Final = "00101"
"""MCC 001 / MNC 01: the ITU-T E.212 test network."""
TAC_PREFIX: Final = "00"

_SCRAMBLE_04: Final = 387_420_489  # 3**18, coprime with 10**9: an affine bijection
_SCRAMBLE_IMSI: Final = 282_475_249  # 7**10, coprime with 10**10
_SCRAMBLE_SERIAL: Final = 823_543  # 7**7, coprime with 10**6
_SERIAL_SPAN: Final = 10**6
_IMSI_SPAN: Final = 10**10


def is_drama_mobile(number: str) -> bool:
    """Whether an E.164 number lies in Ofcom's mobile drama range +447700900000-999."""
    return _in_block(number, MOBILE_DRAMA_FIRST)


def is_drama_landline(number: str) -> bool:
    """Whether an E.164 number lies in one of the geographic drama blocks used here."""
    return any(_in_block(number, first) for first in LANDLINE_DRAMA_FIRSTS)


def is_unallocated_04(number: str) -> bool:
    """Whether an E.164 number is in the never-allocated UK 04 range (+444 and 9 digits)."""
    return len(number) == 13 and number.startswith("+444") and number[1:].isdigit()


def is_synthetic_number(number: str) -> bool:
    """Whether a number belongs to the documented synthetic scheme (drama or 04)."""
    return is_drama_mobile(number) or is_drama_landline(number) or is_unallocated_04(number)


def _in_block(number: str, first: int) -> bool:
    if not (number.startswith("+") and number[1:].isdigit()):
        return False
    value = int(number[1:])
    return first <= value < first + DRAMA_BLOCK


class NumberAllocator:
    """Hands out distinct synthetic E.164 numbers in allocation order.

    Mobiles: the 1,000 drama numbers in a seeded random order, then the 04 range through an
    affine bijection (so consecutive allocations do not look consecutive). Landlines: the
    geographic drama blocks in ``LANDLINE_DRAMA_FIRSTS`` order.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        """Seed the drama order and the 04 offset from ``rng``."""
        self._drama = [int(v) for v in rng.permutation(DRAMA_BLOCK)]
        self._offset_04 = int(rng.integers(UNALLOCATED_SPAN))
        self._mobiles = 0
        self._landlines = 0

    def mobiles(self, count: int) -> list[str]:
        """Return ``count`` new mobile numbers."""
        out: list[str] = []
        for serial in range(self._mobiles, self._mobiles + count):
            if serial < DRAMA_BLOCK:
                out.append(f"+{MOBILE_DRAMA_FIRST + self._drama[serial]}")
            else:
                k = serial - DRAMA_BLOCK
                if k >= UNALLOCATED_SPAN:
                    raise OverflowError("the 04 range is exhausted")
                local = (k * _SCRAMBLE_04 + self._offset_04) % UNALLOCATED_SPAN
                out.append(f"+{UNALLOCATED_PREFIX}{local:09d}")
        self._mobiles += count
        return out

    def landlines(self, count: int) -> list[str]:
        """Return ``count`` new business landline numbers from the geographic drama blocks."""
        out: list[str] = []
        for serial in range(self._landlines, self._landlines + count):
            block, offset = divmod(serial, DRAMA_BLOCK)
            if block >= len(LANDLINE_DRAMA_FIRSTS):
                raise OverflowError("the geographic drama blocks are exhausted")
            out.append(f"+{LANDLINE_DRAMA_FIRSTS[block] + offset}")
        self._landlines += count
        return out


def imsis(first_serial: int, count: int, offset: int) -> list[str]:
    """Return ``count`` distinct test-network IMSIs (``00101`` and 10 digits)."""
    if first_serial + count > _IMSI_SPAN:
        raise OverflowError("too many SIMs for the test-network MSIN space")
    return [
        f"{IMSI_PLMN}{(serial * _SCRAMBLE_IMSI + offset) % _IMSI_SPAN:010d}"
        for serial in range(first_serial, first_serial + count)
    ]


@dataclass
class ImeiAllocator:
    """Hands out distinct IMEIs over a small catalogue of fictitious handset models (TACs).

    Each TAC is ``00`` and six digits; serials within a model go through an affine bijection
    on 0..999,999; the 15th digit is the Luhn check digit.
    """

    tacs: list[str]
    offsets: list[int]
    counts: list[int]

    @classmethod
    def create(cls, rng: np.random.Generator, models: int) -> ImeiAllocator:
        """Draw ``models`` distinct TACs and per-model serial offsets from ``rng``."""
        codes = rng.choice(_SERIAL_SPAN, size=models, replace=False)
        offsets = rng.integers(_SERIAL_SPAN, size=models)
        return cls(
            tacs=[f"{TAC_PREFIX}{int(c):06d}" for c in codes],
            offsets=[int(v) for v in offsets],
            counts=[0] * models,
        )

    def allocate(self, model: int) -> str:
        """Return a new IMEI of handset model ``model``."""
        count = self.counts[model]
        if count >= _SERIAL_SPAN:
            raise OverflowError("handset model serials exhausted")
        self.counts[model] = count + 1
        serial = (count * _SCRAMBLE_SERIAL + self.offsets[model]) % _SERIAL_SPAN
        body = f"{self.tacs[model]}{serial:06d}"
        return f"{body}{luhn_check_digit(body)}"
