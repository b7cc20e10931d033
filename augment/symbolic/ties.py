"""How a solution's numbers are explained, and which readings must agree.

A number in a solution may be a stated number (a variable), an earlier result, or a
constant the wording implies. Where two of these fit, the variant may only be published
if both readings give the same story, so the resolver records what must hold:
- a stated number equal to an earlier result becomes that result's expression;
- a stated number equal to a constant the wording implies is frozen;
- two results with the same value must stay equal (a condition);
- a result equal to a constant, a fraction's part or a frozen stated number ("60 minutes" a day and
  60 minutes an hour, 10/2 = 5 and "5 more rounds", 8 x 25% = 2 and "2 additional years"), or never
  read again yet equal to a constant ("45 + 15 = 60 minutes (1 hour)"), must stay equal to it;
- a stated number equal to the latest fractional result rounded ("44 / 5 = 8.8, so 8 bills" and
  "$8 a day") must stay equal to that rounding;
- a result reused where it is half of an earlier quantity may be that quantity's other
  half ("50% of 266 are 133 ... the other 133"): the two halves must stay equal.
A mention tied by value to a stated number of another noun, when a fixed number of that value
fits it better, freezes the variable (`check_noun`).
The last three are coincidences, not relations (`settle`): where one stated number alone makes
both readings differ, it is frozen (the 50%, or "8 - 3 - 3 = 2" ducklings and "half"); else the
variables stay and a condition keeps only the samples where both readings agree (freezing them
all left a hundred sources without variables). Where no numbers near the stated ones agree, or
the template then draws no sample (`generator.annotate_row`), they are all frozen.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from itertools import combinations

import numpy as np

from augment.symbolic.expressions import Program, evaluate_exact, names_in
from augment.symbolic.quantities import BARE_CONSTANTS, word_constants
from filters.arith import ExpressionError
from filters.numbers import decimal_places, format_number


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
            elif variable or value in self._alternatives():
                # a constant, a fraction's part or a frozen stated number ("2 additional years") could say it too
                self.coincidences.append((latest, format_number(value)))
            elif value in self.factors:  # "60 / 50 = 1.2" and the 1.2 of "20% more"
                self.coincidences.append((latest, self._factor(value)))
            self.reads[latest] += 1
            return latest
        if variable and variable not in self.frozen:
            self._tie_rounded(value, variable)
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

    def _tie_rounded(self, value: Fraction, variable: str) -> None:
        """A stated number equal to the latest fractional result rounded ("44 / 5 = 8.8, so 8 bills" and "$8 a
        day"): the count may be either, so both must stay equal."""
        latest = next((s for s in reversed(self.steps) if s.value.denominator != 1), None)
        if latest is None or latest.value <= 0:
            return
        if value == latest.value.__floor__():
            self.coincidences.append((f"({latest.expr}) // 1", variable))
        elif value == latest.value.__ceil__():
            self.coincidences.append((f"-(-({latest.expr}) // 1)", variable))

    def _alternatives(self) -> frozenset[Fraction]:
        """The constants a result could be read as instead (0, 1, 2 and 100 fit almost anything)."""
        return (self.constants - BARE_CONSTANTS) | self.cues | self.parts

    def settle(self, final: str, agree: bool = True) -> None:
        """Make every coincidence hold: freeze the one stated number it depends on, or keep it as a condition
        (`agree`) where one can hold, else freeze them all."""
        original = {name: value for value, name in self.variables.items()}
        values = Counter(step.value for step in self.steps)
        for step in self.steps:  # never read again, yet a constant: "45 + 15 = 60 minutes (1 hour)", "= 1 kilogram"
            if (
                step.expr != final
                and values[step.value] == 1
                and not self.reads[step.expr]
                and step.value in self._alternatives()
            ):
                self.coincidences.append((step.expr, format_number(step.value)))
        for count in self.repeats:  # "Two of them are 2 minute videos ... 2+2+12": the count is the repetition
            name = self.variables.get(Fraction(count))
            if name and name not in self.frozen:
                self.frozen[name] = Fraction(count)
        self.frozen |= {name: original[name] for name in self.ambiguous}
        scales = word_constants(self.question) | self.parts  # "half": 2, "a day": 24, "3/5": 5
        for left, right in self.coincidences:
            if self.reads[left] == 1 and not (_number_in(right, scales) and self._read_as_factor(left)):
                continue  # a worded constant scales ("/ 2" for half, "* 24" a day): added once, it is the result
            self.hold(left, right, agree)

    def hold(self, left: str, right: str, agree: bool = True) -> None:
        """Make `left == right` hold in every variant: freeze the one stated number it depends on, or keep it as
        a condition (`agree`) where one can hold, else freeze them all."""
        original = {name: value for value, name in self.variables.items()}
        substitute = self.substitution()
        left, right = substitute(left), substitute(right)
        names = sorted(names_in(left) | names_in(right))
        if not names or _identical(left, right, original, set()):
            return
        single = [n for n in names if _identical(left, right, original, {n})]
        if single:  # only that number makes them differ: a condition would pin it
            self.frozen[single[0]] = original[single[0]]
        elif agree and _agrees_elsewhere([*self.ties, (left, right)], original, self.substitution()):
            self.ties.append((left, right))  # samples must agree
        else:  # they agree only at the stated numbers, where no variant is
            self.frozen |= {name: original[name] for name in names}

    def _read_as_factor(self, expr: str) -> bool:
        """Whether a step multiplies or divides by `expr` ("126 / 2", "2 * 24"; not "24 / 2")."""
        node = ast.dump(ast.parse(expr, mode="eval").body)
        return any(
            isinstance(n, ast.BinOp)
            and (
                ast.dump(n.right) == node
                and isinstance(n.op, (ast.Mult, ast.Div))
                or ast.dump(n.left) == node
                and isinstance(n.op, ast.Mult)
            )
            for step in self.steps
            for n in ast.walk(ast.parse(step.expr, mode="eval"))
        )

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


def _number_in(text: str, values: frozenset[Fraction]) -> bool:
    return bool(re.fullmatch(r"[\d.]+", text)) and Fraction(text) in values


def _agrees_elsewhere(ties: list[tuple[str, str]], original: dict[str, Fraction], substitute) -> bool:
    """Whether every tie holds at once for some numbers near the stated ones with each variable they read moved (a
    fixed draw, as the sampler draws: "n1 * n2 == 30" with "n1 * 4 == 12" holds only where n1 = 3)."""
    differences = [f"({substitute(left)}) - ({substitute(right)})" for left, right in ties]
    names = sorted(set().union(*(names_in(d) for d in differences)))
    rng = np.random.default_rng(0)
    env = {name: rng.choice(_nearby(original[name]), size=4096) for name in names}
    agree = np.logical_and.reduce([env[name] != float(original[name]) for name in names])
    try:
        for difference in Program(differences).run_vector(env):
            agree &= np.abs(np.nan_to_num(np.asarray(difference, dtype=float), nan=1.0)) < 1e-9
    except ExpressionError:
        return False
    return bool(np.any(agree))


def _nearby(value: Fraction) -> np.ndarray:
    """Values of the stated number's roundness from half to twice it (about what its domain will hold)."""
    if value <= 0:
        return np.array([float(value)])
    if value.denominator != 1:
        step = Fraction(1, 10 ** (decimal_places(value) or 2))
    else:
        step = 1
        while value % (step * 10) == 0 and value // (step * 10) >= 5:
            step *= 10
    count = min(int((value * 2 - value / 2) / step) + 1, 10_000)
    return float(value / 2 // step * step) + np.arange(count) * float(step)


def coincidences_of_unused(quantities, variables, read, used, frozen) -> dict[str, str]:
    """Stated numbers the solution never reads that two numbers it reads make ("watches 35 minutes
    ... adds 15" solved as "20 + 15 + ..."), or two unread numbers that make one it reads ("5 bananas
    at $2" solved as "$10"): the solution is right only while that holds. A total of two or three read
    parts ("175 balls ... the first 100 ... the next 75") and a product of two unread numbers become ties
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
    for value in unused:  # "44 wildflowers": 13 + 17 + 14 of them by colour, a total no step reads
        trio = next((t for t in combinations(values, 3) if sum(t) == value), None) if value > 2 else None
        if trio and stated[value] not in ties:
            ties[stated[value]] = " + ".join(stated[v] for v in trio)
    return ties
