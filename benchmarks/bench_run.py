"""The whole default run: `augment run --n 50000` in a fresh directory, timed per stage.

Prints wall time, and per stage the rows in/out, seconds and rows/s from the manifest's
funnel (stage seconds overlap: workers make the next chunk while the main process
deduplicates and decontaminates the current one). `--cold` empties the user cache first
(templates and test embeddings), as on a new machine.

    python -m benchmarks.bench_run [--n 50000] [--cold]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    if args.cold:
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gsm8k-augment"
        shutil.rmtree(cache, ignore_errors=True)
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "augment.cli", "run", "--n", str(args.n), "--quiet", "--agent-id", "bench"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        if result.returncode:
            sys.exit(result.stderr[-2000:])
        manifest = json.loads(next(Path(workdir).glob("artifacts/data/*/v1/manifest.json")).read_text())
    print(
        f"augment run --n {args.n}: {wall:.1f} s wall ({'cold' if args.cold else 'warm'} cache), "
        f"{manifest['rows']:,} rows, {manifest['rows'] / wall:,.0f} rows/s overall"
    )
    shares = ", ".join(f"{m} {c / max(manifest['rows'], 1):.1%}" for m, c in sorted(manifest["methods"].items()))
    print(f"  {manifest['distinct_sources']:,} distinct sources; actual mix: {shares}")
    for stage in manifest["funnel"]:
        rate = f"{stage['rows_in'] / stage['seconds']:>9,.0f} rows/s" if stage["seconds"] > 0.05 else ""
        print(
            f"  {stage['name']:14s} {stage['rows_in']:>8,} -> {stage['rows_out']:>8,}  {stage['seconds']:6.2f} s  {rate}"
        )
