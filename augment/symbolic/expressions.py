"""Template expressions: `{y//d*t}` slots, `is_int(y/d)` conditions, the `#answer:` line.

A small, safe language (an AST walk, never `eval`): numbers, variable names, arithmetic,
comparisons, and/or/not, and the functions GSM-Symbolic templates use. A `Program` runs
exactly (Fractions) to render a sample, and vectorised (numpy float64) to test many
candidate samples at once, which is what makes rejection sampling cheap.
"""

from __future__ import annotations

import ast
import operator
from fractions import Fraction
from functools import lru_cache

import numpy as np

from filters.arith import ExpressionError, literal_value

_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}  # fmt: skip
_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}  # fmt: skip
FUNCTIONS = ("is_int", "int", "round", "abs", "min", "max", "divides")
_TOLERANCE = 1e-9


@lru_cache(maxsize=65536)
def compile_expression(text: str) -> ast.expr:
    """Parse and validate a template expression (cached: templates reuse them for every sample)."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"not a template expression: {text!r}") from exc
    for node in ast.walk(tree):
        allowed = isinstance(
            node,
            (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Name, ast.Load, ast.operator, ast.unaryop,
             ast.cmpop, ast.boolop, ast.Call),
        )  # fmt: skip
        if isinstance(node, ast.Constant):
            allowed = type(node.value) in (int, float)
        if isinstance(node, ast.BinOp):
            allowed = type(node.op) in _BINARY
        if isinstance(node, ast.Call):
            allowed = isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
        if not allowed:
            raise ExpressionError(f"{type(node).__name__} is not allowed in template expression {text!r}")
    return tree


@lru_cache(maxsize=65536)
def names_in(text: str) -> frozenset[str]:
    """Variable names an expression reads."""
    tree = compile_expression(text)
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS)


class Program:
    """Expressions compiled together into one list of operations; a subexpression shared by
    several of them (templates inline every step into the later ones) is computed once."""

    def __init__(self, texts: list[str]):
        self.ops: list[tuple] = []
        self._index: dict[tuple, int] = {}
        self.outputs = [self._add(compile_expression(text)) for text in texts]

    def _add(self, node: ast.expr) -> int:
        if isinstance(node, ast.Constant):
            key = ("const", literal_value(node))
        elif isinstance(node, ast.Name):
            key = ("var", node.id)
        elif isinstance(node, ast.UnaryOp):
            key = ("unary", type(node.op), self._add(node.operand))
        elif isinstance(node, ast.BinOp):
            key = ("binary", type(node.op), self._add(node.left), self._add(node.right))
        elif isinstance(node, ast.Compare):
            key = ("compare", tuple(type(op) for op in node.ops), self._add(node.left),
                   *(self._add(c) for c in node.comparators))  # fmt: skip
        elif isinstance(node, ast.BoolOp):
            key = ("bool", type(node.op), *(self._add(v) for v in node.values))
        else:  # ast.Call, validated by compile_expression
            key = ("call", node.func.id, *(self._add(a) for a in node.args))
        if key not in self._index:
            self._index[key] = len(self.ops)
            self.ops.append(key)
        return self._index[key]

    def run_exact(self, env: dict[str, Fraction]) -> list:
        """Exact values of every expression for one sample; ExpressionError when undefined."""
        values: list = []
        for op in self.ops:
            values.append(_exact_op(op, values, env))
        return [values[i] for i in self.outputs]

    def run_vector(self, env: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Every expression over arrays of candidate samples; undefined entries are NaN or False."""
        values: list = []
        with np.errstate(all="ignore"):
            for op in self.ops:
                values.append(_vector_op(op, values, env))
        return [values[i] for i in self.outputs]


def evaluate_exact(text: str, env: dict[str, Fraction]) -> Fraction | bool:
    """Exact value of one expression for one sample."""
    return _single(text).run_exact(env)[0]


@lru_cache(maxsize=4096)
def _single(text: str) -> Program:
    return Program([text])


def _exact_op(op: tuple, values: list, env: dict[str, Fraction]):
    kind = op[0]
    if kind == "const":
        return op[1]
    if kind == "var":
        if op[1] not in env:
            raise ExpressionError(f"unknown variable {op[1]}")
        return env[op[1]]
    if kind == "unary":
        value = values[op[2]]
        return (not value) if op[1] is ast.Not else -value if op[1] is ast.USub else value
    if kind == "binary":
        left, right = values[op[2]], values[op[3]]
        if right == 0 and op[1] in (ast.Div, ast.FloorDiv, ast.Mod):
            raise ExpressionError("division by zero")
        if op[1] is ast.Pow and (Fraction(right).denominator != 1 or abs(right) > 12):
            raise ExpressionError("unsupported power")
        return Fraction(_BINARY[op[1]](left, right))
    if kind == "compare":
        operands = [values[i] for i in op[2:]]
        return all(_COMPARE[cmp](a, b) for cmp, a, b in zip(op[1], operands, operands[1:]))
    if kind == "bool":
        operands = [values[i] for i in op[2:]]
        return all(operands) if op[1] is ast.And else any(operands)
    return _call_exact(op[1], [values[i] for i in op[2:]])


def _call_exact(name: str, args: list):
    if name == "is_int":
        return Fraction(args[0]).denominator == 1
    if name == "divides":  # divides(a, b): b divides a evenly
        return args[1] != 0 and (Fraction(args[0]) / args[1]).denominator == 1
    if name == "int":
        return Fraction(int(args[0]))
    if name == "round":
        return Fraction(round(args[0], int(args[1]) if len(args) > 1 else 0))
    return Fraction({"abs": abs, "min": min, "max": max}[name](*args))


def _vector_op(op: tuple, values: list, env: dict[str, np.ndarray]):
    kind = op[0]
    if kind == "const":
        return float(op[1])
    if kind == "var":
        return env[op[1]]
    if kind == "unary":
        value = values[op[2]]
        return np.logical_not(value) if op[1] is ast.Not else -value if op[1] is ast.USub else value
    if kind == "binary":
        left, right = values[op[2]], values[op[3]]
        if op[1] in (ast.Div, ast.FloorDiv, ast.Mod):
            safe = np.where(right == 0, 1.0, right)
            return np.where(right == 0, np.nan, _BINARY[op[1]](left, safe))
        return _BINARY[op[1]](left, right)
    if kind == "compare":
        operands = [values[i] for i in op[2:]]
        result = True
        for cmp, left, right in zip(op[1], operands, operands[1:]):
            if cmp in (ast.Eq, ast.NotEq):
                close = np.isclose(left, right, rtol=_TOLERANCE, atol=_TOLERANCE)
                result = np.logical_and(result, close if cmp is ast.Eq else ~close)
            else:
                result = np.logical_and(result, _COMPARE[cmp](left, right))
        return result
    if kind == "bool":
        combine = np.logical_and if op[1] is ast.And else np.logical_or
        result = values[op[2]]
        for i in op[3:]:
            result = combine(result, values[i])
        return result
    return _call_vector(op[1], [values[i] for i in op[2:]])


def is_integral(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values) & (np.abs(values - np.round(values)) <= _TOLERANCE * np.maximum(1.0, np.abs(values)))


def _call_vector(name: str, args: list):
    if name == "is_int":
        return is_integral(np.asarray(args[0], dtype=float))
    if name == "divides":
        return (args[1] != 0) & is_integral(np.asarray(args[0], dtype=float) / np.where(args[1] == 0, 1, args[1]))
    if name == "int":
        return np.trunc(args[0])
    if name == "round":
        return np.round(args[0], int(args[1]) if len(args) > 1 else 0)
    if name == "abs":
        return np.abs(args[0])
    return (np.minimum if name == "min" else np.maximum).reduce(np.broadcast_arrays(*args))
