"""Contamination detector: quality on the labelled dev set, and speed auditing 50,000 questions.

Quality: recall per kind of test-derived question (verbatim, renumbered, renamed, extended,
paraphrase) and the share of the 7,473 train questions flagged, with and without embeddings.
The dev set is built by `benchmarks/contamination_devset.py`; thresholds were calibrated on it
(no public GSM8K-test benchmark was used).

Speed: 50,000 generated questions against the 1,319 test questions, with and without embeddings
(the embedding model load is counted; the test questions' embeddings ship with the package).

    python -m benchmarks.bench_contamination
"""

import time
from collections import Counter

from augment.sources import load_embedded
from benchmarks.common import generated_questions
from benchmarks.contamination_devset import build_devset
from augment.decontamination import make_detector


def quality(embeddings: str, devset: list[dict]) -> None:
    detector = make_detector(embeddings, load_embedded("train").questions)
    verdicts = detector.detect([row["question"] for row in devset])
    totals, hits, right_test = Counter(), Counter(), Counter()
    for row, verdict in zip(devset, verdicts):
        totals[row["kind"]] += 1
        hits[row["kind"]] += verdict.contaminated
        right_test[row["kind"]] += verdict.contaminated and verdict.test_index == row["test_index"]
    print(f"embeddings={embeddings}")
    for kind in sorted(totals, key=lambda k: (k == "negative-train", k)):
        label = "flagged" if kind == "negative-train" else "recall"
        extra = "" if kind == "negative-train" else f"  (matched test question {right_test[kind] / totals[kind]:.4f})"
        print(f"  {kind:22s} n={totals[kind]:5,d}  {label} {hits[kind] / totals[kind]:.4f}{extra}")


def speed(embeddings: str, questions: list[str]) -> None:
    started = time.perf_counter()
    detector = make_detector(embeddings, load_embedded("train").questions)
    verdicts = detector.detect(questions)
    seconds = time.perf_counter() - started
    reasons = Counter(v.reason for v in verdicts if v.contaminated)
    print(f"embeddings={embeddings}: {len(questions):,} questions in {seconds:.1f} s "
          f"({len(questions) / seconds:,.0f}/s), flagged {sum(reasons.values()):,} {dict(reasons)}")


if __name__ == "__main__":
    devset = build_devset()
    for mode in ("on", "off"):
        quality(mode, devset)
    questions = generated_questions()
    for mode in ("off", "on"):
        speed(mode, questions)
