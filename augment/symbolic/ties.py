"""How a solution's numbers are explained, and which readings must agree.

A number in a solution may be a stated number (a variable), an earlier result, or a
constant the wording implies. Where two of these fit, the variant may only be published
if both readings give the same story, so the resolver records what must hold:
- a stated number equal to an earlier result becomes that result's expression;
- a stated number equal to a constant the wording implies is frozen;
- two results with the same value must stay equal (a condition);
- a result equal to a constant ("60 minutes" a day and 60 minutes an hour, 10/2 = 5 and
  "5 more rounds") must stay equal to it;
- a result reused where it is half of an earlier quantity may be that quantity's other
  half ("50% of 266 are 133 ... the other 133"): the two halves must stay equal.
A mention tied by value to a stated number of another noun, when a fixed number of that value
fits it better, freezes the variable (`check_noun`).
The last two are coincidences, not relations, and they matter only where the result is read
more than once (read once, it must be the result, or the result would go unused). So rather than hope the sampler meets them
we freeze the stated numbers involved (`settle`): one if that makes both readings agree for
every value of the others (the 50%), else all of them.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from augment.symbolic.expressions import evaluate_exact, names_in
from augment.symbolic.quantities import BARE_CONSTANTS
from filters.arith import ExpressionError
from filters.numbers import format_number


class TemplateSkip(Exception):
    """This problem cannot be templated safely; `reason` is a short code for the funnel."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass
class Step:
    value: Fraction
    expr: str  # the result as an expression over variables


class Resolver:
    """Ties each number of a solution to a variable, an earlier result or a constant."""

    def __init__(self, variables, cues, constants, hundredths, question, factors=None, parts=frozenset()):
        self.variables, self.cues, self.constants, self.question = variables, cues, constants, question
        self.parts = parts  # the parts of the question's fractions: 5 and 3 of "3/5"
        self.factors = factors or {}  # 1.2 -> 20 ("20% more"): a constant the percent makes
        self.fractions: set[str] = set()  # fractions the question writes: "3/5"
        self.repeats: set[int] = set()  # how often a written sum repeats a number: 2 for "2+2+12"
        self.cues_text = "%" if re.search(r"%|percent", question, re.IGNORECASE) else ""
        self.hundredths = hundredths  # values stated as percents or cents: 25% may appear as 0.25
        self.steps: list[Step] = []
        self.frozen: dict[str, Fraction] = {}  # variable -> its fixed value
        self.derived: dict[str, str] = {}  # variable -> the earlier result it equals
        self.ties: list[tuple[str, str]] = []  # expressions that must stay equal
        self.coincidences: list[tuple[str, str]] = []  # equal only by chance: settled by freezing
        self.reads: Counter[str] = Counter()  # how often each result is read again
        self.ambiguous: set[str] = set()  # stated numbers a constant may come from ("50% off", 6 days / 3): frozen
        self.ratios: dict[Fraction, frozenset[Fraction]] = {}  # 2 -> {6, 3} for "every 3 days ... 6 days"
        self.nouns: dict[Fraction, list[frozenset[str] | None]] = {}  # value -> what each stated mention counts
        self.result_nouns: dict[str, frozenset[str]] = {}  # a step's expression -> what its result counts
        self.fixed_nouns: dict[Fraction, list[frozenset[str] | None]] = {}  # the same for fixed ones: "top 2 floors"

    def resolve(self, value: Fraction, where: str, noun: frozenset[str] | None = None) -> str | None:
        """An expression for `value`, or None to keep it as a literal constant. `noun`: what the
        solution's mention counts ("2 parts"), checked against the stated mentions of that value."""
        expr = self._resolve(value, where)
        self.check_noun(value, noun, expr)
        return expr

    def check_noun(self, value: Fraction, noun: frozenset[str] | None, expr: str | None) -> None:
        """A mention tied by value alone to a stated number of another noun, where the question also
        states that value fixed with the mention's noun or bare ("gets 2 parts": "2 business partners"
        or the ratio's "2:5"; "2 toes": "two races" or the fixed "2 toes on each"), may mean the fixed
        one: freeze the variable, so both readings stay equal. Wider rules froze mostly synonyms
        ("6 turns" of "six laps"); a mention read as an earlier result is already safe, as a stated
        number of that value follows the result."""
        variable = self.variables.get(value)
        mentions = self.nouns.get(value, [])
        fixed = self.fixed_nouns.get(value, [])
        if (
            not (variable and expr == variable and noun and mentions)
            or None in mentions
            or any(noun & m for m in mentions)
            or not any(m is None or noun & m for m in fixed)
        ):
            return
        self.frozen[variable] = value

    def _resolve(self, value: Fraction, where: str) -> str | None:
        variable = self.variables.get(value)
        if variable and (value in self.cues or value in self.parts or value in self.factors):
            self.frozen[variable] = value  # "2 friends ... twice a week": keep 2 fixed
            variable = None
        percent = self.variables.get(value * 100) if value * 100 in self.hundredths else None
        results = list(dict.fromkeys(s.expr for s in self.steps if s.value == value))
        # "100 - 35 = 65" then "104 / .65"; a stated percent's own factor (.4 of "loses 60%") is read first
        if not results and value < 1 and "%" in self.cues_text and value not in self.factors:
            results = [f"({s.expr}) / 100" for s in self.steps if s.value == value * 100][-1:]
        if results:
            latest = results[-1]
            self.ties.extend((latest, other) for other in results[:-1])
            self._tie_other_half(value, latest)
            if variable and variable not in self.frozen:
                if variable in names_in(latest):  # "6 classes ... 6*1 = 6 folders": keep them equal
                    self.ties.append((variable, latest))
                else:
                    self.derived.setdefault(variable, latest)
            elif value in (self.constants - BARE_CONSTANTS) | self.cues:  # a constant could say it too
                self.coincidences.append((latest, format_number(value)))
            elif value in self.factors:  # "60 / 50 = 1.2" and the 1.2 of "20% more"
                self.coincidences.append((latest, self._factor(value)))
            self.reads[latest] += 1
            return latest
        if variable and variable not in self.frozen:
            return variable
        if percent:
            if self.factors.get(value) == value * 100:  # "50% off" as * 0.5: p or 1 - p, only 50% makes both
                self.ambiguous.add(percent)
            return f"{percent} / 100"
        if value in self.constants or value in self.cues:
            self.ambiguous |= {self.variables[v] for v in self.ratios.get(value, ()) if v in self.variables}
            return None
        if value in self.factors:
            factor = self._factor(value)
            return factor if names_in(factor) else None
        raise TemplateSkip("unexplained-number", f"{format_number(value)} in {where}")

    def _factor(self, value: Fraction) -> str:
        """1.2 as the expression of the percent it comes from: "1 + n1 / 100"."""
        percent = self.factors[value]
        name = self.variables.get(percent)
        sign = "+" if value > 1 else "-"
        return f"1 {sign} {name} / 100" if name else format_number(value)

    def _tie_other_half(self, value: Fraction, latest: str) -> None:
        """`latest` is half of a quantity it was computed from: the other half reads the same."""
        if value <= 0:
            return
        wholes = [s.expr for s in self.steps if s.value == 2 * value and s.expr != latest]
        wholes += [name for v, name in self.variables.items() if v == 2 * value and name not in self.frozen]
        top = ast.parse(latest, mode="eval").body  # a half is a direct part: "50/100 * (n1 - n2)"
        if not (isinstance(top, ast.BinOp) and isinstance(top.op, (ast.Mult, ast.Div))):
            return
        for whole in wholes:
            node = ast.dump(ast.parse(whole, mode="eval").body)
            if node not in (ast.dump(top.left), ast.dump(top.right)):
                continue
            share = ast.unparse(top.right if ast.dump(top.left) == node else top.left)
            if "/ 100" in share or not names_in(share):  # a proportion (a percent, a fraction), not a price
                self.coincidences.append((latest, f"{whole} - ({latest})"))

    def settle(self) -> None:
        """Freeze stated numbers until every coincidence holds whatever the other numbers are."""
        original = {name: value for value, name in self.variables.items()}
        for count in self.repeats:  # "Two of them are 2 minute videos ... 2+2+12": the count is the repetition
            name = self.variables.get(Fraction(count))
            if name and name not in self.frozen:
                self.frozen[name] = Fraction(count)
        self.frozen |= {name: original[name] for name in self.ambiguous}
        for left, right in self.coincidences:
            if self.reads[left] < 2:  # read once, it is that result: a constant there would leave it unused
                continue
            substitute = self.substitution()
            left, right = substitute(left), substitute(right)
            names = sorted(names_in(left) | names_in(right))
            if not names or _identical(left, right, original, set()):
                continue
            single = [n for n in names if _identical(left, right, original, {n})]
            for name in single[:1] or names:
                self.frozen[name] = original[name]

    def substitution(self):
        """A function rewriting an expression with derived and frozen variables replaced."""
        replacements = {name: format_number(value) for name, value in self.frozen.items()}
        replacements |= {name: f"({expr})" for name, expr in self.derived.items() if name not in self.frozen}

        @cache
        def substitute(expr: str) -> str:
            if not replacements or not names_in(expr) & replacements.keys():
                return expr
            for _ in range(len(replacements) + 1):
                rewritten = re.sub(r"\b(n\d+)\b", lambda m: replacements.get(m.group(1), m.group(1)), expr)
                if rewritten == expr:
                    return ast.unparse(ast.parse(expr, mode="eval"))
                expr = rewritten
            raise TemplateSkip("ambiguous-number", "circular ties")

        return substitute


def repetitions(tree: ast.expr) -> set[int]:
    """How often a written sum repeats one number ("2+2+12": 2): a count the solution writes by repeating."""
    terms, stack = [], [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
            stack += [item.left, item.right]
        elif isinstance(item, ast.Constant):
            terms.append(item.value)
    return {n for n in Counter(terms).values() if n > 1}


def _identical(left: str, right: str, original: dict[str, Fraction], frozen: set[str]) -> bool:
    """`left == right` at two shifts of every variable not in `frozen` (both hold at the original)."""
    for scale, offset in ((1, 1), (2, 3)):
        values = {
            name: value if name in frozen else value * scale + offset + i
            for i, (name, value) in enumerate(sorted(original.items()))
        }
        try:
            if evaluate_exact(left, values) != evaluate_exact(right, values):
                return False
        except (ExpressionError, ZeroDivisionError):
            return False
    return True


def coincidences_of_unused(quantities, variables, read, used, frozen) -> dict[str, str]:
    """Stated numbers the solution never reads that two numbers it reads make ("watches 35 minutes
    ... adds 15" solved as "20 + 15 + ..."), or two unread numbers that make one it reads ("5 bananas
    at $2" solved as "$10"): the solution is right only while that holds. A total of two read parts
    ("175 balls ... the first 100 ... the next 75") and a product of two unread numbers become ties
    (variable -> expression), which keep both readings equal; any other match (a difference, a
    percent, numbers tied already or fixed: "Six Grade 4 sections" solved with four) seeds nothing."""
    stated = {q.value: variables[q.value] for q in quantities}
    percents = {variables[q.value] for q in quantities if q.percent}
    unused = sorted(v for v, name in stated.items() if name not in read)
    values = sorted(v for v, name in stated.items() if name in read)
    ties = {}
    for found, parts, tying in ((unused, values, "+"), (values, unused, "*")):
        made = {}  # value -> how two parts make it, the tying operation first
        for symbol in sorted("+-*", key=lambda op: op != tying):
            for a in parts:
                for b in parts:
                    if a != b:
                        value = a + b if symbol == "+" else a - b if symbol == "-" else a * b
                        made.setdefault(value, (stated[a], symbol, stated[b]))
        for value in found:
            if value <= 2 or value not in made:  # small numbers are made of anything
                continue
            left, symbol, right = made[value]
            tied = stated[value]
            if symbol != tying or tied in read - used or {left, right, tied} & (frozen | percents):
                raise TemplateSkip("coincidental-solution", f"{format_number(value)} = {left} {symbol} {right}")
            ties.setdefault(tied, f"{left} {symbol} {right}")
    return ties
