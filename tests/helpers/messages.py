"""Hand-made text messages as event tables, for the wave-step tests."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import ibis
import pyarrow as pa

from fortress.comms import waves as wv
from fortress.comms.params import DetectionParams

SENDER = "+447700900001"
START = datetime(2025, 3, 4, 9, 0, 0)


def drama(i: int) -> str:
    """The i-th number of Ofcom's drama range after the sender."""
    return f"+447700{900002 + i}"


def random_messages(seed: int, senders: int = 40) -> ibis.Table:
    """Messages of senders with very different habits: chats, slow lists, fast broadcasts,
    bursts straddling clock hours and midnight, messages sent in the same second; each
    sender in one to three sessions on one to three days."""
    rng = random.Random(seed)
    rows: list[tuple[str, datetime, str, str]] = []
    for s in range(senders):
        sender = drama(500 + s)
        gap_s = rng.choice([5, 60, 150, 179, 200, 900, 3600, 7200])
        contacts = rng.choice([2, 6, 12, 40])
        for _ in range(rng.randrange(1, 4)):
            at = START + timedelta(days=rng.randrange(3), seconds=rng.randrange(86_400))
            for _ in range(rng.randrange(5, 60)):
                at += timedelta(seconds=rng.randrange(0, gap_s + 1))  # ties too
                rows.append((f"{s}-{len(rows)}", at, sender, drama(rng.randrange(contacts))))
    return messages_table(rows)


def messages_table(rows: list[tuple[str, datetime, str, str]]) -> ibis.Table:
    """Text messages (event id, time, sender, recipient) as an event table."""
    event_id, start, a, b = (list(column) for column in zip(*rows, strict=True))
    return ibis.memtable(
        pa.table(
            {
                "event_id": event_id,
                "start_utc": pa.array(start, pa.timestamp("us")),
                "kind": ["sms"] * len(rows),
                "a_number": a,
                "b_number": b,
                "flags": pa.array([[] for _ in rows], pa.list_(pa.string())),
            }
        )
    )


def candidate_waves(sent: ibis.Table, params: DetectionParams) -> ibis.Table:
    """The waves of the senders with waves on ``min_wave_days`` days (the candidates)."""
    found = wv.waves(sent, params)
    summary = wv.wave_summary(found)
    candidates = summary.filter(summary.wave_days >= params.min_wave_days).select("number")
    return found.semi_join(candidates, "number").order_by(["number", "start_utc"])
