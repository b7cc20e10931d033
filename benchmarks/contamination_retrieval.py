"""Is the right test question among the retrieved candidates at all? Recall@k of each retriever on the
CALIBRATION half of the dev set (even test indices) for the hand-written kinds: where a miss comes from
retrieval and where from the pair scorer. The held-out half is never read here.

    python -m benchmarks.contamination_retrieval
"""

import numpy as np

from augment.decontamination import make_detector
from augment.sources import load_embedded
from benchmarks.contamination_devset import build_devset, half
from filters.contamination import PairScorer
from filters.contamination_signals import PAIR_FEATURES

KINDS = ("p2", "rephrase", "gsmplus", "paraphrase")
DEPTHS = (3, 10, 30)


def found(scores: np.ndarray, truth: np.ndarray, depth: int) -> np.ndarray:
    """Per row: does its right test question rank among the `depth` highest scores (ties count against)?"""
    return (scores > scores[np.arange(len(truth)), truth][:, None]).sum(axis=1) < depth


def main() -> None:
    rows = [
        r for r in build_devset(with_symbolic=False) if half(r) == "calibration" and r["kind"].split(":")[0] in KINDS
    ]
    detector = make_detector(
        "auto", load_embedded("train").questions, scorer=PairScorer((0.0,) * len(PAIR_FEATURES), 0.0, 1.0)
    )
    scores = detector.retrieval_scores([r["question"] for r in rows])
    truth = np.array([r["test_index"] for r in rows])
    kinds = np.array([r["kind"].split(":")[0] for r in rows])
    names = [*scores, "any"]  # any: some retriever proposes it (the detector's candidates at top_k = 3)
    print(f"{'kind':12s}{'n':>5s}" + "".join(f"{f'{name}@{k}':>14s}" for name in names for k in DEPTHS))
    for kind in KINDS:
        mask = kinds == kind
        hits = {name: {k: found(matrix[mask], truth[mask], k) for k in DEPTHS} for name, matrix in scores.items()}
        hits["any"] = {k: np.any([hits[name][k] for name in scores], axis=0) for k in DEPTHS}
        figures = [hits[name][k].mean() for name in names for k in DEPTHS]
        print(f"{kind:12s}{mask.sum():5d}" + "".join(f"{f:14.2f}" for f in figures))


if __name__ == "__main__":
    main()
