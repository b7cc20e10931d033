"""Fit the contamination scorer on the calibration half of the dev set; measure it on the held-out half.

The dev set (`benchmarks/contamination_devset.py`) is split by test index: even indices (and even
train indices for the negatives) calibrate, odd ones are only measured. For each retrieved
(question, test question) pair, the label is 1 when the question derives from that test question.
A class-balanced, L2-regularised logistic regression is fitted on the calibration pairs (those of
MEASURED_ONLY kinds aside); the threshold is the lowest that flags at most TRAIN_FLAG_BUDGET of the
calibration half's train questions. The held-out figures are what the card reports. Writes filters/contamination_scorer.json.

    python -m benchmarks.calibrate_contamination
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import numpy as np
from scipy.optimize import minimize

from augment.decontamination import make_detector
from augment.sources import load_embedded
from benchmarks.contamination_devset import build_devset, half
from filters.contamination import SCORER_FILE, PairScorer
from filters.contamination_signals import PAIR_FEATURES

TRAIN_FLAG_BUDGET = 0.003  # the target is <= 0.5% of train flagged; keep a margin for the other half
# An LLM judge, when used, decides the best pair of about 10% of train-like questions: on the held-out half
# that band holds 10 of the 12 rephrasings the scorer misses, against 6 of 12 at 3% (`judge_reach`).
JUDGE_BUDGET = 0.10
L2 = 1e-3
# Measured on both halves, never fitted: fitting the templated P2 kind cost the hand-written
# rephrasings 0.82 -> 0.72 of recall on the calibration half, and it is met (0.96) without.
MEASURED_ONLY = frozenset({"p2-templated"})


def family(kind: str) -> str:
    """The eight GSM-Plus-style perturbations ("gsmplus:digit_expansion", ...) weigh as one kind."""
    return kind.split(":")[0]


def fit(features: np.ndarray, labels: np.ndarray, kinds: list[str]) -> tuple[np.ndarray, float]:
    """Logistic regression, positives and negatives weighted half and half, each kind of positive
    equally (a few hundred rephrasings count as much as thousands of renumberings): (weights, bias)."""
    families = [family(kind) for kind in kinds]
    positive_kinds = Counter(kind for kind, label in zip(families, labels) if label)
    balance = np.array(
        [
            0.5 / len(positive_kinds) / positive_kinds[kind] if label else 0.5 / (1 - labels.mean())
            for kind, label in zip(families, labels)
        ]
    ) * len(labels)

    def loss(theta):
        z = features @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-z))
        value = np.sum(balance * (np.logaddexp(0, z) - labels * z)) / len(labels) + L2 * theta[:-1] @ theta[:-1]
        gradient = np.concatenate([features.T @ (balance * (p - labels)), [np.sum(balance * (p - labels))]])
        return value, gradient / len(labels) + np.concatenate([2 * L2 * theta[:-1], [0.0]])

    theta = minimize(loss, np.zeros(features.shape[1] + 1), jac=True, method="L-BFGS-B").x
    return theta[:-1], float(theta[-1])


def best_scores(rows: list[dict], pairs, probability: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: its best pair's probability (1 when verbatim), that pair's test index, verbatim or not."""
    best, where, verbatim = np.zeros(len(rows)), np.full(len(rows), -1), np.zeros(len(rows), bool)
    for k, (row, column) in enumerate(zip(pairs.rows, pairs.columns)):
        score = 1.0 if pairs.evidence[k].verbatim else probability[k]
        if score > best[row]:
            best[row], where[row], verbatim[row] = score, column, pairs.evidence[k].verbatim
    return best, where, verbatim


def measure(rows: list[dict], best: np.ndarray, where: np.ndarray, threshold: float, judge_floor: float) -> dict:
    """Per kind: n, the share flagged, the share flagged with the right test question, and `judge_reach`: the
    share flagged or sent to a judge with its right test question, the most a judge that always answers right
    could flag (for train: the share sent to a judge)."""
    totals, hits, matched, reach = Counter(), Counter(), Counter(), Counter()
    for row, score, column in zip(rows, best, where):
        kind = row["kind"]
        totals[kind] += 1
        hits[kind] += bool(score >= threshold)
        matched[kind] += bool(score >= threshold and column == row["test_index"])
        if kind == "negative-train":
            reach[kind] += bool(judge_floor <= score < threshold)
        else:
            reach[kind] += bool(score >= threshold or score >= judge_floor and column == row["test_index"])

    def shares(members: list[str]) -> dict:
        n = sum(totals[k] for k in members)
        return {"n": n} | {
            name: round(sum(counter[k] for k in members) / n, 4)
            for name, counter in (("flagged", hits), ("right_test", matched), ("judge_reach", reach))
        }

    figures = {kind: shares([kind]) for kind in sorted(totals)}
    figures |= {
        name: shares([k for k in totals if family(k) == name]) for name in {family(k) for k in totals if ":" in k}
    }
    figures["all-positives"] = shares([k for k in totals if k != "negative-train"])
    return figures


def calibrate(embeddings: str, devset: list[dict]) -> dict:
    detector = make_detector(
        embeddings, load_embedded("train").questions, scorer=PairScorer((0.0,) * len(PAIR_FEATURES), 0.0, 1.0)
    )
    results = {}
    split = defaultdict(list)
    for row in devset:
        split[half(row)].append(row)
    pairs = {name: detector.pairs([r["question"] for r in rows]) for name, rows in split.items()}
    calibration, held_out = split["calibration"], split["held-out"]
    pc = pairs["calibration"]
    labels = np.array([calibration[r]["test_index"] == c for r, c in zip(pc.rows, pc.columns)], dtype=float)
    fitted = np.array([calibration[r]["kind"] not in MEASURED_ONLY for r in pc.rows])
    weights, bias = fit(pc.features[fitted], labels[fitted], [calibration[r]["kind"] for r in pc.rows[fitted]])
    scorer = PairScorer(tuple(float(w) for w in weights), bias, 1.0)
    best, where, verbatim = best_scores(calibration, pc, scorer.probability(pc.features))
    train_scores = np.sort(
        [b for b, r, v in zip(best, calibration, verbatim) if r["kind"] == "negative-train" and not v]
    )
    threshold = float(train_scores[int(np.floor(len(train_scores) * (1 - TRAIN_FLAG_BUDGET)))]) + 1e-9
    results["judge_floor"] = float(train_scores[int(np.floor(len(train_scores) * (1 - JUDGE_BUDGET)))])
    results["features"] = list(PAIR_FEATURES)
    results["weights"], results["bias"], results["threshold"] = (
        [round(float(w), 6) for w in weights],
        round(bias, 6),
        threshold,
    )
    results["calibration"] = measure(calibration, best, where, threshold, results["judge_floor"])
    ph = pairs["held-out"]
    best, where, _ = best_scores(held_out, ph, scorer.probability(ph.features))
    results["held_out"] = measure(held_out, best, where, threshold, results["judge_floor"])
    return results


def report(name: str, fitted: dict) -> None:
    print(f"{name}: threshold {fitted['threshold']:.4f}")
    for kind, figures in fitted["held_out"].items():
        calibration = fitted["calibration"][kind]["flagged"]
        label = "train flagged" if kind == "negative-train" else "recall"
        print(
            f"  {kind:36s} n={figures['n']:5d}  held-out {label} {figures['flagged']:.4f}   (calibration {calibration:.4f})"
            + (f"   judge reach {figures['judge_reach']:.4f}" if "judge_reach" in figures else "")
        )


if __name__ == "__main__":
    devset = build_devset()
    fitted = {"dev_set": "benchmarks/contamination_devset.py; calibration: even test/train indices, held-out: odd"}
    for mode, key in (("on", "with_embeddings"), ("off", "without_embeddings")):
        fitted[key] = calibrate(mode, devset)
        report(key, fitted[key])
    SCORER_FILE.write_text(json.dumps(fitted, indent=1) + "\n")
    print(f"wrote {SCORER_FILE}")
