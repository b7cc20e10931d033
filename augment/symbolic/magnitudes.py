"""Plausible magnitudes for a stated number, by the kind of quantity it is.

`domain_for` gives a band around the original value (same roundness and decimals), narrowed
here to 1/BAND..BAND. A band alone still allows ages of 118, an 11-foot person, 150-degree
weather, a $7 bill or 22 goals in one game, so the words right around any mention of a number
name its kind and the kind caps the band (a cap applies only when the original is within it: a
300-year-old tree stays as old as the story made it). Feats and records (a lift, a day's ride,
what one person drinks, a season's wins, a family's children) never rise above the source's own,
which is often already a stretch. Bills take real denominations. World constants the story
states ("a ton is 2000 pounds", "a touchdown is worth 7 points", 26 paychecks a year, a fever
over 100 degrees, 11 players who start) and body parts per creature stay as written: varied, they
make a world that is not ours. The bands are listed in the dataset card (`BANDS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from augment.symbolic.expressions import names_in
from augment.symbolic.quantities import Quantity
from filters.numbers import format_number

# Every stated number stays within 1/BAND..BAND times its original (half to twice let the source's 700-lb squat
# reach 1,400); a small count may still move MIN_STEPS steps either way. Measured on the kinds below: 3/2 cost
# 39 of the 5,662 sources that sample a variant and 49 distinct sources of a default 50k run; results within
# 3/2 (relations.SCALE, left at 2) would cost 210 more sampling sources and fixed no dev-set variant.
BAND = Fraction(3, 2)
MIN_STEPS = 2
NUMBER = "<N>"  # where the number stands in a kind's pattern, read on "words before <N> words after"
_WINDOW = 60


@dataclass(frozen=True)
class Kind:
    """A kind of quantity the words around a number name, and the values it may take."""

    name: str
    pattern: str  # on the window "text before <N> text after"
    cap: int | None = None  # highest value, where the original is within it
    floor: int | None = None  # lowest value, where the original is at least it
    band: Fraction | None = None  # at most this share away from the original
    spread: int | None = None  # at most this many units away from the original (calendar years)
    rises: bool = True  # False: never above the original (a feat or a record the source already stretched)
    frozen: bool = False  # a world constant: stays as written
    applies: tuple[int, int] | None = None  # the values the kind can have at all
    compiled: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "compiled", re.compile(self.pattern.replace(NUMBER, "\x00"), re.IGNORECASE))

    def matches(self, window: str, value: Fraction) -> bool:
        if self.applies and not self.applies[0] <= value <= self.applies[1]:
            return False
        return self.compiled.search(window) is not None

    def limit(self, value: Fraction, low: Fraction, high: Fraction, step: Fraction) -> tuple[Fraction, Fraction]:
        """The range [low, high) of `value`'s domain narrowed to what this kind allows."""
        if self.band is not None:
            low = max(low, ((value * (1 - self.band)) // step) * step)
            high = min(high, ((value * (1 + self.band)) // step + 1) * step)
        if self.spread is not None:
            low, high = max(low, value - self.spread), min(high, value + self.spread + step)
        if self.cap is not None and value <= self.cap:
            high = min(high, Fraction(self.cap) + min(step, 1))
        if self.floor is not None and value >= self.floor:
            low = max(low, Fraction(self.floor))
        if not self.rises:
            high = min(high, value + step)
        return low, high

    def describe(self) -> str:
        if self.frozen:
            return self.name
        limits = [f"<= {self.cap}"] if self.cap is not None else []
        limits += [f">= {self.floor}"] if self.floor is not None else []
        limits += [f"band +-{float(self.band):.0%}"] if self.band else []
        limits += [f"+-{self.spread}"] if self.spread else []
        limits += [] if self.rises else ["<= the original"]
        return f"{self.name} {' '.join(limits)}"


BILLS = (1, 5, 10, 20, 50, 100)
_UNIT = (
    r"(?:inch(?:es)?|f(?:oo|ee)t|yards?|miles?|ounces?|oz|pounds?|lbs?|tons?|(?:kilo|milli)?grams?|cups?|pints?"
    r"|quarts?|gallons?|(?:milli)?lit(?:er|re)s?|teaspoons?|tablespoons?|(?:centi|milli|kilo)?met(?:er|re)s?|cents?"
    r"|nickels?|dimes?|pennies|penny)"
)
_PER = r"(?:in|per|to|make|makes|equals?)\s+(?:a|an|one|each|1|every)"
_SCORE = r"(?:touchdowns?|field goals?|baskets?|free throws?|goals?|shots?|three[- ]pointers?|safet(?:y|ies)|tries|try)"
_CURRENCY = r"(?:euros?|pounds? sterling|british pounds?|yen|pesos?|dollars?|rupees?|francs?|yuan|dinars?)"
_MEDIA = r"(?:video|movie|film|show|episode|song|podcast|album|audiobook|record|documentary)s?"
_PEOPLE = r"(?:students|pupils|kids|children)"
KINDS = (
    # world constants, as written
    Kind(
        "unit conversions",
        rf"<N>\s+{_UNIT}\s+{_PER}\s+{_UNIT}\b|\b(?:a|an|one|each|1)\s+{_UNIT}\s+(?:is|has|equals|contains)\s+<N>\s+{_UNIT}\b",
        frozen=True,
    ),
    Kind(
        "calories in a pound",
        r"<N>\s+calories\s+(?:of\s+\w+\s+)?(?:in|per)\s+(?:a|one|each|1|every)\s+pound"
        r"|<N>\s+calories\s+to\s+(?:lose|burn|gain|shed)\s+(?:a|one|1)\s+pound",
        frozen=True,
    ),
    Kind(
        "points per score",
        rf"\b{_SCORE}\s+(?:is|are|was|were)\s+(?:each\s+)?worth\s+<N>|<N>[\s-]+points?[\s-]+{_SCORE}|<N>[\s-]+pointers?",
        frozen=True,
    ),
    Kind(
        "exchange rates",
        rf"\b{_CURRENCY}\s+(?:is|are|was)\s+(?:each\s+)?(?:worth|equal to|equivalent to)\s+\$?<N>|exchange rate\s+(?:is|of)\s+\$?<N>",
        frozen=True,
    ),
    Kind(
        "paychecks a year", r"(?<!\$)<N>\s+(?:paychecks|pay\s?periods|pay\s?days)\b", frozen=True
    ),  # not "$1500 paycheck"
    Kind(
        "body, fever, boiling and freezing temperatures",
        r"\b(?:normal\w*|body|usual\w*)\b[^.]{0,30}\btemperature\s+(?:of|is|at)\s+<N>|\bfever\b[^.]{0,30}\b(?:over|above|of|at|is)\s+<N>"
        r"|<N>\s*(?:°\s*[FC]?|degrees?)(?:\s+(?:F|C|Fahrenheit|Celsius))?[^.]{0,20}\b(?:boil|freez)\w*"
        r"|\b(?:boil|freez)\w*[^.]{0,20}\b(?:at|of|is)\s+<N>",
        frozen=True,
    ),
    Kind(
        "players starting a game",
        r"<N>\s+(?:players\s+)?start(?:s|ed|ing)?\b|<N>\s+starters\b|\bstart(?:s|ed|ing)?\s+(?:with\s+)?<N>\s+players",
        frozen=True,
    ),
    Kind(
        "a ride's height limit",
        r"\b(?:minimum|maximum|required)\s+height\b[^.]{0,40}?<N>|\bat\s+least\s+<N>\s*(?:cm|centimet\w+|inch\w*|f(?:ee|oo)t)\s+tall\s+to\s+ride",
        frozen=True,
    ),
    Kind("sides of shapes", r"<N>[\s-]+sided\b|<N>\s+sides\s+of\b", frozen=True),  # not "2 sides for $12"
    Kind(
        "cards in a deck",
        r"\bdecks?\b[^.]{0,40}?<N>\s+cards\b|<N>\s+cards\s+(?:in|per)\s+(?:a|each|one|every)\s+(?:full\s+)?deck\b",
        frozen=True,
        applies=(32, 78),  # a deck's own size, not a count of loose cards
    ),
    Kind(
        "standard measures",
        r"\b(?:standard|regulation|official)\b[^.]{0,40}\b(?:is|are|of|measures?)\s+<N>",
        frozen=True,
    ),
    Kind(
        "body parts per creature or wheels per vehicle",
        r"<N>[\s-]*(?:hands?|eyes?|ears?|legs?|arms?|wings?|fingers?|toes?|paws?|tails?|wheels?)\b",
        frozen=True,
        applies=(0, 10),  # a larger count is a total the story may change
    ),
    # caps and bands
    Kind("age difference", r"<N>\s*years? (?:older|younger)", cap=60),
    Kind("age at marrying", r"\bmarri\w*\b[^.]{0,40}\b(?:turned|aged?|age of)\s*<N>", floor=18, cap=95),
    Kind("age", r"<N>[\s-]*years?[\s-]*old|<N>[\s-]*years? of age|\b(?:aged?|age of|turns?|turned)\s*<N>", cap=95),
    Kind("person height (feet)", r"<N>\s*(?:feet|foot|ft)\b[^.]{0,12}\btall", cap=7),
    Kind("person height (inches)", r"<N>\s*inch(?:es)?\b[^.]{0,12}\btall", cap=84),
    Kind(
        "person height (cm)",
        r"<N>\s*(?:cm|centimet(?:er|re)s?)\b[^.]{0,12}\btall"
        r"|\b(?:brother|sister|mother|father|son|daughter|friend|he|she)\s+(?:is|was)\s+<N>\s*(?:cm|centimet(?:er|re)s?)\b",
        cap=215,
    ),
    Kind("temperature", r"<N>\s*(?:°|degrees?)", cap=110, band=Fraction(1, 4)),
    Kind(
        "speed of a person on foot or by bike",
        r"\b(?:cycl|bik|run|ran|walk|jog|swim|swam|paddl)\w*\s+(?:at\s+)?(?:a\s+speed\s+of\s+)?<N>\s*"
        r"(?:mph|miles? (?:per|an|a) hour|km/h|kph|kilomet(?:er|re)s? (?:per|an|a) hour)",
        rises=False,
    ),
    Kind(
        "speed",
        r"<N>\s*(?:mph|miles? (?:per|an|a) hour|km/h|kph|kilomet(?:er|re)s? (?:per|an|a) hour)",
        cap=90,
        band=Fraction(1, 2),
    ),
    Kind("minutes per mile run", r"\bmiles?\b[^.]{0,25}\bin\s+<N>\s*minutes?", floor=4),
    Kind("goals per game", r"<N>\s*(?:goals?|touchdowns?|home runs?)\b", cap=9),
    Kind("minutes past the hour", r"\bhours?\s+and\s+<N>\s*min(?:ute)?s?\b", cap=59),
    Kind("seconds past the minute", r"\bmin(?:ute)?s?\s+and\s+<N>\s*sec(?:ond)?s?\b", cap=59),
    Kind("days in a month", r"<N>\s*days?\s+(?:a|per|each|every|in\s+a|of\s+the)\s+month", cap=31),
    Kind("days in a season", r"<N>\s*days?\b[^.]{0,40}\b(?:winter|summer|spring|autumn)\b", cap=92),
    Kind(
        "test marks or grades",
        r"<N>\s*marks\b|\bmarks\b[^.]{0,50}?\s<N>\s+(?:in|on)\b|\b(?:test|exam|quiz)\s+(?:score|grade|mark)s?\s+(?:of|was|is)\s+<N>"
        r"|<N>\s*(?:%|percent|points?)?\s+on\s+(?:a|an|the|his|her|their|my)\s+(?:\w+\s+)?(?:test|exam|quiz|assignment)\b"
        r"|\b(?:tests?|exams?|quiz(?:zes)?)\b[^.]{0,40}?\b(?:earns?|earned|scores?|scored|gets?|got)\s+(?:\d+(?:,\s*|,?\s+and\s+))*<N>"
        r"|\bhas\s+an?\s+<N>(?:\s+in\s+(?:the|his|her|their)\s+class\b|\s*\.)",
        cap=100,
    ),
    Kind("typing or reading speed", r"<N>\s*(?:words?\s+(?:a|an|per|each|every)\s+minute|wpm)\b", cap=120),
    # feats and records the source already set: lower is plausible, higher is a world record
    Kind(
        "weight a person lifts",
        r"\b(?:lift|deadlift|squat|bench|press)\w*\b[^.]{0,30}?\s<N>"
        r"|<N>\s*(?:pounds?|lbs?|kg|kilograms?)?\s+(?:for|on)\s+(?:the\s+)?(?:squat|bench|deadlift|press)"
        r"|<N>\s*%\s+of\s+(?:his|her|their)\s+(?:\w+\s+)?(?:lift|deadlift|squat|bench|press)",
        rises=False,
    ),
    Kind(
        "distance a person covers on foot or by bike",
        r"\b(?:cycl|bik|run|ran|walk|jog|swim|swam|hik|paddl)\w*\b[^.]{0,30}?\s<N>\s*(?:miles?|km|kilomet(?:er|re)s?)\b",
        rises=False,
    ),
    Kind(
        "what one person eats or drinks",
        r"\b(?:drinks|drank|drink|eats?|ate|consume[sd]?)\s+(?:\w+\s+){0,2}?<N>",
        rises=False,
    ),
    Kind(
        "members of a family",
        r"\b(?:her|his|their|my|has|had|have)\s+<N>\s+(?:siblings|brothers|sisters|sons|daughters)\b"
        r"|\bfamily\b[^.]{0,40}?\s<N>\s+(?:children|kids|adults?)\b",
        rises=False,
    ),
    Kind("rooms of a home", r"<N>\s+(?:bed|bath)?rooms\b", rises=False),
    Kind("games won", r"\bwon\s+<N>\s+(?:games|matches)\b", rises=False),
    Kind("price per weight", r"\$<N>\s*(?:per|a|an|each|/)\s*(?:kg|kilo(?:gram)?|pound|lb)\b", rises=False),
    Kind("hours in a day", r"<N>\s*hours? (?:a|per|each|every) day", cap=24),
    Kind("minutes in an hour", r"<N>\s*minutes? (?:an|per|each|every) hour", cap=60),
    Kind("days in a week", r"<N>\s*days? (?:a|per|each|every) week", cap=7),
    Kind(
        "one media item's hours",
        rf"\b{_MEDIA}\b[^.]{{0,25}}\b(?:is|lasts|of)\s+<N>[\s-]+hours?|<N>[\s-]+hours?[\s-]+(?:long\s+)?{_MEDIA}\b",
        cap=4,
    ),
    Kind(
        "class size",
        rf"\bclass(?:room)?\s+of\s+<N>|<N>\s+{_PEOPLE}\s+in\s+(?:a|each|the|every|his|her|their|one)\s+class\b",
        cap=40,
    ),
    Kind("seats in a row", r"\brows?\s+of\s+<N>\s+seats", cap=6),
    Kind("young per litter", r"\bbirth\s+to\s+<N>", cap=12),
    Kind(
        "movie ticket price",
        r"\b(?:movie|cinema|film) tickets?\b[^.$]{0,25}\$<N>|\$<N>[^.]{0,10}\b(?:movie|cinema|film) tickets?",
        cap=30,
    ),
    Kind(
        "calendar year",
        r"\b(?:currently|now|it's|it is|year(?: is| was)?|in|since|until|by|from)\s+<N>(?:\s*[.,;:!?)]|\s*$|\s+(?:and|when|if|but|so|then)\b)"
        r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)"
        r"\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?<N>",
        spread=10,
        applies=(1800, 2100),
    ),
)


@dataclass(frozen=True)
class AnswerKind:
    """What a question asks for, and the values its answer may take (where the original's is within them)."""

    name: str
    pattern: str  # on the question
    cap: int | None = None
    floor: int | None = None

    def describe(self) -> str:
        return " ".join(
            [self.name] + [f">= {self.floor}"] * (self.floor is not None) + [f"<= {self.cap}"] * bool(self.cap)
        )


ANSWER_KINDS = (  # the first that matches applies: "how old was she when he was born" before "how old"
    AnswerKind("a parent's age at a child's birth", r"\bhow old\b[^.?]*\bwhen\b[^.?]*\bborn\b", cap=60, floor=16),
    AnswerKind("an age asked", r"\bhow old\b", cap=95),
    AnswerKind("a person's height asked in cm", r"\bcentimet(?:er|re)s?\b[\s\S]*\bhow tall is (?-i:[A-Z])", cap=215),
    AnswerKind("a person's height asked in inches", r"\binch(?:es)?\b[\s\S]*\bhow tall is (?-i:[A-Z])", cap=84),
    AnswerKind("a grade asked", r"\b(?:grade|test score|exam score)s?\b[^.?]*\?", cap=100),
    AnswerKind("a Scrabble letter's value asked", r"\bScrabble\b[\s\S]*\bletter\b[^.]*\?", cap=10),
    AnswerKind("hours a day asked", r"\bhow many hours\b[^.?]*\b(?:a|per|each|every)\s+day\b", cap=24),
)
_BILL = Kind(  # "$20 bills", "a 20£ bill", "a £50 note", "20 dollar bills"
    "bill",
    r"[$£€]<N>(?:\s*,?\s*(?:and|or)?\s*[$£€]\d+)*[\s-]*(?:dollars?|pounds?|euros?)?[\s-]*(?:bills?|notes?)\b"
    r"|<N>\s*[£€][\s-]*(?:bills?|notes?)\b|<N>[\s-]*(?:dollars?|pounds?|euros?)[\s-]*(?:bills?|notes?)\b",
)
_RANGE_RE = re.compile(r"^range\(([-\d./]+), ([-\d./]+)(?:, ([\d./]+))?\)$")

BANDS = (
    f"Each stated number varies within {1 / BAND} to {BAND} times its original value "
    f"(or {MIN_STEPS} steps either way), keeping its roundness and decimals; "
    "percentages stay within 0..100; bills take $1, 5, 10, 20, 50 or 100 (pound and euro notes the same values); stated as written: "
    + ", ".join(kind.describe() for kind in KINDS if kind.frozen)
    + "; limits where the original is within them: "
    + ", ".join(kind.describe() for kind in KINDS if not kind.frozen)
    + "; answers: "
    + ", ".join(kind.describe() for kind in ANSWER_KINDS)
    + "."
)


def answer_limits(question: str, expr: str, value: Fraction) -> list[str]:
    """Conditions keeping the final answer `expr` (`value` in the original) plausible for what is asked."""
    kind = next((k for k in ANSWER_KINDS if re.search(k.pattern, question, re.IGNORECASE)), None)
    if kind is None or not names_in(expr):
        return []
    kept = [f"{expr} <= {kind.cap}"] if kind.cap is not None and value <= kind.cap else []
    return kept + ([f"{expr} >= {kind.floor}"] if kind.floor is not None and value >= kind.floor else [])


def kind_of(question: str, quantity: Quantity) -> Kind | None:
    """The kind of quantity the words around a stated number name, or None."""
    window = question[max(0, quantity.start - _WINDOW) : quantity.start].rsplit("\n", 1)[-1]
    window += "\x00" + question[quantity.end : quantity.end + _WINDOW]
    if _BILL.matches(window, quantity.value):
        return _BILL
    return next((kind for kind in KINDS if kind.matches(window, quantity.value)), None)


def world_constants(question: str, stated: list[Quantity]) -> set[Fraction]:
    """The stated values that are world constants or body parts, to be kept as written."""
    return {q.value for q in stated if (kind := kind_of(question, q)) is not None and kind.frozen}


def plausible_domain(question: str, mentions: list[Quantity], domain: str) -> str:
    """`domain` (a `range(...)` from `domain_for`) narrowed by the general band and by the kind each mention
    of the number names ("45 minutes long ... 1 hour and 45 minutes": the second keeps it below 60)."""
    value = mentions[0].value
    kinds = [kind for quantity in mentions if (kind := kind_of(question, quantity)) is not None]
    match = _RANGE_RE.match(domain)
    if match is None:
        return domain
    low, high, step = Fraction(match.group(1)), Fraction(match.group(2)), Fraction(match.group(3) or 1)
    low, high = max(low, _band_low(value, step)), min(high, _band_high(value, step))
    if _BILL in kinds and value.denominator == 1:
        return "sample([" + ", ".join(map(str, BILLS)) + "])" if value in BILLS else _frozen(value)
    if any(kind.frozen for kind in kinds):
        return _frozen(value)
    for kind in kinds:
        low, high = kind.limit(value, low, high, step)
    return _range(value, low, high, step)


def _band_low(value: Fraction, step: Fraction) -> Fraction:
    """The lowest value the general band allows: `value / BAND`, or `MIN_STEPS` steps below."""
    return min(-((-value / BAND) // step) * step, value - MIN_STEPS * step)


def _band_high(value: Fraction, step: Fraction) -> Fraction:
    """Past the highest value the general band allows: `value * BAND`, or `MIN_STEPS` steps above."""
    return max((value * BAND) // step * step, value + MIN_STEPS * step) + step


def _range(value: Fraction, low: Fraction, high: Fraction, step: Fraction) -> str:
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
