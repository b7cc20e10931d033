"""Everyday things a rename may swap for another of their kind: apples for pears, cookies for muffins.

Only kinds whose members share every property a grade-school problem uses (they are counted, priced,
shared and eaten alike) and whose words have no second sense in these problems: no "orange" (a
colour), no "pen" (where pigs live), no "marble" (a stone), no vehicles (their wheels differ), no animals (their legs do)
and no beads for stickers (a necklace is strung from one of them).
A thing is swapped only for a member of its kind that the problem does not already mention, in the
question and the solution alike, with its article and capitalisation.
"""

from __future__ import annotations

import re

import numpy as np

# each kind: (singular, plural) of its members
KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "fruit": (("apple", "apples"), ("pear", "pears"), ("mango", "mangoes"), ("plum", "plums")),
    "baked good": (("cookie", "cookies"), ("cupcake", "cupcakes"), ("muffin", "muffins"), ("brownie", "brownies")),
    "drawing tool": (("pencil", "pencils"), ("crayon", "crayons")),
}
_FORMS = {form: (kind, i) for kind, members in KINDS.items() for i, member in enumerate(members) for form in member}
_WORD_RE = re.compile(r"\b(?:(an?)\s+)?(" + "|".join(sorted(_FORMS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def mentioned(text: str) -> dict[str, set[int]]:
    """kind -> the members of it the text mentions (lower case words only: "Apple" may be a company). A
    member that is also part of a longer word ("applesauce", "pineapple") is left out with its kind: the
    longer word would keep the old thing."""
    found: dict[str, set[int]] = {}
    for match in _WORD_RE.finditer(text):
        if _named(text, match):
            continue
        kind, member = _FORMS[match.group(2).lower()]
        found.setdefault(kind, set()).add(member)
    for kind, members in list(found.items()):
        if any(_in_longer_word(text, KINDS[kind][member][0]) for member in members):
            del found[kind]
    return found


def _in_longer_word(text: str, singular: str) -> bool:
    return any(word.lower() not in _FORMS for word in re.findall(rf"\w*{singular}\w*", text, re.IGNORECASE))


def swappable(text: str) -> bool:
    """Whether some kind has exactly one member mentioned and another to swap it for."""
    return any(len(members) == 1 and len(KINDS[kind]) > 1 for kind, members in mentioned(text).items())


def swap_things(question: str, answer: str, rng: np.random.Generator) -> tuple[str, str, dict[str, str]]:
    """The question and solution with each swappable thing replaced, and what replaced what."""
    chosen: dict[str, str] = {}
    for kind, members in sorted(mentioned(question + "\n" + answer).items()):
        if len(members) != 1:  # "apples and pears": which is which must not blur
            continue
        (old,) = members
        options = [i for i in range(len(KINDS[kind])) if i != old]
        new = options[int(rng.integers(len(options)))]
        chosen[KINDS[kind][old][1]] = KINDS[kind][new][1]
        question, answer = (_replace(text, kind, old, new) for text in (question, answer))
    return question, answer, chosen


def _replace(text: str, kind: str, old: int, new: int) -> str:
    def swap(match: re.Match) -> str:
        article, word = match.group(1), match.group(2)
        if _FORMS.get(word.lower()) != (kind, old):  # once swapped, "(Pencil Price)" follows "pencils" too
            return match.group(0)
        singular, plural = KINDS[kind][new]
        replacement = plural if word.lower() == KINDS[kind][old][1] else singular
        if word[0].isupper():
            replacement = replacement.capitalize()
        if article is None:
            return replacement
        fitting = "an" if replacement[0].lower() in "aeiou" else "a"
        return (fitting.capitalize() if article[0].isupper() else fitting) + " " + replacement

    return _WORD_RE.sub(swap, text)


def _named(text: str, match: re.Match) -> bool:
    """A capitalised word inside a sentence is a name ("Apple", "Sticker Mule"), not a thing."""
    start = match.start(2)
    return match.group(2)[0].isupper() and start > 0 and not re.search(r"(?:^|[.!?])\s*$", text[:start])
