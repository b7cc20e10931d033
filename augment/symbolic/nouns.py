"""What a number counts, read from the words after it ("2 business partners" -> business, partner).

A mention that matches a stated number by value but counts something else may mean a fixed
number of that value instead: `Resolver.check_noun` (ties.py) compares these nouns to decide.
"""

from __future__ import annotations

import re

# Words after a number that say nothing about what it counts: "2 each", "3 times", "4 more".
_NOT_NOUNS = frozenset(
    "a an the and or of to in on at for from by with as is are was were be been will would can could than then so"
    " if that this these those it its each per every more less fewer times time other others total left over out"
    " x minus plus divided multiplied equals equal all altogether only about just into which who after before"
    " now still already because since while when but he she they we you i his her their our my off".split()
)
_WORD_RE = re.compile(r"[a-z]+(?:'s)?")
_UNIT_ALIASES = {
    "dollar": "$",
    "buck": "$",
    "hr": "hour",
    "min": "minute",
    "sec": "second",
    "ft": "foot",
    "feet": "foot",
    "l": "liter",
    "litre": "liter",
    "lb": "pound",
    "oz": "ounce",
    "kg": "kilogram",
    "km": "kilometer",
    "m": "meter",
    "mi": "mile",
    "yd": "yard",
    "cm": "centimeter",
}


def noun_after(text: str, end: int, start: int | None = None) -> frozenset[str] | None:
    """What a number counts, as the stems of the (at most two) words after it: "2 business partners" ->
    {business, partner}; "$4.00" and "4 dollars" -> {$}. None where nothing follows ("2 * 3", "2 each"): no evidence."""
    words = set()
    if start is not None and text[:start].rstrip().endswith("$"):
        words.add("$")
    rest = text[end : end + 40].lower()
    if rest.startswith("%"):
        words.add("percent")
    else:
        for token in re.match(r"[\s-]*((?:[a-z'-]+\s*){0,2})", rest).group(1).split():
            word = _WORD_RE.match(token.strip("'-"))
            if not word or word.group(0) in _NOT_NOUNS:
                break
            stem = _stem(word.group(0).removesuffix("'s"))
            words.add(_STEM_ALIASES.get(stem, stem))
    return frozenset(words) or None


def _stem(word: str) -> str:
    """A stem shared by singular and plural: "berries" and "berry", "boxes" and "box", "calories" and "calorie"."""
    if word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return re.sub(r"(?:ie|e|y|i)$", "", word) or word


_STEM_ALIASES = {_stem(short): unit if unit == "$" else _stem(unit) for short, unit in _UNIT_ALIASES.items()}
