"""The numbers a problem states, and the constants its wording implies.

A question's numbers become template variables unless changing them would change what
the words mean: times of day, years, ordinals, fractions, "one", and multipliers such
as "twice" stay fixed. Words such as "week" or "percent" imply constants (7, 100) that a
solution may use without the question writing them; when such a constant equals a
stated number, we cannot tell the two apart and the problem is not templated.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

from augment.symbolic.names import find_names
from augment.symbolic.nouns import noun_after
from filters.numbers import NUMBER_WORDS_RE, find_numbers, parse_number_words

F = Fraction
# Word cues in the question -> constants a solution may use without them being written.
# One alternation, one pass per question; no two entries match the same word.
_CUE_TABLE = [
    (
        r"twice|doubl\w*|two times|pairs?|couples?|hal(?:f|ves|ved)|both|round[- ]trips?|and (?:back|down|forth)",
        (2, F(1, 2)),
    ),
    (r"tripl\w*|thrice|three times|thirds?", (3, F(1, 3))),
    (r"quarters?|fourths?|quadrupl\w*", (4, F(1, 4), 25)),
    (r"dozens?", (12,)),
    (r"fifths?", (5, F(1, 5))),
    (r"sixths?", (6, F(1, 6))),
    (r"eighths?", (8, F(1, 8))),
    (r"tenths?", (10, F(1, 10))),
    (r"weeks?|weekly", (7, 52)),
    (r"weekends?", (2,)),
    (r"weekdays?|weeknights?|workdays?|schooldays?", (5,)),
    (r"hours?|hourly|minutes?|seconds?|mph", (60, 24, 3600)),
    (r"days?|daily|nights?", (24, 7, 30, 31, 365)),
    (r"months?|monthly", (12, 4, 30)),
    (r"years?|yearly|annual\w*", (12, 52, 365)),
    (r"feet|foot|inch\w*|yards?", (12, 3, 36, 2)),
    (r"percent\w*|%", (100, F(1, 100))),
    (r"cents?|penn(?:y|ies)", (100,)),
    (r"nickels?", (5,)),
    (r"dimes?", (10,)),
    (r"decades?", (10,)),
    (r"centur\w*", (100,)),
    (r"kilo\w*|meters?|grams?|liters?|km|kg", (1000, 100)),
    (r"gallons?|quarts?|pints?|cups?", (4, 2, 8, 16)),
    (r"pounds?|ounces?|oz|lbs?", (16,)),
    (r"score", (20,)),
    (r"triang\w*|tricycles?", (3,)),
    (r"squares?|rectang\w*", (4,)),
    (r"pentagons?", (5,)),
    (r"hexagons?", (6,)),
    (r"octagons?|spiders?|tarantulas?|scorpions?|octop\w*", (8,)),
    (r"insects?|ants?|beetles?|bees?|ladybugs?|butterfl\w*|hexapods?", (6,)),
    (r"(?:bi)?cycles?|bikes?|sandwich\w*", (2,)),  # a sandwich takes 2 slices of bread
    (r"legs?", (2, 4)),
    (r"wheels?|tires?|paws?", (4,)),
    (r"fingers?|toes?", (5, 10, 20)),
]
_CUE_PATTERNS = [(re.compile(rf"^(?:{pattern})$"), frozenset(F(v) for v in values)) for pattern, values in _CUE_TABLE]
_WORKWEEK_RE = re.compile(r"\bMonday\b.*\bFriday\b", re.IGNORECASE | re.DOTALL)
# Constants a solution may use with no cue at all (counting oneself, a whole of 100%, ...).
BARE_CONSTANTS = frozenset(F(v) for v in (0, 1, 2, 100))
# A number followed by this unit, in a question that names the container, is capped by it.
UNIT_CAPS = [
    (re.compile(r"^\s*(?:days?|nights?)\b", re.I), re.compile(r"\bweek", re.I), 7),
    (re.compile(r"^\s*(?:days?|nights?)\b", re.I), re.compile(r"\bweekends?\b", re.I), 5),  # and the weekend's 2
    (re.compile(r"^\s*(?:hours?)\b", re.I), re.compile(r"\bday\b|\bdaily\b|\bnight", re.I), 24),
    (re.compile(r"^\s*(?:months?)\b", re.I), re.compile(r"\byear", re.I), 12),
    (re.compile(r"^\s*(?:minutes?)\b", re.I), re.compile(r"\bhour\b", re.I), 60),
    (re.compile(r"^\s*(?:seconds?)\b", re.I), re.compile(r"\bminute\b", re.I), 60),
    (re.compile(r"^\s*(?:inch(?:es)?)\b", re.I), re.compile(r"\bfoot\b|\bfeet\b", re.I), 12),
    (re.compile(r"^\s*(?:weeks?)\b", re.I), re.compile(r"\byear", re.I), 52),
    (re.compile(r"^\s*(?:days?)\b", re.I), re.compile(r"\bmonth", re.I), 30),
]
_ORDINAL_RE = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_ORDINAL_WORDS = {
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "hundredth": 100,
}
# An ordinal word counts only as a position ("the sixth round"), never as a fraction ("a sixth of").
_ORDINAL_WORD_RE = re.compile(
    rf"\b(?:the|his|her|their|its|my|our|your)\s+(second|{'|'.join(_ORDINAL_WORDS)})\b(?!\s+of\b)", re.IGNORECASE
)
# "buy a fourth machine": a position too, where a noun follows and no fraction reads ("a third of", "a third as many").
_A_ORDINAL_RE = re.compile(
    rf"\ba\s+({'|'.join(_ORDINAL_WORDS)})(?=\s+[a-z]+\b)(?!\s+(?:of|as|more|less|fewer|that|the|and|or)\b)",
    re.IGNORECASE,
)
# Numbers fixed by a phrase: "the top 10", "5 hands per person" (a body's parts are not a count to vary),
# and the count of a list the question spells out.
_FIXED_BEFORE_RE = re.compile(r"\b(?:top|these|those)\s*$", re.IGNORECASE)  # "these 3 scores": counts what was listed
_THESE_RE = re.compile(r"\b(?:these|those)\s*$", re.IGNORECASE)
_FIXED_AFTER_RE = re.compile(
    r"^\s+(?:hands?|arms?|legs?|eyes?|ears?|feet|wings?|heads?|fingers?|toes?)\s+(?:per|each|a|an|on)\b"
    r"|^(?:\s+[a-z-]+){1,4}\s*:\s*[\w -]+(?:,\s*[\w -]+)+",  # "4 species of trees: oak, pine, ...": a listed count
    re.IGNORECASE,
)
# People a question implies without a number ("his date", "her mom, dad, grandma"): a solution counts
# them. A relative named right after ("her husband, Randy") is one of the named people instead.
_RELATIVE = (
    r"(?:mom|mum|mother|dad|father|grandma|grandmother|grandpa|grandfather|brother|sister|wife|husband|"
    r"son|daughter|aunt|uncle|cousin|date|boyfriend|girlfriend|fianc[eé]e?|nephew|niece|roommate)\b(?!s\b|')"
)
_POSSESSIVE = r"(?:his|her|my|their|your|our)\s+"
_RELATIVES_RE = re.compile(
    rf"\b{_POSSESSIVE}{_RELATIVE}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?:{_POSSESSIVE})?{_RELATIVE})*+(?!\s*,\s*(?-i:[A-Z]))",
    re.IGNORECASE,
)
_RELATIVE_RE = re.compile(_RELATIVE, re.IGNORECASE)
_PARENTS_RE = re.compile(rf"\b{_POSSESSIVE}(?:grand)?parents\b", re.IGNORECASE)  # two people, three with the child
# A list of three or more things ("oranges, apples and watermelons"): a solution may count it.
_ITEM = r"[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*){0,2}"
_LIST_RE = re.compile(rf"\b{_ITEM}(?:,\s+{_ITEM})+,?\s+and\s+{_ITEM}")
# "for himself and 3 members of his team": the 3 and he are the 4 a solution counts.
_COMPANIONS_RE = re.compile(r"\b(?:him|her|them|my|your|our)sel(?:f|ves)\s+and\s+([\w-]+)", re.IGNORECASE)
# "came 15 minutes late" of 30 minutes: a solution may read the 15 as the 30 - 15 left.
_OFFSET_RE = re.compile(r"\s*(?:seconds?|minutes?|hours?|days?|weeks?)\s+(?:late|early|earlier|later)\b", re.IGNORECASE)
_DISCOUNT_RE = re.compile(r"\s*(?:%|percent)\s*(?:off|discount|fewer|less|cheaper|lower|smaller)\b")
_WEEKDAY_RE = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?\b")  # "on Wednesdays and Fridays": 2
_YEAR_CONTEXT_RE = re.compile(r"\b(?:in|of|since|until|by|year|from)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number stated in a question, where it is and how it is written."""

    start: int
    end: int  # span of the number text only (no "$", no "%")
    value: Fraction
    text: str  # as written: "48", "1,200", "0.50", "three"
    variable: bool  # may change in a variant
    money: bool = False
    percent: bool = False
    word: bool = False
    cents: bool = False  # "75 cents": a solution may use it as 0.75 dollars
    cap: int | None = None  # upper bound implied by its unit ("5 days a week" <= 7)


def question_quantities(question: str) -> list[Quantity]:
    """Every number stated in the question, digits and words, left to right."""
    found = []
    for mention in find_numbers(question):
        start, end = mention.number_span
        number = question[start:end]
        clock_or_ratio = question[start - 1 : start] == ":" or re.match(r":\d", question[end : end + 2])
        year = (
            mention.value.denominator == 1
            and 1900 <= mention.value <= 2100
            and not mention.money
            and _YEAR_CONTEXT_RE.search(question[max(0, start - 8) : start])
        )
        fixed = bool(
            mention.fraction
            or mention.value in (0, 1)
            or mention.value < 0
            or clock_or_ratio
            or year
            or _fixed_by_phrase(question, start, end)
        )
        cents = bool(re.match(r"\s*cents?\b", question[end:]))
        found.append(
            Quantity(
                start,
                end,
                mention.value,
                number,
                not fixed,
                mention.money,
                mention.percent,
                cents=cents,
                cap=_unit_cap(question, end),
            )
        )
    for match in NUMBER_WORDS_RE.finditer(question):
        value = parse_number_words(match.group(0))
        if value is None:
            continue
        # "one" is as often a pronoun as a number; a word in "one-third" is a fraction
        denominator = _fraction_word_denominator(question[match.end() :])
        text = match.group(0) if denominator is None else f"{match.group(0)}/{denominator}"
        after = question[match.end() : match.end() + 10]
        phrase = _fixed_by_phrase(question, match.start(), match.end())
        found.append(
            Quantity(
                match.start(),
                match.end(),
                F(value),
                text,
                value not in (0, 1) and denominator is None and not phrase,
                percent=bool(re.match(r"\s*(?:%|percent)", after)),
                cents=bool(re.match(r"\s*cents?\b", after)),
                word=True,
                cap=_unit_cap(question, match.end()),
            )
        )
    for match in _ORDINAL_RE.finditer(question):  # "his 15th birthday": a stated value, not a variable
        found.append(Quantity(match.start(1), match.end(1), F(int(match.group(1))), match.group(1), False))
    return _referring_back(question, sorted(found, key=lambda q: q.start))


def _referring_back(question: str, found: list[Quantity]) -> list[Quantity]:
    """ "During three days ... one of these three days": a "these N" that repeats an earlier count of the same
    thing is that count again, so it varies with it (a "these 3 scores" after a list stays fixed)."""
    counts: dict[Fraction, list[frozenset[str] | None]] = {}
    for i, quantity in enumerate(found):
        noun = noun_after(question, quantity.end)
        if not quantity.variable and noun and _THESE_RE.search(question[max(0, quantity.start - 7) : quantity.start]):
            if any(other and noun & other for other in counts.get(quantity.value, [])):
                found[i] = replace(quantity, variable=True)
        if quantity.variable:
            counts.setdefault(quantity.value, []).append(noun)
    return found


def _fixed_by_phrase(question: str, start: int, end: int) -> bool:
    """ "the top 10", "these 3 scores", "5 hands per person", "4 species of trees: oak, ...": the words fix it."""
    return bool(_FIXED_BEFORE_RE.search(question[max(0, start - 7) : start]) or _FIXED_AFTER_RE.match(question[end:]))


def ordinal_values(question: str) -> frozenset[Fraction]:
    """Positions the question names ("the sixth round", "her 3rd try"): counts next to them stay fixed."""
    words = {_ORDINAL_WORDS.get(m.group(1).lower(), 2) for m in _ORDINAL_WORD_RE.finditer(question)}
    words |= {_ORDINAL_WORDS[m.group(1).lower()] for m in _A_ORDINAL_RE.finditer(question)}
    return frozenset(F(v) for v in words | {int(m.group(1)) for m in _ORDINAL_RE.finditer(question)})


_FRACTION_WORDS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "quarter": 4,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "eighth": 8,
    "tenth": 10,
}


def _fraction_word_denominator(after: str) -> int | None:
    """The 5 of "two-fifths" / "three fifths": the word before it is a numerator, not a count."""
    match = re.match(r"[\s-]+(half|halves|third|quarter|fourth|fifth|sixth|eighth|tenth)s?\b", after, re.IGNORECASE)
    return _FRACTION_WORDS[match.group(1).lower()] if match else None


def _unit_cap(question: str, end: int) -> int | None:
    after = question[end : end + 12]
    caps = [cap for unit, container, cap in UNIT_CAPS if unit.match(after) and container.search(question)]
    return min(caps) if caps else None


@lru_cache(maxsize=1 << 16)
def _word_constants(word: str) -> frozenset[Fraction]:
    return frozenset().union(*(constants for pattern, constants in _CUE_PATTERNS if pattern.match(word)))


def word_constants(question: str) -> frozenset[Fraction]:
    """The constants of the question's words alone: units and scales ("a week": 7; "half": 2), not counts."""
    lowered = question.lower()
    words = set(re.findall(r"(?<!-)\b[a-z]+\b(?!-)", lowered))  # "tic-tac-toe" has no toes
    words |= {
        " ".join(pair) for pair in re.findall(r"\b(two|three|round|and)[- ](times|trips?|back|down|forth)\b", lowered)
    }
    if "%" in question:
        words.add("%")
    return frozenset().union(*(_word_constants(word) for word in words))


def cue_constants(question: str) -> frozenset[Fraction]:
    """Constants the question's wording implies (a week: 7; percent: 100; "Sally, Jenny and Moses": 3)."""
    values = set(word_constants(question))
    if _WORKWEEK_RE.search(question):
        values.add(F(5))
    people = len(find_names(question))
    if people > 1:
        values.add(F(people))
    for match in _LIST_RE.finditer(question):  # "oranges, apples and watermelons": 3
        values.add(F(len(re.split(r",\s*(?:and\s+)?|\s+and\s+", match.group(0)))))
    days = {m.group(0).lower().removesuffix("s") for m in _WEEKDAY_RE.finditer(question)}
    if len(days) > 1:  # "Monday ... Thursday": a solution may average over the days it names
        values.add(F(len(days)))
    values |= {count + 1 for count in companions(question)}
    for match in _RELATIVES_RE.finditer(question):  # "him and his date": 2; "her mom, dad, grandma": 3, or 4 with her
        relatives = len(_RELATIVE_RE.findall(match.group(0)))
        values |= {F(relatives), F(relatives + 1)}
    if _PARENTS_RE.search(question):  # "her parents are bringing 3 suitcases": 2 parents
        values |= {F(2), F(3)}
    return frozenset(values)


def companions(question: str) -> frozenset[Fraction]:
    """The N of "himself and N members": with him they are N + 1, so N and N + 1 both stay fixed."""
    counts = set()
    for match in _COMPANIONS_RE.finditer(question):
        word = match.group(1)
        value = F(int(word)) if word.isdigit() else parse_number_words(word)
        if value is not None:
            counts.add(F(value))
    return frozenset(counts)


def offset_halves(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """ "15 minutes late" where 30 minutes are stated: 15 and 30 - 15 coincide, so both stay fixed."""
    values = {q.value for q in stated}
    return frozenset(
        v
        for q in stated
        if 2 * q.value in values and _OFFSET_RE.match(question[q.end :])
        for v in (q.value, 2 * q.value)
    )


def discount_halves(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """ "50% off" (or "50% fewer") leaves 50%: a solution may multiply by either, so that 50 stays 50."""
    return frozenset(q.value for q in stated if q.percent and q.value == 50 and _DISCOUNT_RE.match(question[q.end :]))


def repeated_totals(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """ "$5 a week for 4 weeks ... for the next 4 weeks ... for the next 4 weeks ... over 12 weeks": a total
    of k equal periods in the same unit may be read as k times the period, so both stay fixed."""
    units = Counter((q.value, unit) for q in stated if (unit := _unit(question, q)))
    return frozenset(
        v
        for (value, unit), count in units.items()
        if count > 1 and (value * count, unit) in units
        for v in (value, value * count)
    )


def unit_ratios(question: str, stated: list[Quantity]) -> dict[Fraction, frozenset[Fraction]]:
    """ "every three days ... 6 days" makes 2: a solution may write that 2 as a constant, so the two
    numbers that make it stay fixed where it does. Ratio -> the numbers that make it."""
    measured = [(q.value, unit) for q in stated if q.value > 0 and (unit := _unit(question, q))]
    return {
        a / b: frozenset((a, b))
        for a, unit in measured
        for b, other in measured
        if unit == other and a > b and (a / b).denominator == 1
    }


def _unit(question: str, quantity: Quantity) -> str | None:
    """The word after a number, singular: "weeks" -> "week"."""
    unit = re.match(r"[\s-]*([a-z]+)", question[quantity.end :])
    return unit.group(1).rstrip("s") if unit else None


def fraction_parts(stated: list[Quantity]) -> frozenset[Fraction]:
    """The parts of the question's fractions ("2/5" allows 2, 5 and 3): a solution may write them alone."""
    values = set()
    for q in stated:
        if "/" in q.text:  # "2/5", or a word fraction "two/5"
            value = q.value if not q.word else q.value / int(q.text.rsplit("/", 1)[1])
            numerator, denominator = value.numerator, value.denominator
            values |= {F(numerator), F(denominator), F(denominator - numerator), value}
    return frozenset(values)


def percent_factors(stated: list[Quantity]) -> dict[Fraction, Fraction]:
    """1.2 for "20% more" and 0.8 for "20% off": factor -> the stated percent it comes from."""
    factors = {}
    for q in stated:
        if q.percent and 0 < q.value < 100:
            factors.setdefault(1 + q.value / 100, q.value)
            factors.setdefault(1 - q.value / 100, q.value)
    return factors


def implied_constants(question: str, stated: list[Quantity] | None = None) -> frozenset[Fraction]:
    """Numbers a solution may write without computing them: the question's own numbers (and the
    parts of its fractions: "2/5" allows 5 and 3), bare constants and what the wording implies."""
    stated = question_quantities(question) if stated is None else stated
    return frozenset(set(BARE_CONSTANTS) | {q.value for q in stated} | cue_constants(question) | fraction_parts(stated))
