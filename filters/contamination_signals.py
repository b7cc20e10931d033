"""What the contamination detector measures about a question and about one (question, test question) pair.

Texts become word skeletons (numbers masked as "#", names as "@"), their informative numbers,
their function-word structure, and retrieval tokens. A pair gets one row of PAIR_FEATURES:
lexical, embedding, skeleton, containment, number and structure evidence. Which mix of them
means "derived from" is learned (`filters/contamination.py`), not hand-set here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz.distance import LCSseq

from filters.numbers import WORD_VALUES

NAME = r"\b[A-Z][a-z]+\b"
NUMBER = r"\d[\d,]*(?:\.\d+)?|\.\d+"
STOPWORDS = frozenset(
    "a an the of and or to in on at for by with from is are was were be been has have had he she they it his her "
    "their them him its if then than that this these those each every how many much what which who when there "
    "some more less as so does did do will would can could per all also after before into out up down @ #".split()
)
OPENERS = sorted(
    set(
        "A An The He She His Her Hers They Their Them It Its If In On At After Before Each Every When What Which "
        "How There This That These Those Then So But And For One Two Three Four Five Six Seven Eight Nine Ten Some "
        "All Also Later Now Today Yesterday Tomorrow During While Since Because As To From With By Of Out Over "
        "Meanwhile Finally First Second Third Last Next Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
        "January February March April May June July August September October November December Mr Mrs Ms Dr I "
        "You We My Our Your".split()
    )
)
NUMBER_WORDS = {word: str(value) for word, value in WORD_VALUES.items() if value}
PAIR_FEATURES = (
    "tfidf",  # cosine of content-word and number TF-IDF vectors
    "static",  # cosine of the static embeddings (0 without embeddings)
    "static_lift",  # that cosine against the question's mean over all test questions, in standard deviations
    "skeleton",  # word LCS similarity of the skeletons: renumbered, renamed
    "test_inside",  # share of the test skeleton found in the question: clauses added
    "question_inside",  # share of the question's skeleton found in the test: clauses removed
    "number_cover",  # rarity-weighted share of the test's numbers that the question states
    "number_strength",  # summed rarity of those numbers (/10, at most 2)
    "structure_inside",  # share of the test's function-word sequence found in the question
    "length_ratio",  # |log(question words / test words)|
    "numbers_and_lift",  # number_cover * static_lift: the same numbers in a close story
    "inside_and_tfidf",  # test_inside * tfidf: the test's text inside, in the same words
    "skeleton_high",  # hinges, so that a linear scorer can say "above this, certainly":
    "inside_high",  # max(0, x - 0.8) of skeleton and test_inside,
    "cover_high",  # max(0, number_cover - 0.7),
    "lift_high",  # max(0, static_lift - 3)
    "numbers_equal",  # the question states exactly the test's numbers, as rephrasings do
    "numbers_equal_strength",  # ... times number_strength: rare numbers, all of them, and no other
    "extra_numbers",  # rarity-weighted share of the question's numbers that the test does not state
    "question_static",  # cosine of the final (asking) sentences, names and numbers left out (0 without embeddings)
    "numbers_equal_but_ones",  # numbers_equal, a stated 1 aside: rephrasings turn "one" into "a", "each", "single"
    "shared_number_kinds",  # ... times how many distinct numbers that is (/6, at most 1): three or more rarely agree
    "number_order",  # share of the test's numbers (1 aside) that the question states in the same order
    "large_numbers_equal",  # the same numbers above 3 (at least one): wording makes and unmakes "two thirds"
)


@dataclass
class PreparedTexts:
    skeletons: list[list[str]]
    structures: list[list[str]]
    numbers: list[Counter]
    number_sequences: list[list[str]]  # the stated numbers in order, a stated 1 left out
    numbers_but_ones: list[dict]  # their counts
    large_numbers: list[dict]  # the counts of the stated numbers above 3
    names: list[frozenset]
    normalized: list[str]
    tokens: pl.Series  # content words and number tokens, for TF-IDF retrieval
    final_sentences: list[str]  # the last sentence (the question asked), without names and numbers


def _final_sentences(series: pl.Series) -> pl.Series:
    """The last sentence of each text, names and numbers left out: the question a variant keeps asking."""
    last = series.str.strip_chars().str.replace(r"^[\s\S]*[.!?]\s+", "")
    words = last.str.extract_all(r"[A-Za-z]+|[^\w\s]")
    is_name = pl.element().str.contains(r"^[A-Z][a-z]+$") & ~pl.element().is_in(OPENERS)
    return words.list.eval(pl.element().filter(~is_name)).list.join(" ")


def prepare(texts: list[str]) -> PreparedTexts:
    series = pl.Series(texts, dtype=pl.String)
    # names: capitalised words that are not sentence openers ("His dog ..." adds no person)
    names = series.str.extract_all(NAME).list.eval(pl.element().filter(~pl.element().is_in(OPENERS))).to_list()
    # Number words become digits so "three children" and "3 children" agree; names become "@".
    words = (
        series.str.replace_all(NAME, " @ ")
        .str.to_lowercase()
        .str.extract_all(r"[a-z]+|[@]|" + NUMBER)
        .list.eval(pl.element().replace(NUMBER_WORDS).str.replace_all(",", ""))
    )
    numeric = pl.element().str.contains(r"^[\d.]")
    skeletons = words.list.eval(pl.when(numeric).then(pl.lit("#")).otherwise(pl.element()))
    sequences = words.list.eval(pl.element().filter(numeric)).to_list()
    but_ones = [[n for n in row if n != "1"] for row in sequences]
    return PreparedTexts(
        skeletons=skeletons.to_list(),
        structures=skeletons.list.eval(pl.element().filter(pl.element().is_in(list(STOPWORDS)))).to_list(),
        numbers=[Counter(row) for row in sequences],
        number_sequences=but_ones,
        numbers_but_ones=[dict(Counter(row)) for row in but_ones],
        large_numbers=[dict(Counter(n for n in row if float(n) > 3)) for row in sequences],
        names=[frozenset(row) for row in names],
        normalized=series.str.to_lowercase().str.extract_all(r"[a-z]+|" + NUMBER).list.join(" ").to_list(),
        tokens=words.list.eval(pl.element().filter(~pl.element().is_in(list(STOPWORDS)))),
        final_sentences=_final_sentences(series).to_list(),
    )


@dataclass(frozen=True)
class PairEvidence:
    """The rule-readable part of a pair, used to name the reason of a flag."""

    verbatim: bool
    skeleton: float
    inside: float
    same_numbers: bool
    same_names: bool


@dataclass(frozen=True)
class PairSimilarities:
    """What the detector's indexes already measured about each retrieved pair (zeros without embeddings)."""

    tfidf: np.ndarray
    static: np.ndarray
    lift: np.ndarray
    question_static: np.ndarray


def pair_features(
    query: PreparedTexts,
    test: PreparedTexts,
    rows: np.ndarray,
    columns: np.ndarray,
    similarities: PairSimilarities,
    number_weight,
) -> tuple[np.ndarray, list[PairEvidence]]:
    """PAIR_FEATURES for each (query row, test column) pair, and the evidence that names each pair's reason."""
    measured = np.zeros((len(rows), 11))  # LCS of skeletons, lengths, numbers: cover, strength, extra; LCS of
    # structures; numbers but ones: equal, distinct shared, in order; numbers above 3 equal
    evidence = []
    # Weights and totals once per text, not once per pair (sums in the same order, so the same floats).
    stated_by_row = {row: _weighted(query.numbers[row], number_weight) for row in set(rows.tolist())}
    total_by_column = {column: _weighted(test.numbers[column], number_weight) for column in set(columns.tolist())}
    weighted_items = {
        column: [(n, c, number_weight(n)) for n, c in test.numbers[column].items()] for column in total_by_column
    }
    for k, (row, column) in enumerate(zip(rows.tolist(), columns.tolist())):
        q, t = query.skeletons[row], test.skeletons[column]
        common = LCSseq.similarity(q, t)
        test_numbers, query_numbers = test.numbers[column], query.numbers[row]
        total, stated = total_by_column[column], stated_by_row[row]
        shared = sum(w * min(c, query_numbers[n]) for n, c, w in weighted_items[column] if n in query_numbers)
        structure = test.structures[column]
        structure_inside = LCSseq.similarity(query.structures[row], structure) / max(len(structure), 1)
        extra = (stated - shared) / stated if stated else 0.0
        query_sequence, test_sequence = query.number_sequences[row], test.number_sequences[column]
        but_ones = query.numbers_but_ones[row]
        equal_but_ones = bool(test_sequence) and but_ones == test.numbers_but_ones[column]
        large = query.large_numbers[row]
        measured[k] = (
            common,
            len(q),
            len(t),
            shared / total if total else 0.0,
            shared,
            extra,
            structure_inside,
            equal_but_ones,
            len(but_ones) if equal_but_ones else 0,
            LCSseq.similarity(query_sequence, test_sequence) / max(len(test_sequence), 1),
            bool(large) and large == test.large_numbers[column],
        )
        # dict equality: Counter's == loops in Python, and these counts are never zero
        evidence.append(
            (
                query.normalized[row] == test.normalized[column],
                dict.__eq__(query_numbers, test_numbers),
                query.names[row] == test.names[column],
            )
        )
    (common, query_words, test_words, cover, shared, extra, structure_inside, equal_but_ones, kinds, order, large) = (
        measured.T
    )
    tfidf, static, lift = similarities.tfidf, similarities.static, similarities.lift
    equal = np.array(
        [same_numbers and bool(test.numbers[c]) for (_, same_numbers, _), c in zip(evidence, columns.tolist())],
        dtype=np.float64,
    )
    skeleton = 2 * common / np.maximum(query_words + test_words, 1)
    test_inside, question_inside = common / np.maximum(test_words, 1), common / np.maximum(query_words, 1)
    length_ratio = np.abs(np.log(np.maximum(query_words, 1) / np.maximum(test_words, 1)))
    features = np.column_stack(
        [
            tfidf,
            static,
            lift,
            skeleton,
            test_inside,
            question_inside,
            cover,
            np.minimum(shared / 10, 2.0),
            structure_inside,
            length_ratio,
            cover * lift,
            test_inside * tfidf,
            np.maximum(skeleton - 0.8, 0),
            np.maximum(test_inside - 0.8, 0),
            np.maximum(cover - 0.7, 0),
            np.maximum(lift - 3.0, 0),
            equal,
            equal * np.minimum(shared / 10, 2.0),
            extra,
            similarities.question_static,
            equal_but_ones,
            equal_but_ones * np.minimum(kinds / 6, 1.0),
            order,
            large,
        ]
    )
    inside = np.maximum(test_inside, question_inside)
    described = [
        PairEvidence(verbatim, float(skeleton[k]), float(inside[k]), same_numbers, same_names)
        for k, (verbatim, same_numbers, same_names) in enumerate(evidence)
    ]
    return features.reshape(len(rows), len(PAIR_FEATURES)), described


def _weighted(numbers: Counter, number_weight) -> float:
    """The rarity-weighted count of a text's numbers."""
    return sum(number_weight(n) * c for n, c in numbers.items())
