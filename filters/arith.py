"""A safe evaluator for calculator annotations: parse with `ast`, walk only numbers and arithmetic.

Never `eval`: annotations come from datasets and from models. The walk accepts numbers,
+ - * / // % ** and parentheses, bounds the text length, nesting and powers, and computes
exactly with `Fraction` so "0.1+0.2=0.3" holds.
"""

from __future__ import annotations

import ast
import operator
import re
from fractions import Fraction

MAX_EXPRESSION_CHARS = 300
MAX_EXPONENT = 64
MAX_MAGNITUDE = Fraction(10) ** 30

BINARY_OPERATORS = {  # the operators a calculator annotation may use (augment.symbolic.expressions too)
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

# How people and models write operators that Python spells differently.
_REWRITES = [
    (re.compile(r"(?<=\d),(?=\d{3}(?!\d))"), ""),  # thousands separators
    (re.compile(r"[$€£]"), ""),
    (re.compile(r"(?<=[\d)])\s*[x×]\s*(?=[\d(.])"), "*"),
    (re.compile(r"÷"), "/"),
    (re.compile(r"\^"), "**"),
    (re.compile(r"[−–]"), "-"),
    (re.compile(r"\*\s*100\s*%"), "*100"),  # "10/20 x 100%" converts to a percent
    (re.compile(r"(\d+(?:\.\d+)?)\s*%"), r"(\1/100)"),
]


class ExpressionError(ValueError):
    """The text is not plain arithmetic, or evaluating it is unsafe or undefined."""


def normalise_expression(text: str) -> str:
    """Rewrite "2 x 3", "$5", "1,200", "15%", "2^3" into Python arithmetic syntax."""
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text.strip()


def parse_arithmetic(text: str) -> ast.expr:
    """Parse `text` into an AST made only of numbers and arithmetic operators."""
    text = normalise_expression(text)
    if not text or len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression empty or longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not arithmetic: {text!r}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
            continue
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if isinstance(node, (ast.operator, ast.unaryop)):
            continue
        raise ExpressionError(f"not arithmetic: {type(node).__name__} in {text!r}")
    return tree


def literal_value(node: ast.Constant) -> Fraction:
    """A literal's exact value: 0.1 is one tenth, not the nearest binary float."""
    return Fraction(repr(node.value)) if isinstance(node.value, float) else Fraction(node.value)


def evaluate(node: ast.expr) -> Fraction:
    """Exact value of a tree from `parse_arithmetic`; raises ExpressionError when undefined or huge."""
    if isinstance(node, ast.Constant):
        return literal_value(node)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](evaluate(node.operand))
    if isinstance(node, ast.BinOp):
        left, right = evaluate(node.left), evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            if right.denominator != 1 or abs(right) > MAX_EXPONENT or (left == 0 and right < 0):
                raise ExpressionError("power with a non-integer, huge or undefined exponent")
            if abs(left) > 1 and abs(right) * max(len(str(left.numerator)), 1) > 60:
                raise ExpressionError("power result too large")
        elif right == 0 and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
            raise ExpressionError("division by zero")
        result = Fraction(BINARY_OPERATORS[type(node.op)](left, right))
        if abs(result) > MAX_MAGNITUDE:
            raise ExpressionError("result too large")
        return result
    raise ExpressionError(f"unsupported node {type(node).__name__}")


def evaluate_text(text: str) -> Fraction:
    """Parse and evaluate arithmetic text."""
    return evaluate(parse_arithmetic(text))
