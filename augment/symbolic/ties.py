"""How a solution's numbers are explained, and which readings must agree.

A number in a solution may be a stated number (a variable), an earlier result, or a
constant the wording implies. Where two of these fit, the variant may only be published
if both readings give the same story, so the resolver records what must hold:
- a stated number equal to an earlier result becomes that result's expression;
- a stated number equal to a constant the wording implies is frozen;
- two results with the same value must stay equal (a condition);
- a result equal to a constant ("60 minutes" a day and 60 minutes an hour, 10/2 = 5 and
  "5 more rounds") must stay equal to it: the condition `result == 60` is the check of
  both readings on the sampled numbers;
- a result reused where it is half of an earlier quantity may be that quantity's other
  half ("50% of 266 are 133 ... the other 133"): the two halves must stay equal.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from augment.symbolic.expressions import names_in
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

    def __init__(self, variables, cues, constants, hundredths, question):
        self.variables, self.cues, self.constants = variables, cues, constants
        self.cues_text = "%" if re.search(r"%|percent", question, re.IGNORECASE) else ""
        self.hundredths = hundredths  # values stated as percents or cents: 25% may appear as 0.25
        self.steps: list[Step] = []
        self.frozen: dict[str, Fraction] = {}  # variable -> its fixed value
        self.derived: dict[str, str] = {}  # variable -> the earlier result it equals
        self.ties: list[tuple[str, str]] = []  # expressions that must stay equal

    def resolve(self, value: Fraction, where: str) -> str | None:
        """An expression for `value`, or None to keep it as a literal constant."""
        variable = self.variables.get(value)
        if variable and value in self.cues:
            self.frozen[variable] = value  # "2 friends ... twice a week": keep 2 fixed
            variable = None
        percent = self.variables.get(value * 100) if value * 100 in self.hundredths else None
        results = list(dict.fromkeys(s.expr for s in self.steps if s.value == value))
        if not results and value < 1 and "%" in self.cues_text:  # "100 - 35 = 65" then "104 / .65"
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
            elif value in self.constants or value in self.cues:  # a constant could say it too
                self.ties.append((latest, format_number(value)))
            return latest
        if variable and variable not in self.frozen:
            return variable
        if percent:
            return f"{percent} / 100"
        if value in self.constants or value in self.cues:
            return None
        raise TemplateSkip("unexplained-number", f"{format_number(value)} in {where}")

    def _tie_other_half(self, value: Fraction, latest: str) -> None:
        """`latest` is half of a quantity it was computed from: the other half reads the same."""
        if value <= 0:
            return
        wholes = [s.expr for s in self.steps if s.value == 2 * value and s.expr != latest]
        wholes += [name for v, name in self.variables.items() if v == 2 * value and name not in self.frozen]
        parts = {ast.dump(node) for node in ast.walk(ast.parse(latest, mode="eval").body)}
        for whole in wholes:
            if ast.dump(ast.parse(whole, mode="eval").body) in parts:
                self.ties.append((latest, f"{whole} - ({latest})"))

    def substitution(self):
        """A function rewriting an expression with derived and frozen variables replaced."""
        replacements = {name: format_number(value) for name, value in self.frozen.items()}
        replacements |= {name: f"({expr})" for name, expr in self.derived.items() if name not in self.frozen}

        @lru_cache(maxsize=None)
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
