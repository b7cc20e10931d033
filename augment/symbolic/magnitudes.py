"""Plausible magnitudes for a stated number, by the kind of quantity it is.

`domain_for` gives a band around the original value (half to twice it, same roundness and
decimals). A band alone still allows ages of 118, an 11-foot person, 150-degree weather, a
$7 bill or 22 goals in one game, so the words right around a number name its kind and the
kind caps the band (a cap applies only when the original is within it: a 300-year-old tree
stays as old as the story made it). Bills take real denominations; body parts per creature
stay as stated. The bands are listed in the dataset card (`BANDS`).
"""

from __future__ import annotations

import re
from fractions import Fraction

from augment.symbolic.quantities import Quantity
from filters.numbers import format_number

BILLS = (1, 5, 10, 20, 50, 100)
# kind -> (pattern on the text after the number, pattern on the text before it, cap, band factor or None)
_KINDS = [
    ("age difference", r"^\s*years? (?:older|younger)", None, 60, None),
    ("age", r"^[\s-]*years?[\s-]*old|^[\s-]*years? of age", r"\b(?:aged?|age of|turns?|turned)\s*$", 95, None),
    ("person height (feet)", r"^\s*(?:feet|foot|ft)\b[^.]{0,12}\btall", None, 7, None),
    ("person height (inches)", r"^\s*inch(?:es)?\b[^.]{0,12}\btall", None, 84, None),
    ("person height (cm)", r"^\s*(?:cm|centimet(?:er|re)s?)\b[^.]{0,12}\btall", None, 215, None),
    ("temperature", r"^\s*(?:°|degrees?)", None, 110, Fraction(1, 4)),
    (
        "speed",
        r"^\s*(?:mph|miles? (?:per|an|a) hour|km/h|kph|kilomet(?:er|re)s? (?:per|an|a) hour)",
        None,
        90,
        Fraction(1, 2),
    ),
    ("goals per game", r"^\s*(?:goals?|touchdowns?|home runs?)\b", None, 9, None),
    ("hours in a day", r"^\s*hours? (?:a|per|each|every) day", None, 24, None),
    ("minutes in an hour", r"^\s*minutes? (?:an|per|each|every) hour", None, 60, None),
    ("days in a week", r"^\s*days? (?:a|per|each|every) week", None, 7, None),
]
_COMPILED = [
    (kind, re.compile(after, re.IGNORECASE), re.compile(before, re.IGNORECASE) if before else None, cap, band)
    for kind, after, before, cap, band in _KINDS
]
_BILL_RE = re.compile(r"^(?:\s*,?\s*(?:and|or)?\s*\$\d+)*[\s-]*(?:dollars?)?[\s-]*bills?\b", re.IGNORECASE)
_BODY_PART_RE = re.compile(
    r"^[\s-]*(?:hands?|eyes?|ears?|legs?|arms?|wings?|fingers?|toes?|paws?|tails?|wheels?)\b", re.IGNORECASE
)
MAX_BODY_PARTS = 10  # per creature or vehicle; a larger count is a total the story may change
_RANGE_RE = re.compile(r"^range\(([-\d./]+), ([-\d./]+)(?:, ([\d./]+))?\)$")

BANDS = (
    "Each stated number varies within half to twice its original value, keeping its roundness and decimals; "
    "percentages stay within 0..100; bills take $1, 5, 10, 20, 50 or 100; body parts per creature or "
    "wheel counts per vehicle stay as stated; caps where the original is within them: "
    + ", ".join(
        f"{kind} <= {cap}" + (f" (band +-{float(band):.0%})" if band else "") for kind, _, _, cap, band in _KINDS
    )
    + "."
)


def kind_of(question: str, quantity: Quantity) -> str | None:
    """The kind of quantity the words around a stated number name, or None."""
    after, before = question[quantity.end : quantity.end + 40], question[max(0, quantity.start - 20) : quantity.start]
    if before.endswith("$") and _BILL_RE.match(after):
        return "bill"
    if _BODY_PART_RE.match(after) and quantity.value <= MAX_BODY_PARTS:
        return "body parts"
    for kind, after_re, before_re, _, _ in _COMPILED:
        if after_re.match(after) or (before_re and before_re.search(before)):
            return kind
    return None


def plausible_domain(question: str, quantity: Quantity, domain: str) -> str:
    """`domain` (a `range(...)` from `domain_for`) narrowed to what the quantity's kind allows."""
    kind = kind_of(question, quantity)
    value = quantity.value
    if kind is None or value.denominator != 1:
        return domain
    if kind == "bill":
        return "sample([" + ", ".join(map(str, BILLS)) + "])" if value in BILLS else _frozen(value)
    if kind == "body parts":
        return _frozen(value)
    match = _RANGE_RE.match(domain)
    if match is None:
        return domain
    low, high, step = Fraction(match.group(1)), Fraction(match.group(2)), Fraction(match.group(3) or 1)
    _, _, _, cap, band = next(entry for entry in _COMPILED if entry[0] == kind)
    if band is not None:
        low = max(low, ((value * (1 - band)) // step) * step)
        high = min(high, ((value * (1 + band)) // step + 1) * step)
    if value <= cap:
        high = min(high, Fraction(cap) + 1)
    if high - low < 2 * step:
        return _frozen(value)
    parts = [format_number(low), format_number(high)] + ([format_number(step)] if step != 1 else [])
    return f"range({', '.join(parts)})"


def _frozen(value: Fraction) -> str:
    return f"range({format_number(value)}, {format_number(value + 1)})"


# A result counted in hours, minutes or days where the question speaks of one day or one week: the time
# there is (the audits read 31 hours of television on a Friday and "8 nights a week").
_PERIOD_RES = {
    "day": re.compile(r"\b(?:a|per|each|every|one|that|the same|in a|all)\s+day\b|\bdaily\b|\b[A-Z][a-z]+day\b"),
    "week": re.compile(r"\b(?:a|per|each|every|one|that|the same|in a|all)\s+week\b|\bweekly\b", re.IGNORECASE),
}
_TIME_IN = {
    ("hour", "day"): 24,
    ("minute", "day"): 1440,
    ("hour", "week"): 168,
    ("day", "week"): 7,
    ("night", "week"): 7,
}


def time_budget(question: str, counted: frozenset[str] | None, value: Fraction) -> int | None:
    """The smallest period's length that holds `value` units of the time `counted` names, or None."""
    if not counted:
        return None
    caps = [
        cap
        for (unit, period), cap in _TIME_IN.items()
        if unit in counted and value <= cap and _PERIOD_RES[period].search(question)
    ]
    return min(caps, default=None)
