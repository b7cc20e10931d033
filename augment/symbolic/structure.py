"""Numbers the story's structure fixes, whatever a variant does to the others.

- The size of a group it lists one by one: "Jorge, Matias and Carlos ... the three have", "the two islands",
  "all 4 subjects". First stated as a group ("the", "these", "all", "both", "each of the" before it), such a
  count stays fixed; where the same value is stated earlier of the same thing ("3 cups ... the 3 cups") it
  refers back to that number and varies with it, as does one somebody owns ("all 6 of her balloons"). A
  group one larger than a number stated before it ("4 quizzes ... the final ... the 5 quizzes") counts those
  and one more, so both stay fixed.
- The last of named positions: "the first, second, third ... and the last round" makes 4 rounds; and
  positions named by a number: "on day 2", "in week 3", "Level 4".
- Shares of one whole stated both ways: "pays 80%, leaving the remaining 20%", or in three: "20% useful, 10%
  heirlooms and 70% junk".
- A count of people the text then names: "Clyde's four children ... June, Patty, Josh and Henry", or of things
  it names in quotes: "three songs ... “The Best Day” ...".
- The rest of a small group and the group: "Three of the wings ... One painting ... the other two wings", "4
  tomato plants ... The two remaining plants", and a rest of a unit's container ("the remaining 6 days" of a week).
- Counts of one thing that a group count adds up: "2 large beds ... 2 medium beds ... all four beds"; the rest of
  a herd under a grown-up name ("6 piglets ... sells 3 pigs ... the remaining 3 pigs").
- A count the story lists item by item: "rained for 3 days ... 3 mm, 6 mm, and 5 mm", "three kinds of drinks",
  "3 meals a day", "Ali and Leila ... two of them", "four lamps ... 3 small bulbs and 1 large bulb".
- Both ends of a range: "children 6–11 years old".
And a size the wording implies: "Ben and Tia ... invited two of their friends" are 4 people, so a stated 4
("4 bags of snacks") may be read as them (`party_sizes`, a constant like "a week": 7).
"""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import combinations

from augment.symbolic.names import find_names
from augment.symbolic.nouns import noun_after
from augment.symbolic.quantities import Quantity

LARGEST_LISTED_GROUP = 12  # "each of the 16 students" is a class, not a list
_GROUP_LEAD_RE = re.compile(
    r"\b(?:the|these|those|all(?: of)?(?: the)?|both(?: of)?(?: the)?|each of the|every one of the)"
    r"(?:\s+(?:first|last|next|past|previous|following))?\s*$",
    re.IGNORECASE,
)
_RELATIVES = "children|kids|sons|daughters|friends|siblings|brothers|sisters|cousins|guests|grandchildren|students"
_PEOPLE = rf"(?:{_RELATIVES})"
# who a count before a list of names may be: "Four people in a law firm ... Mary ... Elle and Andrea ... Joe"
_NAMED_PEOPLE = (
    rf"(?:{_RELATIVES}|people|persons|members|employees|workers|coworkers|colleagues|classmates|teammates|players"
    r"|roommates)"
)
_PEOPLE_RE = re.compile(rf"\s+(?:[a-z]+\s+){{0,2}}?{_NAMED_PEOPLE}\b")
_COMPANIONS_RE = re.compile(
    rf"\s+(?:of\s+(?:his|her|their|our|my)\s+)?(?:(?!(?:for|per|to|in|with|and|each|from)\b)[a-z]+\s+)?{_PEOPLE}\b"
)
_OPENERS = frozenset(
    "The A An If In On At After Before When While How What Which Who Each Every All Then So But And They He She "
    "It We You I His Her Their Its This That These Those There One Two Three Four Five Six Seven Eight Nine Ten "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mr Mrs Ms Dr Together Finally First Later".split()
)
_MEASURES = frozenset().union(  # what a measure counts, as `noun_after` stems it
    *(
        noun_after(f"1 {unit}", 1)
        for unit in "dollars percent seconds minutes hours days nights weeks months years inches feet yards miles "
        "meters kilometers centimeters pounds ounces kilograms grams liters gallons cups degrees points mph".split()
    )
)
_SPAN_LEAD_RE = re.compile(r"\b(?:first|next|past|previous|following)\s*$", re.IGNORECASE)
_TIME_SPAN_RE = re.compile(r"\s+(?:days?|nights?|weeks?|months?|years?)\b", re.IGNORECASE)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_WHOLES = (  # a stretch of this unit, and what names a whole it may be part of
    (r"days?|nights?", r"(?i:\bweek|\bmonth)|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"),
    (r"weeks?", r"(?i:\bmonth|\byear)"),
    (r"months?", rf"(?i:\byear)|\b(?:{_MONTHS})\b"),
    (r"years?", r"\b(?:19|20)\d\d\b|(?i:\bdecade|\bcentur)"),
    (r"hours?", r"(?i:\bday\b|\bdaily\b|\bnight|\bshift)"),
    (r"minutes?", r"(?i:\bhour)"),
    (r"seconds?", r"(?i:\bminute)"),
)
_MEASURE_RE = re.compile(
    r"[\s-]+(?:seconds?|minutes?|hours?|miles?|kilometers?|km|meters?|feet|foot|inch(?:es)?|yards?|pounds?|ounces?"
    r"|cups?|gallons?|liters?)\b",
    re.IGNORECASE,
)
_POSSESSED_RE = re.compile(r"\s+of\s+(?:her|his|their|its|my|our|your)\b", re.IGNORECASE)  # "all 6 of her balloons"
_POSITION_LABEL_RE = re.compile(
    r"\b(?:day|week|month|round|level|stage|chapter|lap|game|grade|floor|step|hole|inning|quarter)\s+(\d{1,2})\b(?!\s*[%/])",
    re.IGNORECASE,
)
_REST_BEFORE_RE = re.compile(r"\b(?:other|remaining)\s*$", re.IGNORECASE)  # "the other two wings"
_REST_AFTER_RE = re.compile(r"\s+(?:other|remaining)\b", re.IGNORECASE)  # "the two remaining plants"
_OF_THE_RE = re.compile(r"\s+of\s+(?:the|his|her|their|its|my|our|your)\s+", re.IGNORECASE)  # "three of the wings"
_QUOTED_RE = re.compile(r"[“\"][^”\"]+[”\"]")
_LAST_POSITION_RE = re.compile(r"\b(?:the|his|her|their|its)\s+(?:last|final)\b", re.IGNORECASE)


def group_counts(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """Values stated as the size of a listed group (not referring back), and a stated number one below one."""
    earlier: dict[Fraction, list[frozenset[str] | None]] = {}  # value -> what each earlier statement counts
    counts = set()
    for quantity in sorted(stated, key=lambda q: q.start):
        noun = _counted(question, quantity.end) or noun_after(question, quantity.end, quantity.start)
        refers_back = noun is not None and any(_same_thing(noun, other) for other in earlier.get(quantity.value, []))
        lead = _GROUP_LEAD_RE.search(question[: quantity.start])
        if (
            lead
            and not refers_back
            and quantity.value <= LARGEST_LISTED_GROUP
            and quantity.value.denominator == 1
            and not (quantity.money or quantity.percent)
            and not _POSSESSED_RE.match(question, quantity.end)
            and not _stretch(question, quantity, lead.group(0), stated)
        ):
            counts.add(quantity.value)
            if any(not (noun and noun & _MEASURES) for noun in earlier.get(quantity.value - 1, [])):
                counts.add(quantity.value - 1)  # "Four of her classmates ... the five students", not "3 years older"
        earlier.setdefault(quantity.value, []).append(noun)
    return frozenset(counts)


def _same_thing(noun: frozenset[str], other: frozenset[str] | None) -> bool:
    """Whether a later mention names what an earlier one counted: "8 of the beakers ... all 8 beakers",
    "3 stoplights ... all three lights"."""
    return (
        _related(noun, other)
        or bool(other)
        and any(min(len(a), len(b)) >= 4 and (a.endswith(b) or b.endswith(a)) for a in noun for b in other)
    )


def _stretch(question: str, quantity: Quantity, lead: str, stated: list[Quantity]) -> bool:
    """ "the first 8 years", "the nine hours of", "the 6-hour ride": an amount of time or of stuff, not a group
    the story lists. Days, weeks, months and years only after "first", "next" or "past" ("the two days" may be
    two listed days), and none that the question shares out ("a week", "2016", "Friday") or that another number
    equals ("2 hours a day ... the first two weeks": the solution's 2 may be either)."""
    after = question[quantity.end : quantity.end + 12]
    if not (_MEASURE_RE.match(after) or _SPAN_LEAD_RE.search(lead) and _TIME_SPAN_RE.match(after)):
        return False
    if any(q.value == quantity.value and q is not quantity for q in stated):
        return False
    return not any(re.match(unit, after.lstrip(" -"), re.I) and re.search(whole, question) for unit, whole in _WHOLES)


def last_position(question: str, ordinals: frozenset[Fraction]) -> frozenset[Fraction]:
    """ "the first, second, third ... and the last round": the last is one past the named positions."""
    if ordinals and _LAST_POSITION_RE.search(question):
        return frozenset({max(ordinals) + 1})
    return frozenset()


def complementary_percents(stated: list[Quantity]) -> frozenset[Fraction]:
    """Percents that make up 100 together, two or three ("20% useful, 10% heirlooms and 70% junk"): varying one
    alone would leave shares that no longer add up."""
    percents = sorted({q.value for q in stated if q.percent and 0 < q.value < 100})
    pairs = {p for p in percents if 100 - p in percents}  # 50% is its own rest
    return frozenset(pairs | {p for shares in combinations(percents, 3) if sum(shares) == 100 for p in shares})


def listed_people(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """A count of people that the names after it list one by one."""
    return frozenset(
        q.value
        for q in stated
        if 2 <= q.value <= LARGEST_LISTED_GROUP
        and _PEOPLE_RE.match(question, q.end)
        and len(_capitalised(question[q.end :]) - _capitalised(question[: q.start])) == q.value
    )


def _capitalised(text: str) -> set[str]:
    """Capitalised words that are not sentence openers: the names a text lists ("June earned ...")."""
    return {w for w in re.findall(r"\b[A-Z][a-z]+\b", text) if w not in _OPENERS}


def party_sizes(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """The named people with the companions they bring: named + N, and named + N + 1 (the teller)."""
    named = len(set(find_names(question)))
    if not named:
        return frozenset()
    companions = [
        q.value
        for q in stated
        if q.value <= LARGEST_LISTED_GROUP and not (q.money or q.percent) and _COMPANIONS_RE.match(question, q.end)
    ]
    return frozenset(size for n in companions for size in (n + named, n + named + 1))


def position_labels(question: str) -> frozenset[Fraction]:
    """Numbers that name a position ("on day 2 he runs half"): a label, not a quantity to vary."""
    return frozenset(Fraction(int(m.group(1))) for m in _POSITION_LABEL_RE.finditer(question))


def listed_titles(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """A count of things that the quotes after it name one by one ("three songs ... “The Best Day” ...")."""
    return frozenset(
        q.value
        for q in stated
        if 2 <= q.value <= LARGEST_LISTED_GROUP
        and not (q.money or q.percent)
        and len(_QUOTED_RE.findall(question[q.end :])) == q.value
    )


def group_rests(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """The rest of a small group ("the other two wings"), the nearest earlier count of that thing ("Three of the
    wings") and the counts of it between them: the story adds them up where the solution may not. A rest of a
    unit's container ("the remaining 6 days" of a week) stays on its own."""
    ordered = sorted(
        (q for q in stated if q.value.denominator == 1 and not (q.money or q.percent)), key=lambda q: q.start
    )
    counts = set()
    for i, rest in enumerate(ordered):
        after = _REST_AFTER_RE.match(question, rest.end)
        if not (after or _REST_BEFORE_RE.search(question[: rest.start])):
            continue
        if rest.cap is not None:
            counts.add(rest.value)
            continue
        noun = _counted(question, after.end() if after else rest.end)
        if noun is None or rest.value > LARGEST_LISTED_GROUP:
            continue
        same = [q for q in ordered[:i] if _related(noun, _counted(question, q.end))]
        whole = next((j for j in range(len(same) - 1, -1, -1) if same[j].value > rest.value), None)
        if whole is not None:
            counts |= {rest.value} | {q.value for q in same[whole:]}
    return frozenset(counts)


def summed_groups(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """Counts of one thing that a later group count adds up ("2 large beds ... 2 medium beds ... all four beds")."""
    counts = set()
    for i, group in enumerate(stated):
        noun = _counted(question, group.end)
        if not (noun and group.value <= LARGEST_LISTED_GROUP and _GROUP_LEAD_RE.search(question[: group.start])):
            continue
        parts = [
            q for q in stated[:i] if not (q.money or q.percent) and noun & (_counted(question, q.end) or frozenset())
        ]
        if len(parts) > 1 and sum(q.value for q in parts) == group.value:
            counts |= {q.value for q in parts}
    return frozenset(counts)


def _related(noun: frozenset[str], other: frozenset[str] | None) -> bool:
    """Whether two mentions count one kind of thing: a shared stem, or one grown from the other ("piglets", "pigs")."""
    return bool(other) and any(
        a == b or min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)) for a in noun for b in other
    )


def _counted(question: str, end: int) -> frozenset[str] | None:
    """What a number counts, read through "of the" ("Three of the wings": wings)."""
    of = _OF_THE_RE.match(question, end)
    return noun_after(question, of.end() if of else end)


_KINDS_RE = re.compile(
    r"\s+(?:different\s+)?(?:kinds?|types?|sorts?|varieties|flavou?rs?|colou?rs|species|breeds|brands|meals\s+a\s+day)\b",
    re.IGNORECASE,
)
_OF_THEM_RE = re.compile(r"\s+of\s+(?:them|us)\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?]\s")
_NAMED_PAIR_RE = re.compile(r"\b[A-Z][a-z]+(?:,\s+[A-Z][a-z]+)*,?\s+and\s+[A-Z][a-z]+\b")
_LIST_GAP_RE = re.compile(r"(?:\s*[a-z]+){0,3}\s*,?\s*(?:and\s+)?\$?", re.IGNORECASE)  # "3 mm, 6 mm, and 5 mm"


def listed_counts(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """A count the story lists item by item, so that a variant may not change it alone: "rained for 3 days ...
    3 mm, 6 mm, and 5 mm on the three days" (a count equal to a list of numbers of one unit), "three kinds of
    drinks", "3 meals a day" (then named one by one), "Ali and Leila ... there are two of them"."""
    small = [
        q
        for q in stated
        if 2 <= q.value <= LARGEST_LISTED_GROUP and q.value.denominator == 1 and not (q.money or q.percent)
    ]
    counts = {q.value for q in small if _KINDS_RE.match(question, q.end)}
    for q in small:
        if _OF_THEM_RE.match(question, q.end) and any(
            len(set(re.findall(r"\b[A-Z][a-z]+\b", m.group(0)))) == q.value
            for m in _NAMED_PAIR_RE.finditer(question[: q.start])
        ):
            counts.add(q.value)
    for run in _number_lists(question, stated):
        # a count of something before the list: "two trips of 30 km and 20 km", "four lamps ... 3 bulbs and 1 bulb"
        before = [q for q in small if q.end <= run[0].start and noun_after(question, q.end, q.start)]
        counts |= {q.value for q in before if q.value == len(run) and _counts_run(question, q, run)}
        total = sum(r.value for r in run)
        wholes = [q for q in before if q.value == total and not noun_after(question, q.end, q.start) & _MEASURES]
        if all(q in small or q.value == 1 for q in run) and wholes:  # "4 lamps ... 3 small bulbs and 1 large"
            counts |= {q.value for q in run} | {total}
    return frozenset(counts)


def _counts_run(question: str, count: Quantity, run: list[Quantity]) -> bool:
    """Whether a count before a list is the list's length: a list of three or more anywhere, two items close by
    in its sentence ("two trips of 30 km and 20 km"); not two numbers of another sentence ("2 necklaces on
    Tuesday. Then she makes 5 bracelets and 7 earrings")."""
    between = question[count.end : run[0].start]
    return len(run) > 2 or len(between) <= 60 and not _SENTENCE_END_RE.search(between)


def _number_lists(question: str, stated: list[Quantity]) -> list[list[Quantity]]:
    """Runs of two or more stated numbers of one thing ("3 small bulbs and 1 large bulb") that only commas and
    "and" separate."""
    runs: list[list[Quantity]] = []
    ordered = sorted(stated, key=lambda q: q.start)
    run = ordered[:1]
    for before, after in zip(ordered, ordered[1:]):
        gap = question[before.end : after.start]
        if (
            ("," in gap or " and " in gap)
            and _LIST_GAP_RE.fullmatch(gap)
            and (before.money, before.percent) == (after.money, after.percent)
            and (noun_after(question, before.end, before.start) or {""})
            & (noun_after(question, after.end, after.start) or {""})
        ):
            run.append(after)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [after]
    if len(run) > 1:
        runs.append(run)
    return runs


_RANGE_GAP_RE = re.compile(r"\s*[-–]\s*")


def range_ends(question: str, stated: list[Quantity]) -> frozenset[Fraction]:
    """Both ends of a range the question states ("children 6–11 years old"): varied apart, it may run backwards."""
    ordered = sorted(stated, key=lambda q: q.start)
    return frozenset(
        value
        for low, high in zip(ordered, ordered[1:])
        if low.value < high.value and _RANGE_GAP_RE.fullmatch(question[low.end : high.start])
        for value in (low.value, high.value)
    )
