"""Near-duplicate hashing: MinHash estimates, exact, near and renumbered duplicates, train rows."""

import numpy as np

from dedup.index import DedupSettings, DuplicateIndex
from dedup.minhash import MinHasher


def jaccard(a: str, b: str, k: int = 3) -> float:
    def shingles(text):
        words = text.lower().split()
        return {tuple(words[i : i + k]) for i in range(max(len(words) - k + 1, 1))}

    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


def test_minhash_estimates_jaccard(train_rows):
    hasher = MinHasher(num_perm=256)
    texts = [r["question"] for r in train_rows[:50]]
    edited = [t.replace(" the ", " a ", 1) for t in texts]
    signatures = hasher.signatures(texts + edited)
    estimates = (signatures[:50] == signatures[50:]).mean(axis=1)
    truths = np.array([jaccard(a, b) for a, b in zip(texts, edited)])
    assert np.abs(estimates - truths).mean() < 0.08


def test_exact_near_and_renumbered_rows(train_rows):
    index = DuplicateIndex()
    base = train_rows[0]["question"]
    rows = [
        base,
        base.upper(),  # exact after normalisation
        base.replace("sold clips", "sold hair clips"),  # near duplicate, same numbers
        base.replace("48", "36"),  # renumbered: a new problem, kept by default
        train_rows[1]["question"],
    ]
    matches = index.check(rows, [f"r{i}" for i in range(5)])
    assert [m.reason if m else None for m in matches] == [None, "dedup:exact", "dedup:near", None, None]
    assert matches[1].cluster == "r0" and matches[2].cluster == "r0"
    strict = DuplicateIndex(DedupSettings(numbers_must_match=False))
    assert strict.check(rows[:1] + rows[3:4], ["a", "b"])[1].reason == "dedup:near"


def test_against_train_with_originals_exempt(train_rows):
    index = DuplicateIndex()
    index.add_reference([train_rows[0]["question"]], ["train:0"])
    matches = index.check([train_rows[0]["question"]] * 2, ["original", "copy"], exempt_reference=[True, False])
    assert matches[0] is None and matches[1].reason == "dedup:exact-train"


def test_rebuilding_the_index_gives_the_same_decisions(train_rows):
    texts = [r["question"] for r in train_rows[:200]]
    stream = texts + [t.replace(" a ", " one ", 1) for t in texts[:50]]
    whole = DuplicateIndex()
    decisions = whole.check(stream, [f"r{i}" for i in range(len(stream))])
    first = DuplicateIndex()
    kept_first = first.check(stream[:120], [f"r{i}" for i in range(120)])
    rebuilt = DuplicateIndex()
    rebuilt.add(
        [t for t, m in zip(stream[:120], kept_first) if m is None],
        [f"r{i}" for i, m in enumerate(kept_first) if m is None],
    )
    rest = rebuilt.check(stream[120:], [f"r{i}" for i in range(120, len(stream))])
    assert [m.reason if m else None for m in decisions] == [m.reason if m else None for m in kept_first + rest]
