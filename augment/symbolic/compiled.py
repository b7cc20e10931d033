"""A template made ready to sample and render: parsed slots, domains as arrays, one Program.

Sampling draws a batch of candidate assignments per attempt and tests every condition on
the whole batch with numpy; only the survivors are checked exactly with Fractions. The
variants of one source are distinct assignments, each differing from the original in
every variable that has room to move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from augment.symbolic.annotated import TemplateFormatError
from augment.symbolic.expressions import Program, names_in
from augment.symbolic.limits import oversized
from augment.symbolic.names import GROUPS
from augment.symbolic.surface import polish
from augment.symbolic.template import Template
from filters.arith import ExpressionError
from filters.numbers import (
    decimal_places,
    find_numbers,
    format_number,
    number_to_words,
    parse_number_words,
    parse_plain_number,
)

_SLOT_RE = re.compile(r"\{([^{}]+)\}")
_FORMATS = (",", ".2f", ".1f", "words")
_RANGE_RE = re.compile(r"^range\(\s*([-\d./]+)\s*,\s*([-\d./]+)\s*(?:,\s*([\d./]+)\s*)?\)$")
_SAMPLE_RE = re.compile(r"^sample\(\s*(?:\[(.*)\]|names_(female|male|neutral))\s*\)$")
MAX_DOMAIN = 100_000
MAX_VARIABLES = 200  # each holds its domain as an array: memory stays bounded per template
MAX_NUMBER_CHARS = 100  # a domain bound or a default; longer is a hostile file, not a problem


@dataclass
class Domain:
    """The values a variable may take: an arithmetic range, or an explicit list."""

    low: Fraction
    step: Fraction
    count: int
    listed: tuple[Fraction, ...] = ()

    def value(self, i: int) -> Fraction:
        return self.listed[i] if self.listed else self.low + i * self.step

    def array(self) -> np.ndarray:
        if self.listed:
            return np.array([float(v) for v in self.listed])
        return float(self.low) + np.arange(self.count) * float(self.step)


@dataclass
class NumberVar:
    name: str
    default: Fraction
    text: str  # the default as written: "48", "1,200", "0.50", "three"
    domain: Domain
    array: np.ndarray


@dataclass(frozen=True)
class Slot:
    expr: str
    fmt: str = ""  # "," ".2f" ".1f" "words", or "" for the variable's own style
    variable: str | None = None  # a plain variable slot: rendered in that variable's style


@dataclass
class Sample:
    """One accepted assignment and every expression's exact value under it."""

    values: dict[str, Fraction]
    outputs: dict[str, Fraction | bool]


class CompiledTemplate:
    def __init__(self, template: Template):
        too_large = oversized(template.question, template.answer)  # the caps a source row has, for a file's text
        if too_large:
            raise TemplateFormatError(f"template text {too_large}")
        self.template = template
        self.numbers: dict[str, NumberVar] = {}
        self.names: dict[str, tuple[str, ...]] = {}
        self.name_defaults: dict[str, str] = {}
        defaults = dict(re.findall(r"\{(\w+),([^{}]+)\}", template.question))
        for name, domain in template.init.items():
            sample = _SAMPLE_RE.match(domain.strip())
            if sample and sample.group(2):
                self.names[name] = GROUPS[sample.group(2)]
                self.name_defaults[name] = defaults.get(name, GROUPS[sample.group(2)][0])
                continue
            if name not in defaults:
                raise TemplateFormatError(f"variable {name} has no {{{name},default}} slot in the question")
            if len(self.numbers) == MAX_VARIABLES:
                raise TemplateFormatError(f"more than {MAX_VARIABLES} number variables")
            values = _domain(domain.strip())
            self.numbers[name] = NumberVar(name, _parse_default(defaults[name]), defaults[name], values, values.array())
        self.question_parts = self._split(template.question, styled=True)
        self.answer_parts = self._split(template.answer, styled=False)
        slot_exprs = list(
            dict.fromkeys(
                p.expr
                for p in self.question_parts + self.answer_parts
                if isinstance(p, Slot) and p.expr not in self.names
            )
        )
        self.program = Program(template.conditions + slot_exprs + [template.answer_expr])
        self._conditions = range(len(template.conditions))
        self._slot_index = {expr: len(template.conditions) + i for i, expr in enumerate(slot_exprs)}
        literal_text = "".join(p for p in self.question_parts if isinstance(p, str))
        self.literal_numbers = {m.value for m in find_numbers(literal_text)}  # numbers no slot changes
        unknown = set().union(*(names_in(e) for e in slot_exprs + template.conditions)) - self.numbers.keys()
        if unknown:
            raise TemplateFormatError(f"expressions use undefined variables: {', '.join(sorted(unknown))}")

    def _split(self, text: str, styled: bool) -> list[str | Slot]:
        """Text and slots; `styled` slots of a plain variable write it as the question did ("three")."""
        parts: list[str | Slot] = []
        last = 0
        for match in _SLOT_RE.finditer(text):
            parts.append(text[last : match.start()])
            content = match.group(1)
            named = re.fullmatch(r"(\w+),(.*)", content)
            if named:
                parts.append(Slot(named.group(1), variable=named.group(1) if styled else None))
            else:
                expr, _, fmt = content.rpartition(":") if content.rpartition(":")[2] in _FORMATS else (content, "", "")
                plain = styled and expr.strip() in self.numbers and not fmt
                parts.append(Slot(expr.strip(), fmt, variable=expr.strip() if plain else None))
            last = match.end()
        parts.append(text[last:])
        return parts

    def sample(self, rng: np.random.Generator, count: int) -> list[Sample]:
        """Up to `count` distinct assignments satisfying every condition exactly (see `candidates`)."""
        return [s for s in map(self.exact, self.candidates(rng, count)) if s is not None]

    def candidates(self, rng: np.random.Generator, count: int, batch: int = 256, attempts: int = 6) -> list[dict]:
        """Up to `count` distinct assignments that pass every condition in floating point, each variable
        moved from its original value, and variables that differed in the original still different.
        `exact` confirms one when it is used; float and exact disagree only at the tolerance's edge."""
        variables = list(self.numbers.values())
        if not variables:
            return []
        accepted: list[dict] = []
        seen: set[tuple] = set()
        for _ in range(attempts):
            picks = {v.name: rng.integers(0, v.domain.count, size=batch) for v in variables}
            env = {v.name: v.array[picks[v.name]] for v in variables}
            mask = np.ones(batch, dtype=bool)
            for i, v in enumerate(variables):
                if v.domain.count >= 3:
                    mask &= env[v.name] != float(v.default)
                for w in variables[i + 1 :]:  # numbers that differed stay different: no "7 boxes at $7"
                    if v.default != w.default and min(v.domain.count, w.domain.count) >= 3:
                        mask &= env[v.name] != env[w.name]
            outputs = self.program.run_vector(env)
            for i in self._conditions:
                mask &= np.broadcast_to(np.asarray(outputs[i], dtype=bool), (batch,))
            for row in np.flatnonzero(mask):
                key = tuple(int(picks[v.name][row]) for v in variables)
                if key not in seen:
                    seen.add(key)
                    accepted.append({v.name: v.domain.value(int(picks[v.name][row])) for v in variables})
                    if len(accepted) == count:
                        return accepted
        return accepted

    def exact(self, values: dict[str, Fraction]) -> Sample | None:
        """Evaluate every expression exactly; None if a condition fails or a value is undefined."""
        try:
            results = self.program.run_exact(values)
        except (ExpressionError, ZeroDivisionError, OverflowError):
            return None
        if not all(results[i] is True for i in self._conditions):
            return None
        outputs = {expr: results[i] for expr, i in self._slot_index.items()}
        outputs[self.template.answer_expr] = results[-1]
        return Sample(values, outputs)

    def render(self, sample: Sample, names: dict[str, str] | None = None, hidden: str | None = None) -> tuple[str, str]:
        """(question, answer) for a sample; `names` overrides people, `hidden` writes X for a variable."""
        people = self.name_defaults | (names or {})
        question = "".join(self._render_part(p, sample, people, hidden) for p in self.question_parts)
        answer = "".join(self._render_part(p, sample, people, None) for p in self.answer_parts)
        return polish(question), polish(answer)

    def question_values(self, sample: Sample) -> set[Fraction]:
        """Every number the question states for this sample."""
        return {sample.outputs[p.expr] for p in self.question_parts if isinstance(p, Slot) and p.expr not in self.names}

    def final(self, sample: Sample) -> Fraction:
        return sample.outputs[self.template.answer_expr]

    def _render_part(self, part, sample: Sample, people: dict[str, str], hidden: str | None) -> str:
        if isinstance(part, str):
            return part
        if part.expr in self.names:
            return people[part.expr]
        if hidden is not None and part.variable == hidden:
            return "X"
        value = sample.outputs[part.expr]
        if part.variable is not None:
            var = self.numbers[part.variable]
            return render_like(value, var.text)
        if part.fmt == "words" and value.denominator == 1 and 0 <= value < 10**6:
            return number_to_words(int(value))
        decimals = {".2f": 2, ".1f": 1}.get(part.fmt)
        return format_number(value, decimals, commas=part.fmt == ",")


def render_like(value: Fraction, original: str) -> str:
    """Write `value` the way `original` was written: a word, thousands separators, decimals."""
    worded = original.isalpha() or "-" in original and original.replace("-", "").isalpha()
    if worded and value.denominator == 1 and 0 <= value < 10**6:
        words = number_to_words(int(value))
        return words.capitalize() if original[0].isupper() else words
    written = len(original.split(".", 1)[1]) if "." in original else 0
    if written == 1 and value.denominator == 1:  # "2.5 kg" -> "3 kg", never "3.0 kg"; cents keep "3.00"
        written = 0
    needed = decimal_places(value) or 0  # never round a value the problem depends on
    decimals = max(written, needed)
    return format_number(value, decimals if decimals else None, commas="," in original)


def _parse_default(text: str) -> Fraction:
    if len(text) > MAX_NUMBER_CHARS:
        raise TemplateFormatError(f"default value longer than {MAX_NUMBER_CHARS} characters")
    value = parse_plain_number(text)
    if value is None:
        words = parse_number_words(text)
        if words is None:
            raise TemplateFormatError(f"default value {text!r} is not a number")
        value = Fraction(words)
    return value


def _domain(domain: str) -> Domain:
    match = _RANGE_RE.match(domain)
    if match:
        try:
            low, high, step = (_bounded_number(g) for g in (match.group(1), match.group(2), match.group(3) or "1"))
        except (ValueError, ZeroDivisionError) as exc:
            raise TemplateFormatError(f"domain {domain[:80]!r} has a bound that is not a small number") from exc
        if step <= 0 or (high - low) / step > MAX_DOMAIN:
            raise TemplateFormatError(f"domain {domain!r} has a bad step or more than {MAX_DOMAIN} values")
        count = int((high - low) / step)
        count += low + count * step < high
        if count <= 0:
            raise TemplateFormatError(f"domain {domain!r} is empty")
        return Domain(low, step, count)
    match = _SAMPLE_RE.match(domain)
    if match and match.group(1) is not None:
        items = [v.strip() for v in match.group(1).split(",") if v.strip()]
        if len(items) > MAX_DOMAIN or any(len(v) > MAX_NUMBER_CHARS for v in items):
            raise TemplateFormatError(
                f"sample() list longer than {MAX_DOMAIN} or with a number over {MAX_NUMBER_CHARS} characters"
            )
        values = [parse_plain_number(v) for v in items]
        if values and all(v is not None for v in values):
            return Domain(values[0], Fraction(0), len(values), tuple(values))
    raise TemplateFormatError(f"domain {domain[:80]!r} is neither range(low, high[, step]) nor sample([...])")


def _bounded_number(text: str) -> Fraction:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(text[:20])
    return Fraction(text)
