"""Moved: police.uk's published formats are ``fortress.sources.policeuk`` (sources know
formats, places analyse). This name remains only so that ``tests/helpers/policeuk.py``
keeps importing until it is switched; nothing in ``src`` uses it."""

from fortress.sources.policeuk import LAYOUTS, STREET

__all__ = ["LAYOUTS", "STREET"]
