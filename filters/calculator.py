"""Re-execute a GSM8K-style solution: every `<<expr=value>>`, every written "a + b = c", and the
`#### N` line, which must be the result the steps arrive at.

The report names the first failing step, so a label error in a source problem or a
slip in a model's solution can be read off the funnel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from filters.arith import ExpressionError, evaluate_text
from filters.numbers import find_numbers, format_number, literal_values, parse_plain_number

ANNOTATION_RE = re.compile(r"<<([^<>]*)>>")
FINAL_RE = re.compile(r"^\s*####\s*(.+?)\s*$", re.MULTILINE)
# Prose equations are found by walking left from each "=" over a token list, not by one
# big regex: units between numbers ("18 minutes + 30 minutes = 48 minutes") make a regex
# backtrack badly.
_TOKEN_RE = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)|(?P<op>\*\*|[-+*/×÷–−])|(?P<eq>=)|(?P<word>[A-Za-z][A-Za-z']*)"
    r"|(?P<sym>[$%()])|(?P<space>\s+)|(?P<other>.)"
)
_STOP_WORDS = frozenset("and or so is are was were which that then if of to for by the a an in on at from".split())
_MAX_UNIT_WORDS = 3


@dataclass(frozen=True)
class ProseEquation:
    """ "20/4 = $5" written in a solution's text: spans of the expression and of the value."""

    start: int
    end: int
    expression: str
    expression_start: int
    value: str
    value_start: int
    percent: bool = False  # "100% - 40% = 60%": the percent signs are a unit, not hundredths

    @property
    def arithmetic(self) -> str:
        return prose_to_arithmetic(self.expression.replace("%", " ") if self.percent else self.expression)


def find_prose_equations(text: str) -> list[ProseEquation]:
    """Equations written in prose: numbers joined by operators, units allowed, then "= number"."""
    tokens = [(m.lastgroup, m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
    found = []
    for i, (kind, eq_start, eq_end) in enumerate(tokens):
        if kind != "eq":
            continue
        value = _value_after(tokens, i + 1, text)
        first = _expression_start(tokens, i - 1, text)
        if value is None or first is None:
            continue
        expr_start, expr_end = tokens[first][1], eq_start
        expression = text[expr_start:expr_end].rstrip()
        value_start, value_end = value
        percent = text[value_end : value_end + 1] == "%"
        found.append(
            ProseEquation(
                expr_start, value_end, expression, expr_start, text[value_start:value_end], value_start, percent
            )
        )
    return found


def _value_after(tokens, i, text) -> tuple[int, int] | None:
    while i < len(tokens) and tokens[i][0] == "space":
        i += 1
    start = tokens[i][1] if i < len(tokens) else None
    if i < len(tokens) and text[tokens[i][1] : tokens[i][2]] == "$":
        i += 1
    if i < len(tokens) and text[tokens[i][1] : tokens[i][2]] in "-−" and tokens[i][0] == "op":
        i += 1
    if i >= len(tokens) or tokens[i][0] != "num":
        return None
    following = text[tokens[i][2] : tokens[i][2] + 2]
    if following[:1] == "/" or re.match(r"\.\d", following):
        return None
    return start, tokens[i][2]


def _expression_start(tokens, i, text) -> int | None:
    """Index of the first token of the expression ending at token i, if it has an operator."""
    first, words, operators, numbers, joined = None, 0, 0, 0, True
    while i >= 0:
        kind, start, end = tokens[i]
        word = text[start:end]
        if kind == "num":
            if not joined:  # "5 paintings cost $600 + $80": no operator joins 5 to the rest
                break
            numbers, words, first, joined = numbers + 1, 0, i, False
        elif kind == "op" or (kind == "word" and word in ("x", "X") and numbers):
            operators, joined = operators + 1, True
        elif kind == "word":
            words += 1
            if words > _MAX_UNIT_WORDS or word.lower() in _STOP_WORDS:
                break
        elif kind == "sym":
            if word in "$(":
                first = i if numbers else first
            if word == "(":  # "55(.20)" multiplies
                operators, joined = operators + 1, True
        elif kind != "space":
            break
        i -= 1
    if first is None or numbers < 2 or operators < 1:
        return None
    return first if text[tokens[first - 1][1]] not in "$(" or first == 0 else first - 1


_WORDS_RE = re.compile(r"/\s*[a-zA-Z]+|(?<![\d\s])x[a-zA-Z]+|(?<=[\d.%\s])(?!x\b)[a-zA-Z][a-zA-Z']*")


def prose_to_arithmetic(expression: str) -> str:
    """Arithmetic from a prose expression: "$600/weekday * 5 weekdays" -> "$600 * 5", "40(.10)" -> "40*(.10)".

    Numbers keep their order, which is what callers that map them back to the text rely on.
    """
    expression = _WORDS_RE.sub(lambda m: " " * len(m.group(0)), expression.replace("–", "-").replace("−", "-"))
    return re.sub(r"(?<=[\d)])\s*\(", "*(", expression)


@dataclass(frozen=True)
class Step:
    """One computation in a solution: its expression, the value written and the true result."""

    line: int  # 1-based line number in the solution
    expression: str
    written: Fraction
    result: Fraction
    annotated: bool  # inside <<...>>, or written inline as "a + b = c"


@dataclass
class SolutionCheck:
    """Outcome of re-executing a solution. `code` is None when every check passes.

    `code` is a short reason for funnels ("calc:wrong-step"); `detail` says where and why.
    """

    steps: list[Step] = field(default_factory=list)
    final: Fraction | None = None
    code: str | None = None
    detail: str = ""
    failed_line: int | None = None

    @property
    def ok(self) -> bool:
        return self.code is None

    def fail(self, code: str, detail: str, line: int | None = None) -> SolutionCheck:
        self.code, self.detail, self.failed_line = code, detail, line
        return self


def values_match(written: Fraction, exact: Fraction) -> bool:
    """Written value equals the exact result, or is it rounded to the decimals written (3.33 for 10/3)."""
    if written == exact:
        return True
    if abs(written - exact) <= abs(exact) * Fraction(1, 10**9):
        return True
    places = 0
    while (written * 10**places).denominator != 1 and places < 6:
        places += 1
    return places >= 1 and abs(written - exact) <= Fraction(1, 2 * 10**places) + Fraction(1, 10**12)


def parse_final(answer: str) -> tuple[Fraction | None, str | None]:
    """The `#### N` value of a solution, or a reason it has none."""
    matches = FINAL_RE.findall(answer)
    if not matches:
        return None, "no #### line"
    text = matches[-1].replace("$", "").replace("%", "").strip()
    value = parse_plain_number(text)
    if value is None:
        return None, f"#### line is not a number: {matches[-1][:40]!r}"
    return value, None


def _annotation_steps(line_no: int, line: str) -> tuple[list[Step], str | None]:
    steps = []
    for body in ANNOTATION_RE.findall(line):
        if "=" not in body:
            return steps, f"line {line_no}: annotation <<{body}>> has no '='"
        expression, _, written_text = body.rpartition("=")
        written = parse_plain_number(written_text.replace("$", "").replace("%", ""))
        if written is None:
            return steps, f"line {line_no}: annotation value {written_text!r} is not a number"
        try:
            result = evaluate_text(expression)
        except ExpressionError as exc:
            return steps, f"line {line_no}: annotation <<{body}>>: {exc}"
        steps.append(Step(line_no, expression, written, result, annotated=True))
    return steps, None


def inline_equations(text: str) -> list[tuple[str, Fraction, Fraction]]:
    """Written equations outside annotations as (expression, written value, true value)."""
    found = []
    for equation in find_prose_equations(text):
        written = parse_plain_number(equation.value.replace("$", ""))
        try:
            result = evaluate_text(equation.arithmetic)
        except ExpressionError:
            continue
        if written is not None:
            found.append((equation.expression.strip(), written, result))
    return found


def check_solution(answer: str, question: str = "", *, use_inline: bool = True) -> SolutionCheck:
    """Re-execute every step of a GSM8K-format solution and check the `####` line against them.

    Annotation failures are errors. Prose equations ("20/4 = $5") are not: prose also writes
    "2/3 = 40 pounds" for "two thirds is 40 pounds". With `use_inline`, the ones that hold
    after the last annotation count as steps, so a final step written without an annotation
    still supplies the result (earlier ones cannot be the last step and are not parsed).
    A question asking for cents accepts a final line 100 times the last dollar result.
    """
    report = SolutionCheck()
    report.final, final_problem = parse_final(answer)
    lines = answer.split("\n")
    last_annotated = (0, 0)  # (line number, column after the last annotation)
    for line_no, line in enumerate(lines, start=1):
        if FINAL_RE.match(line):
            continue
        steps, problem = _annotation_steps(line_no, line)
        if problem:
            return report.fail("calc:bad-annotation", problem, line_no)
        for step in steps:
            report.steps.append(step)
            if not values_match(step.written, step.result):
                shown = f"<<{step.expression}={_show(step.written)}>> evaluates to {_show(step.result)}"
                return report.fail("calc:wrong-step", f"line {line_no}: {shown}", line_no)
        if steps:
            last_annotated = (line_no, line.rindex(">>") + 2)
    if use_inline:
        for line_no, line in enumerate(
            lines[last_annotated[0] - 1 if last_annotated[0] else 0 :], start=max(last_annotated[0], 1)
        ):
            tail = line[last_annotated[1] :] if line_no == last_annotated[0] else line
            if "=" in tail and not FINAL_RE.match(line):
                report.steps += [
                    Step(line_no, e, w, r, annotated=False)
                    for e, w, r in inline_equations(ANNOTATION_RE.sub(" ", tail))
                    if values_match(w, r)
                ]
    if final_problem:
        return report.fail("calc:no-final", final_problem, len(lines))
    if not report.steps:
        return report.fail("calc:no-steps", "no calculation to re-execute")
    last = report.steps[-1]
    if values_match(report.final, last.written) or report.final == last.result:
        return report
    if "cent" in question.lower() and report.final == last.written * 100:
        return report
    detail = f"#### {_show(report.final)} is not the last result {_show(last.written)}"
    prose = [ln for ln in lines if ln.strip() and not FINAL_RE.match(ln)]
    if prose and report.final in {m.value for m in find_numbers(ANNOTATION_RE.sub(" ", prose[-1]))}:
        return report.fail("calc:final-in-prose", detail + " (the last step is written without a calculation)")
    return report.fail("calc:final-mismatch", detail, len(lines))


def text_numbers_agree(
    answer: str, question: str, constants: frozenset[Fraction] = frozenset(), check: SolutionCheck | None = None
) -> str | None:
    """Every number written in the solution text must come from the question, a computation or a constant.

    Returns a reason naming the first stray number, or None. Pass `check` to reuse a re-execution.
    """
    check = check or check_solution(answer, question)
    known = {step.written for step in check.steps} | {step.result for step in check.steps}
    known |= {m.value for m in find_numbers(question)} | set(literal_values(question)) | set(constants)
    for step in check.steps:
        known.update(literal_values(step.expression))
    for line_no, line in enumerate(answer.split("\n"), start=1):
        if FINAL_RE.match(line):
            continue
        prose = ANNOTATION_RE.sub(" ", line)
        for value in literal_values(prose):
            if value not in known and value * 100 not in known and value / 100 not in known:  # 25% is 0.25
                holding = [(e, w) for e, w, r in inline_equations(prose) if values_match(w, r)]
                known |= {w for _, w in holding} | {v for e, _ in holding for v in literal_values(e)}
                if value not in known:
                    return f"line {line_no}: number {format_number(value)} is in no step, question or constant"
    return None


def _show(value: Fraction | None) -> str:
    if value is None:
        return "none"
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


_COMPARISON_RE = re.compile(r"(?<![\w.])\$?(\d[\d,]*(?:\.\d+)?)\s*(>=|<=|>|<)\s*\$?(\d[\d,]*(?:\.\d+)?)(?![\d.])")


def false_comparison(text: str) -> str | None:
    """A comparison the text writes between two numbers ("85 > 84") that does not hold, or None. A variant
    that keeps its source's choice ("chips, because 120 > 192") states one."""
    for match in _COMPARISON_RE.finditer(ANNOTATION_RE.sub(" ", text)):
        left, op, right = (
            Fraction(match.group(1).replace(",", "")),
            match.group(2),
            Fraction(match.group(3).replace(",", "")),
        )
        holds = {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]
        if not holds:
            return match.group(0)
    return None


_CLOCK_TIME_RE = re.compile(r"(?<![\d.:])(\d+(?:\.\d+)?)(?::\d\d)?\s*(?:[ap]\.m\.|[ap]m\b|o'clock)", re.IGNORECASE)


def off_the_clock(text: str) -> str | None:
    """A time of day no 12-hour clock shows ("16pm"), or None: a variant moved an hour its source kept
    within 1..12 (no GSM8K train problem writes one)."""
    for match in _CLOCK_TIME_RE.finditer(text):
        if not 1 <= float(match.group(1)) <= 12:
            return match.group(0)
    return None


# unit -> (what it measures, its size in that measure's smallest unit here)
UNIT_SIZES = {
    "second": ("time", 1),
    "minute": ("time", 60),
    "hour": ("time", 3600),
    "day": ("time", 86400),
    "week": ("time", 604800),
    "inch": ("length", 1),
    "foot": ("length", 12),
    "feet": ("length", 12),
    "yard": ("length", 36),
    "centimeter": ("metric length", 1),
    "meter": ("metric length", 100),
    "kilometer": ("metric length", 100000),
    "cent": ("money", 1),
    "dollar": ("money", 100),
    "gram": ("mass", 1),
    "kilogram": ("mass", 1000),
    "ounce": ("weight", 1),
    "pound": ("weight", 16),
    "cup": ("volume", 1),
    "pint": ("volume", 2),
    "quart": ("volume", 4),
    "gallon": ("volume", 16),
    "milliliter": ("metric volume", 1),
    "liter": ("metric volume", 1000),
}
_UNIT = r"([a-z]+)\b"
_CONVERSION_RE = re.compile(
    rf"(?<![\d.,*x×/+\-])(?<![*x×/+\-] )(?<!times )(?<!by )(?<!of )(\d[\d,]*(?:\.\d+)?)\s*{_UNIT}\s*"
    rf"(?:=|is|are|or|, or|equals|which is|which are)\s*\$?(\d[\d,]*(?:\.\d+)?)\s*{_UNIT}(?!\s*(?:and\s*)?\d)",
    re.IGNORECASE,
)


_PERIODS_IN_RE = re.compile(
    r"(?<![\d.,])(\d+)\s+(?:sets?|groups?|periods?|intervals?|lots?|blocks?|batches?)\s+of\s+(\d+)[\s-]+([a-z]+)\s+"
    r"in\s+(?:a|an|one|each|every)\s+([a-z]+)\b",
    re.IGNORECASE,
)


def false_conversion(text: str) -> str | None:
    """A unit conversion the text states ("2 hours = 120 minutes", "2 sets of 30 minutes in an hour") that
    does not hold, or None: a variant whose prose conversion was tied to an equal result writes "1 hours=180
    minutes" (no GSM8K train problem states a wrong one)."""
    text = ANNOTATION_RE.sub(" ", text)
    for match in _CONVERSION_RE.finditer(text):
        left, right = _unit_size(match.group(2)), _unit_size(match.group(4))
        if not left or not right or left[0] != right[0] or left[1] == right[1]:
            continue
        said, converted = (Fraction(match.group(i).replace(",", "")) for i in (1, 3))
        if said * left[1] != converted * right[1]:
            return match.group(0)
    for match in _PERIODS_IN_RE.finditer(text):
        part, whole = _unit_size(match.group(3)), _unit_size(match.group(4))
        if part and whole and part[0] == whole[0] and int(match.group(1)) * int(match.group(2)) * part[1] != whole[1]:
            return match.group(0)
    return None


def _unit_size(word: str) -> tuple[str, int] | None:
    word = word.lower()
    return UNIT_SIZES.get(word) or UNIT_SIZES.get(word.removesuffix("s")) or UNIT_SIZES.get(word.removesuffix("es"))
