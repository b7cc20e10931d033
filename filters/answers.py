"""Final-answer extraction and numeric equivalence for model outputs and datasets.

Styles, strongest first: the GSM8K `#### N` line, `\\boxed{N}`, "The answer is N", then the
last number in the text, which is marked weak (a model that trails off mid-sentence
still "ends" in a number). Values are compared exactly as fractions, so "$1,200.00",
"1200" and "\\frac{2400}{2}" are one answer.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from fractions import Fraction

from filters.numbers import NUMBER_WORDS_RE, find_numbers, format_number, parse_number_words

_HASH_RE = re.compile(r"####\s*([^\n]*)")
_ANSWER_IS_RE = re.compile(
    r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?\s*([^\n]*)",
    re.IGNORECASE,
)
_LATEX_REWRITES = [
    (re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}"), r"(\1)/(\2)"),
    (re.compile(r"\\text\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\{,\}"), ","),
    (re.compile(r"\\[,;!]|\\left|\\right|\\\$"), ""),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\cdot|\\times"), "*"),
]


@dataclass(frozen=True)
class ExtractedAnswer:
    """A final answer found in text: its exact value (None if not a number), how it was found."""

    value: Fraction | None
    text: str
    style: str  # "####", "boxed", "answer-is", "last-number" or "none"
    weak: bool = False

    @property
    def normalized(self) -> str | None:
        return None if self.value is None else format_number(self.value)


def _boxed_contents(text: str) -> str | None:
    """Contents of the last \\boxed{...}, braces balanced."""
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    open_at = text.find("{", start)
    if open_at < 0:
        return None
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[open_at + 1 : i]
    return None


def clean_latex(text: str) -> str:
    for pattern, replacement in _LATEX_REWRITES:
        text = pattern.sub(replacement, text)
    return text


def parse_answer_value(text: str) -> Fraction | None:
    """The number a short answer text states: "$1,200.00" -> 1200, "\\frac{3}{4}" -> 3/4, "five" -> 5.

    Percent signs are dropped ("50%" is 50, the GSM8K convention); units and trailing
    words are ignored; a fraction in parentheses from LaTeX is evaluated.
    """
    text = clean_latex(text).strip().rstrip(".")
    if re.search(r"\\[a-zA-Z]+|\^", text):  # \sqrt{4}, 2^{3}: not ours to read; math-verify decides
        return None
    fraction = re.fullmatch(r"\s*\(?\s*(-?[\d.,]+)\s*\)?\s*/\s*\(?\s*([\d.,]+)\s*\)?\s*", text)
    if fraction:
        try:
            num, den = (Fraction(part.replace(",", "")) for part in fraction.groups())
            return num / den if den else None
        except ValueError:
            return None
    mentions = find_numbers(text.replace("(", " ").replace(")", " "))
    if mentions:
        return mentions[0].value
    words = NUMBER_WORDS_RE.search(text)
    if words:
        value = parse_number_words(words.group(0))
        return None if value is None else Fraction(value)
    return None


def extract_answer(text: str) -> ExtractedAnswer:
    """Find the final answer a solution states, by the strongest style present."""
    hashes = _HASH_RE.findall(text)
    if hashes:
        return ExtractedAnswer(parse_answer_value(hashes[-1]), hashes[-1].strip(), "####")
    boxed = _boxed_contents(text)
    if boxed is not None:
        return ExtractedAnswer(parse_answer_value(boxed), boxed.strip(), "boxed")
    stated = _ANSWER_IS_RE.findall(text)
    if stated:
        value = parse_answer_value(stated[-1])
        if value is not None:
            return ExtractedAnswer(value, stated[-1].strip(), "answer-is")
    mentions = find_numbers(clean_latex(text))
    if mentions:
        return ExtractedAnswer(mentions[-1].value, mentions[-1].text.strip(), "last-number", weak=True)
    return ExtractedAnswer(None, "", "none", weak=True)


def answers_equal(predicted: str | Fraction | None, gold: str | Fraction | None) -> bool:
    """Numeric equivalence of two answers; math-verify decides what our parser cannot read.

    math-verify's parser uses signal alarms, so outside the main thread an unreadable answer
    simply does not match.
    """
    if predicted is None or gold is None:
        return False
    left = predicted if isinstance(predicted, Fraction) else parse_answer_value(predicted)
    right = gold if isinstance(gold, Fraction) else parse_answer_value(gold)
    if left is not None and right is not None:
        return left == right or abs(left - right) <= abs(right) * Fraction(1, 10**9)
    if threading.current_thread() is not threading.main_thread():
        return False
    from math_verify import parse, verify  # slow import, rarely needed

    try:
        return bool(verify(parse(f"${_latex(gold)}$"), parse(f"${_latex(predicted)}$")))
    except Exception:  # math-verify raises many kinds on unreadable input
        return False


def _latex(answer: str | Fraction) -> str:
    return f"\\frac{{{answer.numerator}}}{{{answer.denominator}}}" if isinstance(answer, Fraction) else answer
