"""Numbers as grade-school math text writes them: "$1,200.50", "25%", "3/4", "1 1/2", "-5", ".25".

One regex and one parser serve answer extraction, the calculator check, the symbolic
engine and contamination, so "the same number" means the same thing everywhere.
Values are exact `Fraction`s: 0.1 + 0.2 must equal 0.3 when we compare answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

# A sign counts only where it cannot be a hyphen or a subtraction: "5-year-old" and
# "75-55" hold no negative number. Mixed numbers ("1 1/2") and fractions ("3/4") come
# before plain numbers so the longest reading wins.
_SIGN = r"(?:(?<![\w)\]])-)?"
_PLAIN = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
NUMBER_RE = re.compile(
    rf"(?<![\w./])(?P<money>\$\s?)?(?P<num>{_SIGN}(?:\d+ \d+/\d+|\d+/\d+(?![\d/])|{_PLAIN}))"
    rf"(?P<pct>\s?%| percent\b)?(?!(?:st|nd|rd|th)\b)(?!\d|/\d|\.\d|,\d{{3}})"
)


# A bare number as calculators write it: no sign, no fraction ("48/2" is two literals).
LITERAL_RE = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?!\d|st\b|nd\b|rd\b|th\b)")


def literal_values(text: str) -> list[Fraction]:
    """Every bare number in `text`, fractions read as two numbers."""
    return [_decimal(m.group(0)) for m in LITERAL_RE.finditer(text)]


@lru_cache(maxsize=1 << 16)
def _decimal(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


@dataclass(frozen=True)
class NumberMention:
    """A number written in text: where it is, what it is worth and how it was written."""

    start: int
    end: int
    value: Fraction
    text: str
    money: bool = False
    percent: bool = False
    fraction: bool = False  # written as a/b or "a b/c"
    commas: bool = False  # written with thousands separators
    decimals: int = 0  # digits after the point as written
    number_span: tuple[int, int] = (0, 0)  # the digits alone, without "$" or "%"


@lru_cache(maxsize=1 << 16)
def parse_plain_number(text: str) -> Fraction | None:
    """Parse digits with optional sign, thousands separators, decimals or a/b; None if not a number."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    negative = text.startswith("-")
    body = text[1:] if negative else text
    try:
        if " " in body:
            whole, frac = body.split(" ", 1)
            num, den = frac.split("/")
            value = Fraction(int(whole)) + Fraction(int(num), int(den))
        elif "/" in body:
            num, den = body.split("/")
            value = Fraction(int(num), int(den))
        else:
            value = Fraction(body)
    except (ValueError, ZeroDivisionError):
        return None
    return -value if negative else value


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in `text`, left to right."""
    mentions = []
    for match in NUMBER_RE.finditer(text):
        raw = match.group("num")
        value = parse_plain_number(raw)
        if value is None:
            continue
        decimals = len(raw.split(".", 1)[1]) if "." in raw else 0
        mentions.append(
            NumberMention(
                start=match.start(),
                end=match.end(),
                value=value,
                text=match.group(0),
                money=match.group("money") is not None,
                percent=match.group("pct") is not None,
                fraction="/" in raw,
                commas="," in raw,
                decimals=decimals,
                number_span=match.span("num"),
            )
        )
    return mentions


def format_number(value: Fraction | int | float, decimals: int | None = None, commas: bool = False) -> str:
    """Canonical text for a value: integers without ".0", other values with up to 6 decimals.

    `decimals` forces that many digits after the point (money: 2). Non-terminating values
    are rounded, which is what a GSM8K solution writes too ("10/3 = 3.33").
    """
    value = Fraction(value)
    if decimals is None:
        if value.denominator == 1:
            text = str(value.numerator)
        else:
            text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{float(value):.{decimals}f}"
    if text in ("-0", "-0.00", "-0.0"):
        text = text[1:]
    if commas:
        sign, _, rest = text.rpartition("-")
        whole, dot, frac = rest.partition(".")
        text = f"{sign}{int(whole):,}{dot}{frac}"
    return text


def decimal_places(value: Fraction, limit: int = 6) -> int | None:
    """How many decimals `value` needs exactly, or None if more than `limit` (1/3 never ends)."""
    for places in range(limit + 1):
        if (value * 10**places).denominator == 1:
            return places
    return None


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_VALUES: dict[str, int] = {word: i for i, word in enumerate(_UNITS)}
WORD_VALUES |= {word: 20 + 10 * i for i, word in enumerate(_TENS)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_WORD = "(?:" + "|".join(sorted([*WORD_VALUES, *_SCALES], key=len, reverse=True)) + ")"
NUMBER_WORDS_RE = re.compile(
    rf"\b{_WORD}(?:(?:(?<=hundred)\s+and\s+|(?<=thousand)\s+and\s+|[\s-]+){_WORD})*\b", re.IGNORECASE
)


def parse_number_words(text: str) -> int | None:
    """ "forty-two" -> 42, "two hundred and five" -> 205; None unless every word is a number word."""
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", text.strip().lower()):
        if word == "and" and seen:
            continue
        if word in WORD_VALUES:
            current += WORD_VALUES[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] > 100:
                total, current = total + current, 0
        else:
            return None
        seen = True
    return total + current if seen else None


def number_to_words(value: int) -> str:
    """Inverse of `parse_number_words` for 0..999,999 (symbolic variants keep a word's style)."""
    if value < 20:
        return _UNITS[value]
    if value < 100:
        tens, unit = divmod(value, 10)
        return _TENS[tens - 2] + (f"-{_UNITS[unit]}" if unit else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{_UNITS[hundreds]} hundred" + (f" {number_to_words(rest)}" if rest else "")
    thousands, rest = divmod(value, 1000)
    return f"{number_to_words(thousands)} thousand" + (f" {number_to_words(rest)}" if rest else "")


def number_values(text: str) -> list[Fraction]:
    """Every number a text states, written in digits or words ("forty-two"), in order of appearance."""
    found = [(m.start(), _decimal(m.group(0))) for m in LITERAL_RE.finditer(text)]
    for match in NUMBER_WORDS_RE.finditer(text):
        value = parse_number_words(match.group(0))
        if value is not None:
            found.append((match.start(), Fraction(value)))
    return [value for _, value in sorted(found, key=lambda item: item[0])]
