"""The hostile corpus (``hostile.py``): its 1,120 inputs across every format Fortress reads
and the server's upload forms are made here, and the quick share of them (every kind of
hostility, fewer random damages; the long mode reads them all) is read: each refused in
words, rejected row by row, or accepted, and none a traceback or slower than
``MOST_SECONDS``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from reliability.hostile import MOST_SECONDS, make_corpus, quick, read_all


@pytest.mark.slow
def test_no_hostile_input_gets_a_traceback(tmp_path: Path) -> None:
    whole = make_corpus(tmp_path / "corpus")
    assert len(whole) >= 1_000
    corpus = quick(whole)
    named = {i.kind for i in whole if "damaged" not in i.kind and "truncated" not in i.kind}
    assert {item.kind for item in corpus} >= named  # every kind of hostility
    outcomes = read_all(corpus, tmp_path)
    failed = [o for o in outcomes if o.outcome == "failed"]
    assert failed == [], "\n".join(f"{o.target} / {o.kind}: {o.detail}" for o in failed)
    assert max(o.seconds for o in outcomes) < MOST_SECONDS
    assert Counter(o.target for o in outcomes) == Counter(h.target for h in corpus)
