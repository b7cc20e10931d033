"""Quality checks for a (question, answer) pair; each returns None to keep or a named reason.

The reasons are short and stable ("quality:no-question") because the run's funnel and
the data card count drops by them. GSM8K-style policy (whole, non-negative answers) is
on by default and configurable, since other grade-school sets allow fractions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from filters.answers import ExtractedAnswer, extract_answer
from filters.numbers import parse_plain_number

_ASK_RE = re.compile(
    r"\?|\b(?:how (?:many|much|long|far|old|fast|often)|what|which|find|calculate|determine|compute|work out)\b",
    re.IGNORECASE,
)
_STATED_ANSWER_RE = re.compile(r"\b(?:answer|solution)\s*(?:is|:|=)\s*\$?(-?[\d,]*\.?\d+)", re.IGNORECASE)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOPWORDS = frozenset(
    "the a an of and to in is are was were he she they it his her their for on at with by how many much "
    "what each if has have had did does do than more as from that this per".split()
)


@dataclass(frozen=True)
class QualityPolicy:
    """Bounds and answer policy; defaults fit GSM8K."""

    min_question_words: int = 8
    max_question_words: int = 300
    max_answer_words: int = 800
    allow_negative: bool = False
    allow_non_integer: bool = False
    min_english_share: float = 0.5

    def __post_init__(self):
        if not 0 < self.min_question_words < self.max_question_words:
            raise ValueError("need 0 < min_question_words < max_question_words")
        if not 0.0 <= self.min_english_share <= 1.0:
            raise ValueError("min_english_share must be within 0..1")


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d[\d,.]*", text)


def check_empty(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    return "quality:empty" if not question.strip() or not answer.strip() else None


def check_length(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    words = len(_words(question))
    if words < policy.min_question_words:
        return "quality:too-short"
    if words > policy.max_question_words or len(_words(answer)) > policy.max_answer_words:
        return "quality:too-long"
    return None


def check_asks_question(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    return None if _ASK_RE.search(question) else "quality:no-question"


def check_answer_leak(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    """The question states its own answer: a solution marker, or "the answer is N" for its N."""
    if "####" in question or "<<" in question:
        return "quality:answer-leak"
    for stated in _STATED_ANSWER_RE.findall(question):
        if final.value is not None and parse_plain_number(stated) == final.value:
            return "quality:answer-leak"
    return None


def check_repetition(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    """A sentence of five or more words said twice: the signature of a looping model."""
    for text in (question, answer):
        seen = set()
        for sentence in _SENTENCE_SPLIT_RE.split(text):
            key = " ".join(_words(sentence.lower()))
            if len(key.split()) < 5:
                continue
            if key in seen:
                return "quality:repeated-sentences"
            seen.add(key)
    return None


def check_english(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    letters = [c for c in question if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return "quality:non-english"
    words = [w.lower() for w in _words(question) if not w[0].isdigit()]
    if words and sum(map(_STOPWORDS.__contains__, words)) / len(words) < policy.min_english_share * 0.3:
        return "quality:non-english"
    return None


def check_final_answer(question: str, answer: str, final: ExtractedAnswer, policy: QualityPolicy) -> str | None:
    if final.style != "####" or final.value is None:
        return "quality:final-not-number"
    return check_answer_policy(final.value, policy)


def check_answer_policy(value: Fraction, policy: QualityPolicy) -> str | None:
    """GSM8K policy on the final value: non-negative and whole unless the policy allows otherwise."""
    if value < 0 and not policy.allow_negative:
        return "quality:negative-answer"
    if value.denominator != 1 and not policy.allow_non_integer:
        return "quality:non-integer-answer"
    return None


QUALITY_CHECKS: tuple[Callable[[str, str, ExtractedAnswer, QualityPolicy], str | None], ...] = (
    check_empty,
    check_length,
    check_asks_question,
    check_answer_leak,
    check_repetition,
    check_english,
    check_final_answer,
)


def check_quality(question: str, answer: str, policy: QualityPolicy = QualityPolicy()) -> str | None:
    """The first failing check's reason, or None when the pair passes every check."""
    final = extract_answer(answer)
    for check in QUALITY_CHECKS:
        reason = check(question, answer, final, policy)
        if reason:
            return reason
    return None
