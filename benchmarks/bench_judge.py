"""What `--judge` does with a given model, on the held-out half of the contamination dev set.

The calibration's `judge_reach` is what a judge that always answers right could add. This asks a real
model, through the project's engines, about every held-out question whose best pair scores in the
judge's band, and prints per kind: questions in the band, those whose pair is the right test question,
the model's yes, and recall (train: share flagged) without and with the judge.

    python -m benchmarks.bench_judge [--model DIR_OR_ID | --endpoint URL] [--enforce-eager]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from augment.decontamination import make_detector
from augment.judge import ask, judge_engine
from augment.sources import load_embedded
from benchmarks.bench_contamination import recall_table
from benchmarks.contamination_devset import build_devset, half

DEFAULT_MODEL = Path.home() / ".cache" / "gsm8k-augment" / "smollm2-135m-instruct"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--endpoint", action="append", default=[])
    parser.add_argument("--enforce-eager", action="store_true", help="vLLM on CPU")
    args = parser.parse_args()
    rows = [row for row in build_devset() if half(row) == "held-out"]
    detector = make_detector("on", load_embedded("train").questions)
    verdicts = detector.detect([row["question"] for row in rows])
    band = [i for i, verdict in enumerate(verdicts) if detector.undecided(verdict)]
    engine = judge_engine(None if args.endpoint else args.model, args.endpoint, enforce_eager=args.enforce_eager)
    started = time.perf_counter()
    said_yes = ask(engine, detector, [rows[i]["question"] for i in band], [verdicts[i].test_index for i in band])
    print(f"{len(band)} of {len(rows)} held-out questions in the band, judged in {time.perf_counter() - started:.0f} s")
    in_band, right, yes = Counter(), Counter(), Counter()
    contaminated = [verdict.contaminated for verdict in verdicts]
    flagged = list(contaminated)  # and what the judge says yes to
    for i, answer in zip(band, said_yes):
        kind = rows[i]["kind"]
        in_band[kind] += 1
        right[kind] += verdicts[i].test_index == rows[i].get("test_index")
        yes[kind] += answer
        flagged[i] = flagged[i] or answer
    without = recall_table(rows, contaminated)
    with_judge = recall_table(rows, flagged)
    totals = Counter(row["kind"] for row in rows)
    print(f"{'kind':34s} {'n':>5s} {'band':>5s} {'right':>5s} {'yes':>4s}  without  with judge")
    for kind in sorted(totals):
        print(
            f"{kind:34s} {totals[kind]:5d} {in_band[kind]:5d} {right[kind]:5d} {yes[kind]:4d}"
            f"  {without[kind]:7.4f}  {with_judge[kind]:9.4f}"
        )


if __name__ == "__main__":
    main()
