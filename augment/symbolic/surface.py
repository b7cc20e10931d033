"""Surface text of a rendered variant: what a new number or a new name does to the words around it.

A slot is rendered alone, so the words around it were written for the original value:
"an eight-hour shift" becomes "an ten-hour shift", "Two packages" at a sentence start becomes
"two packages", "James' aquarium" becomes "Christian' aquarium", and a "$2.5" written with one
decimal becomes "$1.0". `polish` mends exactly these, and touches nothing else.
"""

from __future__ import annotations

import re

from augment.symbolic.names import GENDER
from filters.numbers import NUMBER_WORDS_RE

_VOWEL_WORDS = ("eight", "eleven", "eighteen", "eighty")
_NUMBER_WORD_START = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|hundred|thousand)"
)
# "a"/"an" before a number written in digits or words.
_ARTICLE_RE = re.compile(rf"\b([Aa]n?)(\s+)(\d[\d,]*(?:\.\d+)?|{_NUMBER_WORD_START}\w*)", re.IGNORECASE)
_SENTENCE_START_RE = re.compile(rf"(^|[.!?]\s+|\n\s*)({_NUMBER_WORD_START}\b)")
_POSSESSIVE_RE = re.compile(r"\b([A-Z][a-z]+)'(?=\s)")
_POINT_ZERO_RE = re.compile(r"(\$\d[\d,]*)\.0(?![\d.])")


def polish(text: str) -> str:
    """The text with articles, sentence starts, possessives and "$x.0" agreeing with their new values."""
    text = _ARTICLE_RE.sub(_article, text)
    text = _SENTENCE_START_RE.sub(lambda m: m.group(1) + m.group(2).capitalize(), text)
    text = _POSSESSIVE_RE.sub(_possessive, text)
    return _POINT_ZERO_RE.sub(r"\1", text)


def starts_with_vowel_sound(number: str) -> bool:
    """Whether a number as written is read starting with a vowel: 8, 11, 18, 80-89, 800, 11,000, "eight"."""
    lowered = number.lower()
    if lowered[:1].isalpha():
        return lowered.startswith(_VOWEL_WORDS)
    whole = lowered.split(".", 1)[0]
    leading = whole.split(",", 1)[0] if "," in whole else whole[: (len(whole) - 1) % 3 + 1]
    return leading.startswith("8") or leading in ("11", "18")


def _article(match: re.Match) -> str:
    article, space, number = match.groups()
    if NUMBER_WORDS_RE.fullmatch(number) is None and not number[0].isdigit():
        return match.group(0)  # "an eightfold", "a tenant": not a number
    wanted = "an" if starts_with_vowel_sound(number) else "a"
    if article[0].isupper():
        wanted = wanted.capitalize()
    return wanted + space + number


def _possessive(match: re.Match) -> str:
    name = match.group(1)
    return f"{name}'s" if name in GENDER and not name.endswith("s") else match.group(0)
