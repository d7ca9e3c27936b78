"""Benchmark ``fortress simulate``: the synthetic world generator at a given number of events.

Each run calls ``fortress.simulate.simulate(OUT, seed=1, scale=EVENTS, fmt="parquet")`` in a
fresh child process and reports wall time, events per second and peak RSS. If the simulator
is not importable (it is being written), the benchmark is skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import uuid
from dataclasses import dataclass

from common import DATA_DIR, Measured, Run, mib, run_child, table


@dataclass
class SimulateResults:
    """The simulator's measurements, or why there are none."""

    events: int
    runs: int
    measured: Measured | None = None
    skipped: str | None = None


def available() -> str | None:
    """``None`` when ``fortress.simulate.simulate`` can be imported, else the reason."""
    try:
        if importlib.util.find_spec("fortress.simulate") is None:
            return "the package fortress.simulate does not exist"
        from fortress.simulate import simulate  # noqa: F401
    except Exception as exc:  # any import problem means: not ready yet
        return f"fortress.simulate is not importable yet ({type(exc).__name__}: {exc})"
    return None


def _one(events: int) -> Run:
    out = DATA_DIR / f"sim-{uuid.uuid4().hex}"
    try:
        return run_child(["simulate", str(out), str(events)])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run(events: int, runs: int) -> SimulateResults:
    """Time the simulator ``runs`` times at ``events`` events (skipping if unavailable)."""
    results = SimulateResults(events=events, runs=runs)
    reason = available()
    if reason is not None:
        print(f"simulate benchmark skipped: {reason}", flush=True)
        results.skipped = reason
        return results
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    done: list[Run] = []
    for index in range(1, runs + 1):
        done.append(_one(events))
        rows = int(done[-1].facts.get("rows") or events)
        print(
            f"  simulate run {index}/{runs}: {done[-1].seconds:.2f} s, {rows:,} events, "
            f"{rows / done[-1].seconds:,.0f} events/s, peak RSS {done[-1].peak_rss_mb:,.0f} MiB",
            flush=True,
        )
    rows = int(done[0].facts.get("rows") or events)
    results.measured = Measured("`simulate(scale=N, fmt='parquet')`", rows, done)
    return results


def markdown(results: SimulateResults) -> str:
    """The simulator section of docs/benchmarks.md."""
    out = [f"## `fortress simulate` at {results.events:,} events\n"]
    if results.measured is None:
        out.append(f"Not measured: {results.skipped}.\n")
        return "\n".join(out)
    measured = results.measured
    facts = measured.runs[0].facts
    out.append(
        f"Median of {len(measured.runs)} run{'s' if len(measured.runs) > 1 else ''}, each in a "
        f"fresh process, seed 1, Parquet output. Events written (comms tables): "
        f"{measured.rows:,}; output folder {mib(int(facts.get('out_bytes', 0)))}.\n"
    )
    out.append(
        table(
            ["what", "median s", "events/s", "peak RSS MiB (median / max)", "runs (s)"],
            [
                [
                    measured.label,
                    f"{measured.seconds:.2f}",
                    f"{measured.events_per_s:,.0f}",
                    f"{measured.peak_rss_mb:,.0f} / {measured.max_peak_rss_mb:,.0f}",
                    measured.spread,
                ]
            ],
        )
    )
    return "\n".join(out) + "\n"


def main() -> None:
    """Command line: run the simulator benchmark and print its Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(markdown(run(args.events, args.runs)))


if __name__ == "__main__":
    main()
