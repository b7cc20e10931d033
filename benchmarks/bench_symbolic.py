"""Speed of the symbolic engine: generate + verify until 50,000 samples are verified, on two workers.

Prints samples/s, acceptance rate (verified / tasks) and the time to compile the templates.
Decontamination and dedup are not included (see bench_run.py for the whole run).

    python -m benchmarks.bench_symbolic [--target 50000]
"""

import argparse
import time

from benchmarks.common import symbolic_workers

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=8192)
    args = parser.parse_args()
    started = time.perf_counter()
    sources, workers, tasks = symbolic_workers()
    compiled = time.perf_counter() - started
    verified = attempted = 0
    started = time.perf_counter()
    for start in range(0, tasks.height, args.chunk):
        chunk = tasks.slice(start, args.chunk)
        kept, _, _, _ = workers.submit(chunk)()
        verified, attempted = verified + kept.height, attempted + chunk.height
        if verified >= args.target:
            break
    seconds = time.perf_counter() - started
    workers.close()
    print(
        f"sources loaded and templates ready in {compiled:.1f} s ({len(workers.templated):,} of {sources.height:,} sources templated)"
    )
    print(
        f"{verified:,} verified samples from {attempted:,} tasks in {seconds:.1f} s: "
        f"{verified / seconds:,.0f} samples/s, acceptance {verified / attempted:.1%}"
    )
    methods = kept.group_by("method").len().sort("method")
    print("last chunk by method: " + ", ".join(f"{m} {n}" for m, n in methods.iter_rows()))
