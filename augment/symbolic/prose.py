"""What a solution's prose must allow before its numbers are templated.

A solution's arithmetic outside `<<...>>` must be re-derivable with its numbers tied, and
prose that reasons with letters ("Let w be ...") or wording that reads two ways ("2/5 times
fewer") holds only for the source's own numbers: such a source seeds nothing.
"""

from __future__ import annotations

import re
from fractions import Fraction

from augment.symbolic.expressions import evaluate_exact
from augment.symbolic.ties import Resolver, TemplateSkip
from filters.arith import ExpressionError
from filters.calculator import ANNOTATION_RE

# Numbers in solution prose: glued units allowed ("7kg"); ordinals ("3rd") and clock times not.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
LITERAL_RE = re.compile(rf"(?<![\d.]){NUMBER}")

# Prose fractions written as one character: "(½)*6=3" is arithmetic like any other.
_VULGAR = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅛": "1/8"}
_VULGAR_RE = re.compile(rf"(?<!\d)[{''.join(_VULGAR)}]")
# Numeric arithmetic in prose: "(1/2)*6=3", "12 x 10 = 120" (algebra with letters is not this).
_TERM = r"\(*\$?\d[\d.,]*\)*"
PROSE_ARITHMETIC_RE = re.compile(rf"(?<![\w.]){_TERM}(?:\s*[-+*/×x]\s*{_TERM})+\s*=\s*\$?\.?\d")
# Algebra in the prose ("Let w be ...", "w-20+10 = w-10", "2x = 30"): it holds only for the source's numbers.
# A unit letter after a number ("200g + 100g", "200 m + 200 m", "3*40A") is not a variable.
_PROSE_ALGEBRA_RE = re.compile(
    r"(?<![\w'’.$/&])(?<!\d\s)(?<!sq\s)[a-wyzA-HJ-WYZ]\s*[-+*/=]\s*[\d(]|[\d)]\s*[-+*=]\s*[a-wyzA-HJ-WYZ](?![\w'’&])"
    r"|(?<![\w'’.])\d+(?![gmsAlLhkVWM]\b)[a-zA-Z](?![\w'’])\s*[-+*/=]|\b[Ll]et\s+[a-zA-Z]\s+(?:be|=|equal|represent)"
    r"|(?<![\w'’.$])x\s*=\s*\$?\d|\d\s*\*\s*x\b"  # "4*x=$8 ... x=$2": an x no multiplication writes
)
# "2/5 times fewer" reads two ways (2/5 of it, or 3/5 of it), and sources do not agree which.
_TIMES_FEWER_RE = re.compile(r"\btimes\s+(?:fewer|less)\b", re.IGNORECASE)


def readable_prose(question: str, answer: str) -> str:
    """The solution with one-character fractions spelled out, or TemplateSkip where its prose cannot follow."""
    answer = _VULGAR_RE.sub(lambda m: _VULGAR[m.group(0)], answer)
    algebra = _PROSE_ALGEBRA_RE.search(ANNOTATION_RE.sub(" ", answer))
    if algebra:
        raise TemplateSkip("prose-algebra", algebra.group(0))
    if _TIMES_FEWER_RE.search(question):
        raise TemplateSkip("ambiguous-wording", "times fewer")
    return answer


def still_holds(text: str, resolver: Resolver) -> bool:
    """Prose arithmetic the annotations missed ("(1/2)*6=3", "28 / 1/5 = 28 * 5 = 140") stays true
    with its numbers tied: every side agrees at the original values and at shifted ones."""
    sides = []
    for side in text.replace("$", "").replace(",", "").replace("×", "*").replace("x", "*").split("="):
        tokens = list(LITERAL_RE.finditer(side))
        for token in reversed(tokens):
            expr = resolver.resolve(Fraction(token.group(0)), f"solution text {text!r}")
            side = side[: token.start()] + f"({expr or token.group(0)})" + side[token.end() :]
        sides.append(side)
    original = {name: value for value, name in resolver.variables.items()}
    shifted = {name: value + 1 + i for i, (name, value) in enumerate(sorted(original.items()))}
    for values in (original, shifted):
        try:
            results = {evaluate_exact(side, values) for side in sides}
        except (ExpressionError, ZeroDivisionError, SyntaxError):
            return False
        if len(results) != 1:
            return False
    return True
