"""The safe evaluator: arithmetic and nothing else."""

from fractions import Fraction

import pytest

from filters.arith import ExpressionError, evaluate_text


def test_safe_evaluator_refuses_everything_but_arithmetic():
    assert evaluate_text("0.1+0.2") == Fraction(3, 10)
    assert evaluate_text("2 x 3 + 15%") == Fraction(123, 20)
    for hostile in ["__import__('os').system('x')", "(1).__class__", "9**9**9", "open('f')", "a+1", "[1]*9"]:
        with pytest.raises(ExpressionError):
            evaluate_text(hostile)
