"""Conditions a story's words set where no step of its solution does.

- An overlap ("3 of them both red hats and blue boots") stays below each group it is the overlap of.
- A result the words tell as a multiple ("twice as many girls as boys") stays that multiple, and a total a
  sentence tells as a product ("150 cookies so her 15 neighbors could get 10 each") follows the product.
- The sides of a triangle keep it a triangle: each shorter than the other two together.
- A story that divides things up evenly ("an equal number of apples and oranges in each bag") keeps each
  share whole where the original's was: 49 oz bags of 4 + 3 oz pairs hold 7 pairs, never 5.5.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction

from augment.symbolic.expressions import evaluate_exact, names_in
from augment.symbolic.nouns import noun_after
from filters.arith import ExpressionError
from filters.numbers import format_number

# A story that divides things up evenly: "an equal number of apples and oranges in each bag", "split evenly".
_SHARED_EVENLY_RE = re.compile(r"\b(?:equal(?:ly)?|evenly|same number)\b", re.IGNORECASE)


def whole_shares(question: str, expr: str, values: dict[str, Fraction]) -> list[str]:
    """In a story that shares evenly, a product divided up ("49 oz a bag * 3 bags / 7 oz a pair") whose stated
    factor alone divides evenly in the original (7 pairs a bag): that share stays whole, as the story fills each
    bag with whole pairs. (Without the words, such conditions cost many templates their samples.)"""
    kept = []
    if not _SHARED_EVENLY_RE.search(question):
        return kept
    for node in ast.walk(ast.parse(expr, mode="eval").body):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.left, ast.BinOp)):
            continue
        factors, stack = [], [node.left]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Mult):
                stack += [item.left, item.right]
            else:
                factors.append(ast.unparse(item))
        if len(factors) < 2:
            continue
        divisor = ast.unparse(node.right)
        for factor in factors:
            if not re.fullmatch(r"n\d+", factor) or not names_in(divisor) or factor in names_in(divisor):
                continue
            share = f"{factor} / ({divisor})"
            try:
                whole = evaluate_exact(share, values).denominator == 1
            except (ExpressionError, ZeroDivisionError, KeyError):
                continue
            if whole:
                kept.append(f"is_int({share})")
    return kept


# "3 of them both red hats and blue boots": a count of the overlap of the groups stated before it.
_BOTH_RE = re.compile(r"\s+(?:of them\s+)?(?:have\s+|get\s+|with\s+)?both\b", re.IGNORECASE)


def overlap_order(question, quantities, variables, substitute, defined: set[str]) -> list[str]:
    """An overlap ("3 of them both ...") stays smaller than each group of its sentence it is the overlap of."""
    kept = []
    for overlap in quantities:
        if not _BOTH_RE.match(question, overlap.end):
            continue
        sentence = max(question.rfind(".", 0, overlap.start), question.rfind("?", 0, overlap.start))
        for group in quantities:
            if sentence < group.start < overlap.start and not (group.money or group.percent):
                low, high = substitute(variables[overlap.value]), substitute(variables[group.value])
                names = names_in(low) | names_in(high)
                if overlap.value < group.value and names and names <= defined:
                    kept.append(f"{low} < {high}")
    return kept


_MULTIPLE_RE = re.compile(r"\b(twice|double|three times|triple|half)\s+as\s+(?:many|much)\b", re.IGNORECASE)
_MULTIPLES = {"twice": Fraction(2), "double": Fraction(2), "three times": Fraction(3), "triple": Fraction(3)}


def told_multiples(question: str, steps, variables: dict[Fraction, str]) -> list[tuple[str, str]]:
    """ "Twice as many girls as boys" that the solution never computes (30 students - 10 boys = 20 girls, and no
    "* 2" anywhere): a total or rest that is the told multiple of a stated number stays that multiple (result,
    multiple). Where the solution computes with the factor, the relation is read, and a match is chance."""
    factors = {_MULTIPLES.get(m.group(1).lower(), Fraction(1, 2)) for m in _MULTIPLE_RE.finditer(question)}
    written = {token for step in steps for token in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", step.expr)}
    factors = {f for f in factors if not {format_number(f), format_number(1 / f)} & written}  # told, never computed
    return [
        (step.expr, f"{format_number(factor)} * {name}")
        for step in steps
        for value, name in variables.items()
        for factor in factors
        if value > 0 and step.value == factor * value and adds_up(step.expr)
    ]


def adds_up(expr: str) -> bool:
    """A total or a rest ("30 - 10"), the way a solution reaches a group it could have doubled instead."""
    node = ast.parse(expr, mode="eval").body
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))


_EACH_RE = re.compile(r"\b(?:each|apiece|per)\b", re.IGNORECASE)


def told_products(question: str, quantities, variables: dict[Fraction, str]) -> dict[str, str]:
    """A total one sentence tells as a product ("150 cookies so her 15 neighbors could get 10 cookies each"): the
    total follows the product (variable -> expression), or a variant gives 19 neighbors 9 of 170 cookies."""
    ties = {}
    for sentence in re.finditer(r"[^.?!]+", question):
        if not _EACH_RE.search(sentence.group(0)):
            continue
        inside = [q for q in quantities if sentence.start() <= q.start < sentence.end() and q.value.denominator == 1]
        for total in inside:
            for count in inside:
                for share in inside:
                    if (
                        len({total.value, count.value, share.value}) == 3
                        and total.value > 2
                        and min(count.value, share.value) > 1
                        and total.value == count.value * share.value
                        and count.start < share.start
                        and _same_thing(question, total, share)
                    ):
                        ties.setdefault(variables[total.value], f"{variables[count.value]} * {variables[share.value]}")
    return ties


def _same_thing(question: str, a, b) -> bool:
    noun, other = noun_after(question, a.end, a.start), noun_after(question, b.end, b.start)
    return bool(noun and other and noun & other)


def triangle_sides(question: str, answer_expr: str) -> list[str]:
    """ "The perimeter of a triangle is 160 cm ... two sides are 40 cm and 50 cm": the third side, perimeter less
    the two, makes a triangle only where each side is shorter than the other two together (43, 47 and 90 are a
    line)."""
    node = ast.parse(answer_expr, mode="eval").body
    if not (
        re.search(r"\btriang", question, re.IGNORECASE)
        and isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Sub)
        and isinstance(node.right, ast.BinOp)
        and isinstance(node.right.op, ast.Add)
    ):
        return []
    sides = [ast.unparse(node.right.left), ast.unparse(node.right.right), f"({answer_expr})"]
    return [f"{side} < {' + '.join(s for s in sides if s is not side)}" for side in sides]
