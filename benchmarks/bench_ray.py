"""The cost of Ray: the default 50,000-row symbolic run with the local executor and on a local Ray with
2 worker actors, same settings, alternating (local, ray, local, ray, ...: the first run also fills the
caches the others read); wall time of each run (Ray's start-up included), the best of each executor,
their ratio, and whether all runs published the same rows. `--driver` instead measures what the driver
holds whatever the executor: the dedup index over 50,000 generated rows plus train, and the contamination
detector, with the time each takes (figures for the README's 1M-row design).

    python -m benchmarks.bench_ray [--n 50000] [--workers 2] [--rounds 2]
    python -m benchmarks.bench_ray --driver
"""

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path

import polars as pl

from augment.config import ExecutorConfig, RunConfig
from augment.pipeline import run


def resident_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def driver_holdings() -> None:
    from augment.decontamination import make_detector
    from augment.sources import load_embedded
    from benchmarks.common import generated_questions
    from dedup.index import DuplicateIndex

    generated, train = generated_questions(), load_embedded("train").questions
    gc.collect()
    before, started = resident_mib(), time.perf_counter()
    index = DuplicateIndex()
    index.add_reference(train, [f"train:{i}" for i in range(len(train))])
    for start in range(0, len(generated), 4096):
        block = generated[start : start + 4096]
        index.check(block, [f"g{start + i}" for i in range(len(block))])
    gc.collect()
    print(f"dedup index: {len(index):,} rows, {resident_mib() - before:.0f} MiB, {time.perf_counter() - started:.1f} s")
    before, started = resident_mib(), time.perf_counter()
    detector = make_detector("auto", train)
    print(f"contamination detector: {resident_mib() - before:.0f} MiB, built in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    detector.detect(generated)
    print(f"detection of {len(generated):,} rows: {time.perf_counter() - started:.1f} s")


def timed_run(executor: ExecutorConfig, n: int, workers: int, out: Path) -> tuple[float, pl.DataFrame]:
    config = RunConfig(n=n, workers=workers, out=str(out), agent_id="bench", announce=False)
    started = time.perf_counter()
    result = run(config, resume=False, show_progress=False, log=lambda _: None, executor=executor)
    return time.perf_counter() - started, pl.read_parquet(result.version_dir / "data" / "*.parquet")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--driver", action="store_true", help="measure the driver's dedup index and detector")
    args = parser.parse_args()
    if args.driver:
        driver_holdings()
        raise SystemExit
    times, published = {"local": [], "ray": []}, []
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.rounds):
            for kind in times:
                seconds, rows = timed_run(ExecutorConfig(kind), args.n, args.workers, Path(scratch) / f"{kind}{round_}")
                times[kind].append(seconds)
                published.append(rows)
                print(f"round {round_ + 1}, {kind:5}: {seconds:6.1f} s for {rows.height:,} rows", flush=True)
    local, ray = min(times["local"]), min(times["ray"])
    print(f"best: local executor ({args.workers} processes) {local:.1f} s, ray ({args.workers} actors) {ray:.1f} s")
    print(f"ray / local: {ray / local:.2f}; all runs the same rows: {all(r.equals(published[0]) for r in published)}")
