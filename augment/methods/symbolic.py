"""The source itself and the symbolic methods: variants of a template whose answers are recomputed
by executing its steps, so they are verified by re-execution plus checks on the numbers they state."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from augment.methods.base import GenerationMethod
from augment.symbolic import variants
from augment.symbolic.compiled import CompiledTemplate, Sample
from augment.symbolic.quantities import implied_constants
from filters.calculator import false_comparison, false_conversion, off_the_clock, text_numbers_agree
from filters.numbers import find_numbers


class Original(GenerationMethod):
    """A train row as published (`--include-original`): only the common checks apply."""

    name, engine = "original", "dataset"
    note = "a GSM8K train problem as published (only with `--include-original`)"

    def eligible(self, eligibility, source: int) -> bool:
        return True


class SymbolicMethod(GenerationMethod):
    engine = "symbolic"

    def vary(self, template: CompiledTemplate, sample: Sample, rng: np.random.Generator) -> variants.Variant:
        """The variant of one exact sample; raises VariantSkip when this sample cannot make one."""
        raise NotImplementedError

    def verify(self, row, report, policy, checks):
        """No number the steps, the question or an implied constant cannot explain; none of the source's
        numbers that should have changed left in the question."""
        question, answer = row["question"], row["answer"]
        stray = text_numbers_agree(answer, question, check=report)
        if stray:  # the constants the wording implies cost more to find; only look when needed
            stray = text_numbers_agree(answer, question, implied_constants(question), check=report)
        if stray:
            return "verify:stray-number", stray
        checks.append("text-numbers")
        if wrong := false_comparison(answer):
            return "verify:false-comparison", f"the solution writes {wrong}"
        checks.append("comparisons")
        if wrong := off_the_clock(question + "\n" + answer):
            return "verify:off-the-clock", f"the row writes the time {wrong}"
        checks.append("clock-times")
        if wrong := false_conversion(answer):
            return "verify:false-conversion", f"the solution writes {wrong}"
        checks.append("unit-conversions")
        stale = row.get("_stale") or []
        if stale:
            stated = {m.value for m in find_numbers(question)}
            stale = [v for v in stale if Fraction(v) in stated]
        if stale:
            return "verify:stale-number", f"source number {stale[0]} survived in the question"
        checks.append("no-stale-numbers")
        return None


class Renumber(SymbolicMethod):
    name, default_share = "renumber", 0.6
    note = "a train problem's template with new numbers; answer recomputed by executing the steps"

    def vary(self, template, sample, rng):
        return variants.renumber(template, sample)


class Rename(SymbolicMethod):
    name, default_share = "rename", 0.2
    note = (
        "new numbers, new names (same gender, so pronouns stay right) and everyday things swapped within their "
        "kind (apples for pears, cookies for muffins)"
    )

    def eligible(self, eligibility, source: int) -> bool:
        return source in eligibility.named

    def vary(self, template, sample, rng):
        return variants.rename(template, sample, rng)


class Backward(SymbolicMethod):
    name, default_share = "backward", 0.2
    note = "FOBAR-style inverse: one stated number hidden as X, the answer given, X solved exactly"

    def eligible(self, eligibility, source: int) -> bool:
        if eligibility.invertible is None:
            return source in eligibility.templated
        return source in eligibility.invertible

    def vary(self, template, sample, rng):
        return variants.backward(template, sample, rng)
