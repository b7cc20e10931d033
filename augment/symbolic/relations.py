"""Relations a variant keeps from its original, derived from the original's own values.

Re-execution proves a variant agrees with its template, not that its story still holds. The
story relies on relations no step writes down: you give away fewer crayons than you have,
"the remaining 1,200" is below the total, "finished earlier" means fewer hours than the shift,
a share of a whole is below 1 and a percentage at most 100. Rather than word lists, each
relation the original's values show is kept as a template condition, tested on every sample
(vectorised, like the step conditions):

- order: in every sum or difference (quantities of one kind), the two sides against each other,
  and what a difference leaves against what it takes away (a sum's result exceeding its sides,
  and a difference's staying below what it started from, follow from the signs); products and quotients combine different kinds ($ and
  people), whose order means nothing, so they keep only their sign and integrality;
- part of a whole: a result strictly between 0 and 1 stays below 1;
- percentage: a result that converts to or from a percentage, or computes in percentages
  without converting, and was within 0..100 stays there ("chances" of 540%);
- scale: a positive result stays within `SCALE` times the original's, either way (700 strawberries
  a hedgehog may not become 6,300; 5 hours of practice a day not 20). Of 64 rows that four blind audits
  judged implausible (a dev set), with the kinds of `magnitudes.py` a scale of 8 left 47 publishable, 3 left 32
  and 2 left 21, at a cost of 35 and 146 distinct sources of a default 50k run (of 5,639).

Each condition's form names its kind (`kind_of`), so benchmarks can count what each rejects.
Equal values are left alone: ties are the derivation's business.
"""

from __future__ import annotations

import ast
from fractions import Fraction

from augment.symbolic.expressions import evaluate_exact, names_in
from filters.arith import ExpressionError

KINDS = ("order", "part-of-whole", "percentage", "scale")
SCALE = 2


def relation_conditions(
    steps: list[tuple[str, Fraction]], values: dict[str, Fraction], percents: frozenset[str] = frozenset()
) -> list[str]:
    """Conditions keeping the relations of the original: `steps` are (expression over variables, its
    value in the original), `values` each variable's original value, `percents` the variables stated
    as percentages (or cents)."""
    conditions: dict[str, None] = {}
    for expr, value in steps:
        if not names_in(expr):
            continue
        tree = ast.parse(expr, mode="eval").body
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
                whole, left, right = (ast.unparse(n) for n in (node, node.left, node.right))
                _keep_order(conditions, left, right, values)
                if isinstance(node.op, ast.Sub):  # what is left against what was taken; the rest follows from signs
                    _keep_order(conditions, whole, right, values)
        if 0 < value < 1:
            conditions[f"{expr} < 1"] = None
        if value > 0:  # value / SCALE <= result <= value * SCALE, in integers
            n, d = value.numerator, value.denominator
            conditions[f"{n} <= ({expr}) * {SCALE * d} <= {SCALE * SCALE * n}"] = None
        in_percent = names_in(expr) & percents and "100" not in expr  # "26 inches * 20%/inch = 520%"
        if 0 <= value <= 100 and (_is_percentage(tree) or in_percent):
            conditions[f"{expr} <= 100"] = None
    return list(conditions)


def kind_of(condition: str) -> str | None:
    """The relation kind of a condition made here, None for any other condition."""
    tree = ast.parse(condition, mode="eval").body
    if isinstance(tree, ast.Compare) and len(tree.ops) == 2 and all(isinstance(op, ast.LtE) for op in tree.ops):
        return "scale"
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1:
        return None
    right = tree.comparators[0]
    if isinstance(right, ast.Constant):
        if isinstance(tree.ops[0], ast.Lt) and right.value == 1:
            return "part-of-whole"
        if isinstance(tree.ops[0], ast.LtE) and right.value == 100:
            return "percentage"
        return None
    if isinstance(tree.ops[0], (ast.Lt, ast.Gt)) and names_in(ast.unparse(right)):
        return "order"
    return None


def _keep_order(conditions: dict, left: str, right: str, values: dict[str, Fraction]) -> None:
    if not names_in(left) or not names_in(right):
        return
    left_value, right_value = _value(left, values), _value(right, values)
    if left_value is None or right_value is None or left_value == right_value:
        return
    conditions[f"{left} {'>' if left_value > right_value else '<'} {right}"] = None


def _is_percentage(tree: ast.expr) -> bool:
    return any(
        isinstance(node, ast.BinOp)
        and isinstance(node.op, (ast.Mult, ast.Div))
        and any(isinstance(side, ast.Constant) and side.value == 100 for side in (node.left, node.right))
        for node in ast.walk(tree)
    )


def _value(expr: str, known: dict[str, Fraction]) -> Fraction | None:
    try:
        value = evaluate_exact(expr, known)
    except (ExpressionError, ZeroDivisionError):  # an undefined subexpression keeps no relation
        return None
    return value if isinstance(value, Fraction) else None
