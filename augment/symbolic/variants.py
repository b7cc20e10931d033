"""Variants of one templated problem: renumber, rename, and exact backward (FOBAR-style).

Each variant is rendered from a sampled assignment; its answer is computed by executing
the template, and its solution keeps GSM8K's `<<expr=value>>` annotations so the verify
stage can re-execute it independently.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from augment.symbolic.compiled import CompiledTemplate, Sample
from augment.symbolic.expressions import evaluate_exact
from augment.symbolic.names import find_names
from augment.symbolic.objects import swap_things, swappable
from filters.arith import ExpressionError
from filters.numbers import decimal_places, format_number

FOBAR_SUFFIX = "If we know the answer to the above question is {answer}, what is the value of unknown variable X?"


@dataclass
class Variant:
    question: str
    answer: str
    final: Fraction
    params: dict = field(default_factory=dict)  # what was chosen: values, names, hidden variable
    stale: list[str] = field(default_factory=list)  # source numbers that must not survive in the question


class VariantSkip(Exception):
    """No variant of this kind for this sample; `reason` is a funnel code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def renumber(template: CompiledTemplate, sample: Sample) -> Variant:
    question, answer = template.render(sample)
    return Variant(question, answer, template.final(sample), _params(sample), _stale(template, sample))


def rename(template: CompiledTemplate, sample: Sample, rng: np.random.Generator) -> Variant:
    """New numbers, new people and new things: each name swapped within its gender list, so pronouns stay
    right, and an everyday thing for another of its kind (`objects.py`)."""
    if not renameable(template):
        raise VariantSkip("symbolic:no-names")
    taken = set(find_names(template.template.question)) | set(find_names(template.template.answer))
    chosen: dict[str, str] = {}
    for slot, pool in template.names.items():
        options = [n for n in pool if n not in taken]
        if not options:
            raise VariantSkip("symbolic:no-names")
        chosen[slot] = options[int(rng.integers(len(options)))]
        taken.add(chosen[slot])
    question, answer = template.render(sample, names=chosen)
    question, answer, things = swap_things(question, answer, rng)
    if not chosen and not things:  # "apples" in the question and "pears" in the solution: neither is swapped
        raise VariantSkip("symbolic:no-names")
    params = _params(sample) | {"names": chosen} | ({"things": things} if things else {})
    return Variant(question, answer, template.final(sample), params, _stale(template, sample))


def renameable(template: CompiledTemplate) -> bool:
    """Whether `rename` has a person or a thing to swap."""
    return bool(template.names) or swappable(template.template.question)


def backward(template: CompiledTemplate, sample: Sample, rng: np.random.Generator) -> Variant:
    """Hide one stated number as X, give the answer, ask for X; solve the linear equation exactly."""
    final = template.final(sample)
    if reason := _unhideable(template):
        raise VariantSkip(reason)
    candidates = hideable(template)
    for hidden in [candidates[i] for i in rng.permutation(len(candidates))]:
        linear = _linear_in(template, sample, hidden)
        if linear is None:
            continue
        slope, intercept = linear
        x = sample.values[hidden]
        if _mirrored_solution(template, slope, intercept, final) is not None:
            continue  # "the difference" read either way round: X would have two values
        question, _ = template.render(sample, hidden=hidden)
        question = f"{question.rstrip()} {FOBAR_SUFFIX.format(answer=format_number(final))}"
        answer = _backward_solution(template, sample, hidden, slope, intercept, final, x)
        params = _params(sample) | {"hidden": hidden}
        return Variant(question, answer, x, params, _stale(template, sample, also_stated={final}))
    raise VariantSkip("symbolic:no-linear-unknown")


def invertible(template: CompiledTemplate) -> bool:
    """Whether `backward` can hide one of the template's numbers (judged on the original values), so
    the plan gives backward only to sources that can make it and the mix holds."""
    sample = template.exact({name: var.default for name, var in template.numbers.items()})
    if sample is None or _unhideable(template):
        return False
    return any(_linear_in(template, sample, v) is not None for v in hideable(template))


def _unhideable(template: CompiledTemplate) -> str | None:
    """Why no number of this template may be hidden as X (a funnel code), or None."""
    if re.search(r"\bX\b", template.template.question + template.template.answer):
        return "symbolic:x-in-text"  # "an iPhone X" would read as the unknown
    if _count_by_division(template):
        return "symbolic:rounded-count"
    if _BRANCH_RE.search(template.template.answer):
        return "symbolic:branch-in-solution"
    return None


# A comparison the solution's prose decides ("One packet is enough because 35 > 30"): with X hidden, the
# other branch (two packets) may give the same answer, so X would not be unique.
_BRANCH_RE = re.compile(r"\}\s*(?:>=?|<=?|is (?:more|less|greater|smaller|larger|fewer) than)\s*\$?\{", re.IGNORECASE)
_DIFFERENCE_RE = re.compile(r"\bdifference\b|\bdiffer\b", re.IGNORECASE)


def _mirrored_solution(template: CompiledTemplate, slope: Fraction, intercept: Fraction, final: Fraction):
    """The other X of a question asking for "the difference between" two amounts, answered by a subtraction:
    a reader takes its size (|36 - 3X| = 9 holds at X = 9 and X = 15), so a positive X making the subtraction
    come out as -answer is a second solution. None where there is none."""
    node = ast.parse(template.template.answer_expr, mode="eval").body
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)):
        return None
    if not _DIFFERENCE_RE.search(template.template.question):
        return None
    other = (-final - intercept) / slope
    return other if other > 0 and final != 0 else None


def _count_by_division(template: CompiledTemplate) -> bool:
    """ "How many cans / pages / throws" answered by a division: a reader rounds it (up for cans to buy,
    down for throws allowed), so with the answer given, X would be a range, not one number."""
    node = ast.parse(template.template.answer_expr, mode="eval").body
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and re.search(r"\bhow many\b", template.template.question, re.IGNORECASE) is not None
    )


def hideable(template: CompiledTemplate) -> list[str]:
    """The numbers X may stand for: stated exactly once, not part of another slot's expression, and
    in no equality the samples are held to. A number stated twice ("5 players ... 5 rounds") is two
    quantities the template ties, and hiding both would ask for two unknowns; the answer is linear in
    a number held to an equality only where it holds, so the equation written for X would be wrong."""
    tied = {
        n
        for part in template.question_parts
        if not isinstance(part, str) and part.variable is None
        for n in _names(part.expr)
    }
    tied |= {n for condition in template.template.conditions if "==" in condition for n in _names(condition)}
    stated = Counter(part.variable for part in template.question_parts if not isinstance(part, str))
    return [v for v in template.numbers if v not in tied and stated[v] == 1]


def _linear_in(template: CompiledTemplate, sample: Sample, name: str) -> tuple[Fraction, Fraction] | None:
    """(a, b) with answer = a*X + b for the variable `name`, when the answer is linear in it."""
    x = sample.values[name]
    try:
        f0, f1, f2 = (evaluate_exact(template.template.answer_expr, sample.values | {name: x + d}) for d in (0, 1, 2))
    except (ExpressionError, ZeroDivisionError):
        return None
    slope, intercept = f1 - f0, f0 - (f1 - f0) * x
    if slope == 0 or f2 - f1 != slope or (slope == 1 and intercept == 0):  # X = answer: nothing to solve
        return None
    if decimal_places(slope, 4) is not None and decimal_places(intercept, 4) is not None:
        return slope, intercept  # aX + b = A, written with short decimals
    if (1 / slope).denominator == 1 and decimal_places(intercept / slope, 4) is not None:
        return slope, intercept  # X/k + b = A, solved by multiplying by k first
    return None


def _backward_solution(template, sample, hidden, slope, intercept, final, x) -> str:
    n = format_number
    divided = decimal_places(slope, 4) is None  # slope is 1/k: write (X + kb)/k and multiply by k first
    term = "X" if slope == 1 else f"{n(slope)}X"
    linear = term + _signed(intercept)
    if divided:
        k = 1 / slope
        linear = f"(X{_signed(intercept * k)}) / {n(k)}" if intercept else f"X / {n(k)}"
    shown = _expression_with_x(template, sample, hidden)
    lines = [
        "Let X be the unknown number. Working through the problem with X in its place, the answer is "
        + (f"{shown}, which simplifies to {linear}." if shown and shown != linear else f"{linear}."),
        f"We know the answer is {n(final)}, so {linear} = {n(final)}.",
    ]
    if divided:  # X/k + b = A  ->  X + kb = kA
        k = 1 / slope
        scaled, total = intercept * k, final * k
        lines.append(
            f"Multiplying both sides by {n(k)}: X{_signed(scaled)} = {n(final)} * {n(k)} = "
            f"<<{n(final)}*{n(k)}={n(total)}>>{n(total)}."
        )
        slope, intercept, final, term = Fraction(1), scaled, total, "X"
    rest = final - intercept
    if intercept:
        verb, amount, op = ("Subtracting", intercept, "-") if intercept > 0 else ("Adding", -intercept, "+")
        lines.append(
            f"{verb} {n(amount)} {'from' if intercept > 0 else 'to'} both sides: {term} = "
            f"{n(final)} {op} {n(amount)} = <<{n(final)}{op}{n(amount)}={n(rest)}>>{n(rest)}."
        )
    if slope != 1:
        lines.append(
            f"Dividing both sides by {n(slope)}: X = {n(rest)} / {n(slope)} = <<{n(rest)}/{n(slope)}={n(x)}>>{n(x)}."
        )
    lines.append(f"The value of X is {n(x)}.")
    lines.append(f"#### {n(x)}")
    return "\n".join(lines)


def _signed(value: Fraction) -> str:
    return f" + {format_number(value)}" if value > 0 else f" - {format_number(-value)}" if value < 0 else ""


def _expression_with_x(template: CompiledTemplate, sample: Sample, hidden: str) -> str | None:
    """The answer expression with X for the hidden number and the other numbers filled in."""

    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id == hidden:
                return ast.Name("X", ast.Load())
            return ast.Constant(
                float(sample.values[node.id])
                if sample.values[node.id].denominator != 1
                else int(sample.values[node.id])
            )

    text = ast.unparse(Fill().visit(ast.parse(template.template.answer_expr, mode="eval")))
    return text if len(text) <= 120 else None


def _names(expr: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}


def _params(sample: Sample) -> dict:
    return {"values": {k: format_number(v) for k, v in sample.values.items()}}


def _stale(template: CompiledTemplate, sample: Sample, also_stated: set[Fraction] = frozenset()) -> list[str]:
    """Source numbers that changed, and that nothing else in the new question legitimately says."""
    legit = template.question_values(sample) | template.literal_numbers | also_stated
    return [
        format_number(var.default)
        for name, var in template.numbers.items()
        if sample.values[name] != var.default and var.default not in legit
    ]
