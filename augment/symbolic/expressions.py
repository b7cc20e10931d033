"""Template expressions: `{y//d*t}` slots, `is_int(y/d)` conditions, the `#answer:` line.

A small, safe language (an AST walk, never `eval`): numbers, variable names, arithmetic,
comparisons, and/or/not, and the functions GSM-Symbolic templates use. A `Program` runs
exactly (Fractions) to render a sample, and vectorised (numpy float64) to test many
candidate samples at once, which is what makes rejection sampling cheap.

Templates may come from a hand-edited file, so every cost is bounded by size, never by
time: text length, nesting depth, literal digits, rounding places, exponents, the
operations of a Program and the bits of every exact value. Past a bound is an
ExpressionError, which callers count as a skipped template.
"""

from __future__ import annotations

import ast
import operator
from fractions import Fraction
from functools import lru_cache

import numpy as np

from filters.arith import BINARY_OPERATORS, ExpressionError, literal_value

_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
FUNCTIONS = ("is_int", "int", "round", "abs", "min", "max", "divides")
_ARITY = {
    "is_int": (1, 1),
    "int": (1, 1),
    "abs": (1, 1),
    "round": (1, 2),
    "divides": (2, 2),
    "min": (1, 16),
    "max": (1, 16),
}
_TOLERANCE = 1e-9
MAX_EXPRESSION_CHARS = 2000  # derived templates stay under 250
MAX_DEPTH = 60  # AST levels; derived templates stay under 20
MAX_LITERAL_DIGITS = 100
MAX_ROUND_PLACES = 12
MAX_EXPONENT = 12
MAX_OPERATIONS = 5000  # per Program: the operation budget of one template
MAX_VALUE_BITS = 4096  # numerator plus denominator of any exact value (about 1,200 digits)


@lru_cache(maxsize=65536)
def compile_expression(text: str) -> ast.expr:
    """Parse and validate a template expression (cached: templates reuse them for every sample)."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"template expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not a template expression: {text[:80]!r}") from exc
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"template expression nested deeper than {MAX_DEPTH} levels")
    for node in ast.walk(tree):
        allowed = isinstance(
            node,
            (
                ast.BinOp,
                ast.UnaryOp,
                ast.Compare,
                ast.BoolOp,
                ast.Name,
                ast.Load,
                ast.operator,
                ast.unaryop,
                ast.cmpop,
                ast.boolop,
                ast.Call,
            ),
        )
        if isinstance(node, ast.Constant):
            allowed = type(node.value) in (int, float)
        if isinstance(node, ast.BinOp):
            allowed = type(node.op) in BINARY_OPERATORS
        if isinstance(node, ast.Call):
            allowed = isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
        if not allowed:
            raise ExpressionError(f"{type(node).__name__} is not allowed in template expression {text[:80]!r}")
        if isinstance(node, ast.Constant) and not _small_literal(node.value):
            raise ExpressionError(f"a number in a template expression has more than {MAX_LITERAL_DIGITS} digits")
        if isinstance(node, ast.Call):
            _check_call(node)
    return tree


def _depth(tree: ast.expr) -> int:
    """Nesting depth without recursion, so a deep tree cannot exhaust the stack here."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _small_literal(value) -> bool:
    if isinstance(value, float):
        return np.isfinite(value) and abs(value) < 10.0**MAX_LITERAL_DIGITS
    return not isinstance(value, int) or value.bit_length() <= MAX_LITERAL_DIGITS * 10 // 3


def _check_call(node: ast.Call) -> None:
    """Arity, and `round`'s places: a small constant, so neither evaluator can be asked for a billion digits."""
    name = node.func.id
    low, high = _ARITY[name]
    if not low <= len(node.args) <= high:
        raise ExpressionError(f"{name}() takes {low}..{high} arguments, got {len(node.args)}")
    if name == "round" and len(node.args) == 2:
        places = node.args[1]
        if not (
            isinstance(places, ast.Constant) and type(places.value) is int and 0 <= places.value <= MAX_ROUND_PLACES
        ):
            raise ExpressionError(f"round() places must be a whole number from 0 to {MAX_ROUND_PLACES}")


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
        if len(self.ops) > MAX_OPERATIONS:
            raise ExpressionError(f"template needs {len(self.ops):,} operations, more than {MAX_OPERATIONS:,}")

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
            key = (
                "compare",
                tuple(type(op) for op in node.ops),
                self._add(node.left),
                *(self._add(c) for c in node.comparators),
            )
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
        if op[1] is ast.Pow:
            if Fraction(right).denominator != 1 or abs(right) > MAX_EXPONENT or (left == 0 and right < 0):
                raise ExpressionError("unsupported power")
            if _bits(Fraction(left)) * abs(int(right)) > MAX_VALUE_BITS:
                raise ExpressionError(f"power larger than {MAX_VALUE_BITS} bits")
        return _bounded(Fraction(BINARY_OPERATORS[op[1]](left, right)))
    if kind == "compare":
        operands = [values[i] for i in op[2:]]
        return all(_COMPARE[cmp](a, b) for cmp, a, b in zip(op[1], operands, operands[1:]))
    if kind == "bool":
        operands = [values[i] for i in op[2:]]
        return all(operands) if op[1] is ast.And else any(operands)
    return _call_exact(op[1], [values[i] for i in op[2:]])


def _bits(value: Fraction) -> int:
    return value.numerator.bit_length() + value.denominator.bit_length()


def _bounded(value: Fraction) -> Fraction:
    if _bits(value) > MAX_VALUE_BITS:
        raise ExpressionError(f"value larger than {MAX_VALUE_BITS} bits")
    return value


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
            return np.where(right == 0, np.nan, BINARY_OPERATORS[op[1]](left, safe))
        try:
            return BINARY_OPERATORS[op[1]](left, right)
        except OverflowError:  # two constants (Python floats, not arrays), as in 9**9**9: undefined, like NaN
            return np.nan
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
