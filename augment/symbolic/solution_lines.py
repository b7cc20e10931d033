"""One line of a solution as template text: every number becomes a slot.

Each computation (a calculator annotation, or a prose equation that holds) becomes a step whose
result is an expression of the variables; every other number the prose says (digits, fractions,
words) must be a variable, an earlier result or a constant the `Resolver` accepts, or the source
is skipped with the reason. `template.py` assembles these lines into a `Template`.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction
from itertools import pairwise

from augment.symbolic.nouns import noun_after
from augment.symbolic.prose import LITERAL_RE, NUMBER, PROSE_ARITHMETIC_RE, still_holds
from augment.symbolic.ties import Resolver, Step, TemplateSkip, repetitions
from filters.arith import ExpressionError, evaluate_text
from filters.calculator import ANNOTATION_RE, find_prose_equations, prose_to_arithmetic, values_match
from filters.numbers import NUMBER_WORDS_RE, parse_number_words, parse_plain_number

# Numbers in solution prose: glued units allowed ("7kg"); ordinals ("3rd") and clock times not.
_ECHO_RE = re.compile(rf"\s*\$?{NUMBER}")
_PROSE_NUMBER_RE = re.compile(rf"(?<![\w.:]){NUMBER}(?!(?:st|nd|rd|th)\b)(?![\d:]|\.\d|,\d{{3}})")
_PROSE_FRACTION_RE = re.compile(r"(?<![\w./])(\d+)/(\d+)(?![\d/]|\.\d|\s*[-+*/x×=])")
# "two-thirds" is a fraction, but "four half dozen" and "two quarter-pounders" are counts.
_FRACTION_WORD_RE = re.compile(
    r"[\s-]+(?:half|halves|thirds?|quarters?|fourths?|fifths?|sixths?|eighths?|tenths?)\b(?![\s-]*(?:dozen|pound))",
    re.IGNORECASE,
)


def template_line(line: str, resolver: Resolver) -> str:
    """Replace every number of one solution line by a slot; record its steps."""
    blanked = ANNOTATION_RE.sub(lambda m: " " * len(m.group(0)), line)
    annotations = list(ANNOTATION_RE.finditer(line))
    steps = []  # (span, expression start, expression, value start, value)
    for m in annotations:
        expression, _, written = m.group(1).rpartition("=")
        steps.append((m.span(), m.start(1), expression, m.start(1) + len(expression) + 1, written))
    echoes = []  # "48/2 = <<48/2=24>>24": the prose repeats an annotation
    for eq in find_prose_equations(blanked):  # a prose equation that holds is a step too
        inside = [a for a in annotations if eq.start <= a.start() < eq.end]
        if inside and _repeats(eq, inside[0]):
            echoes.append((eq, inside[0]))
        elif _holds(eq):
            expression = eq.expression.replace("%", " ") if eq.percent else eq.expression
            steps.append(((eq.start, eq.end), eq.expression_start, expression, eq.value_start, eq.value))
    edits: list[tuple[int, int, str]] = []
    slots_by_start: dict[int, list[str | None]] = {}
    for span, expr_start, expression, value_start, written in sorted(steps):
        step_edits, literal_slots = _template_step(expr_start, expression, value_start, written, resolver)
        edits += step_edits
        slots_by_start[span[0]] = literal_slots + [resolver.steps[-1].expr]
        echoed = _ECHO_RE.match(blanked, span[1])  # "<<5*5=25>>25 hours": what the result counts
        if echoed and (counted := noun_after(blanked, echoed.end())):
            resolver.result_nouns[resolver.steps[-1].expr] = counted
    covered = [span for span, *_ in steps]
    for eq, annotation in echoes:
        repeated = list(LITERAL_RE.finditer(eq.expression)) + [re.search(NUMBER, eq.value)]
        slots = slots_by_start.get(annotation.start(), [])
        if len(repeated) == len(slots):
            starts = [eq.expression_start] * (len(repeated) - 1) + [eq.value_start]
            for token, slot, base in zip(repeated, slots, starts):
                said = eq.expression if base == eq.expression_start else eq.value  # "2 parts * $500"
                noun = noun_after(said, token.end(), token.start())
                resolver.check_noun(Fraction(token.group(0).replace(",", "")), noun, slot)
                if slot is not None:
                    edits.append((base + token.start(), base + token.end(), _slot(slot, token.group(0))))
            covered.append((eq.start, eq.end))
    for match in _PROSE_FRACTION_RE.finditer(blanked):  # "1/2 * 1/2 = 1/4": a proportion, never a count
        if not any(s <= match.start() < e for s, e in covered):
            parts = {Fraction(match.group(1)), Fraction(match.group(2))}
            if not parts <= resolver.constants | resolver.cues:  # fixed fractions make fixed fractions
                value = Fraction(int(match.group(1)), int(match.group(2)))
                if resolver.resolve(value, f"solution text {line.strip()[:50]!r}") is not None:
                    raise TemplateSkip("unexplained-number", f"fraction {match.group(0)} in the solution text")
            covered.append(match.span())
    for match in _PROSE_NUMBER_RE.finditer(blanked):
        if any(s <= match.start() < e for s, e in covered):
            continue
        before = blanked[: match.start()].rstrip(" $")
        echo = [a for a in annotations if a.end() == len(before)]
        value = Fraction(match.group(0).replace(",", ""))
        if echo and value == _annotated_value(echo[0]):
            expr = slots_by_start[echo[0].start()][-1]
        else:
            noun = noun_after(blanked, match.end(), match.start())
            expr = resolver.resolve(value, f"solution text {line.strip()[:50]!r}", noun)
        if expr is not None:
            edits.append((match.start(), match.end(), _slot(expr, match.group(0))))
    for match in NUMBER_WORDS_RE.finditer(blanked):  # "the other ten tickets": a word says a number too
        value = parse_number_words(match.group(0))
        if value is None or value < 2 or _FRACTION_WORD_RE.match(blanked, match.end()):
            continue
        try:
            expr = resolver.resolve(
                Fraction(value), f"solution text {line.strip()[:50]!r}", noun_after(blanked, match.end())
            )
        except TemplateSkip:  # a word nothing explains ("two ways to see it") is not a quantity
            continue
        if expr is not None:
            edits.append((match.start(), match.end(), "{" + expr + ":words}"))
    walled = ANNOTATION_RE.sub(lambda m: "#" * len(m.group(0)), line)  # no match runs into an annotation
    for match in PROSE_ARITHMETIC_RE.finditer(walled):
        if not any(s <= match.start() < e for s, e in covered) and not still_holds(match.group(0), resolver):
            raise TemplateSkip("unparsed-prose-arithmetic", line.strip()[:60])
    last_start = len(line) + 1
    for start, end, replacement in sorted(set(edits), reverse=True):
        if end > last_start:
            raise TemplateSkip("overlapping-numbers", line.strip()[:60])
        line, last_start = line[:start] + replacement + line[end:], start
    return line


def _repeats(eq, annotation: re.Match) -> bool:
    """The prose says the annotation's computation again, number for number."""
    expression = annotation.group(1).rpartition("=")[0]
    said = [Fraction(m.group(0).replace(",", "")) for m in LITERAL_RE.finditer(eq.expression)]
    return said == [Fraction(m.group(0).replace(",", "")) for m in LITERAL_RE.finditer(expression)]


def _annotated_value(annotation: re.Match) -> Fraction | None:
    return parse_plain_number(annotation.group(1).rpartition("=")[2].replace("$", ""))


def _holds(equation) -> bool:
    try:
        result = evaluate_text(equation.arithmetic)
    except ExpressionError:
        return False
    value = parse_plain_number(equation.value.replace("$", ""))
    return value is not None and values_match(value, result)


def _template_step(expr_start, expression, value_start, written, resolver) -> tuple[list, list[str | None]]:
    """Slot the numbers of one computation and record its result as an expression.

    Returns the edits and, per number of the expression, its slot expression (None: constant).
    """
    tokens = list(LITERAL_RE.finditer(expression))
    percents = {i for i, token in enumerate(tokens) if _is_percent(expression, token)}
    clean = prose_to_arithmetic(expression).replace("$", " ").replace(",", "").replace("x", "*")
    clean = clean.replace("%", " ").strip()
    if not re.fullmatch(r"[\d\s.+\-*/()]+", clean):
        raise TemplateSkip("unusual-annotation", expression.strip())
    try:
        tree = ast.parse(clean, mode="eval").body
    except SyntaxError as exc:
        raise TemplateSkip("unusual-annotation", expression.strip()) from exc
    constants = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Constant)), key=lambda n: n.col_offset)
    if len(constants) != len(tokens):
        raise TemplateSkip("unusual-annotation", expression.strip())
    resolver.repeats |= repetitions(tree)
    edits, mapping, literal_slots = [], {}, []
    stated_fraction = set()  # "3/5*35" with "3/5" in the question: the 3 and the 5 are that fraction
    for i, (left, right) in enumerate(pairwise(tokens)):
        if (
            expression[left.end() : right.start()].strip() == "/"
            and f"{left.group(0)}/{right.group(0)}" in resolver.fractions
        ):
            stated_fraction |= {i, i + 1}
        value = Fraction(right.group(0).replace(",", ""))
        if (
            left.group(0) == "1"
            and expression[left.end() : right.start()].strip() == "/"
            and value in resolver.hundredths
        ):
            if name := resolver.variables.get(value):  # "3000 * 1/10" for "10% of": true at this percent only
                resolver.frozen[name] = value
    for i, (node, token) in enumerate(zip(constants, tokens)):
        if i in stated_fraction:
            expr = None
        else:
            expr = resolver.resolve(
                Fraction(token.group(0).replace(",", "")),
                f"step {expression.strip()!r}",
                noun_after(expression, token.end(), token.start()),
            )
        literal_slots.append(expr)
        replacement = ast.parse(expr, mode="eval").body if expr is not None else node
        if i in percents:
            replacement = ast.BinOp(replacement, ast.Div(), ast.Constant(100))
        if expr is not None or i in percents:
            mapping[id(node)] = replacement
        if expr is not None:
            edits.append((expr_start + token.start(), expr_start + token.end(), _slot(expr, token.group(0))))
    number = re.search(r"-?" + NUMBER, written)
    if number is None:
        raise TemplateSkip("unusual-annotation", written)

    class Substitute(ast.NodeTransformer):
        def visit_Constant(self, node):
            return mapping.get(id(node), node)

    step = Step(Fraction(number.group(0).replace(",", "")), ast.unparse(Substitute().visit(tree)))
    edits.append((value_start + number.start(), value_start + number.end(), _slot(step.expr, number.group(0))))
    resolver.steps.append(step)
    return edits, literal_slots


def _is_percent(expression: str, token: re.Match) -> bool:
    """ "20% * 120" is 0.2 * 120, but the 100% of "20/50 * 100%" converts to a percent and stays 100."""
    if expression[token.end() : token.end() + 1] != "%":
        return False
    return not (token.group(0) == "100" and re.search(r"[*x×]\s*$", expression[: token.start()]))


def _slot(expr: str, written: str) -> str:
    """The slot that re-renders `expr` the way `written` looked (commas, two decimals)."""
    if "," in written:
        return "{" + expr + ":,}"
    if re.search(r"\.\d\d$", written) and not re.search(r"\.\d\d\d", written):
        return "{" + expr + ":.2f}"
    return "{" + expr + "}"
