"""Conditions a story's words set where no step of its solution does.

- An overlap ("3 of them both red hats and blue boots") stays below each group it is the overlap of.
- A story that divides things up evenly ("an equal number of apples and oranges in each bag") keeps each
  share whole where the original's was: 49 oz bags of 4 + 3 oz pairs hold 7 pairs, never 5.5.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction

from augment.symbolic.expressions import evaluate_exact, names_in
from filters.arith import ExpressionError

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
