"""Derive an executable template from a GSM8K problem's calculator annotations.

Every number a solution computes with must be explained: a number stated in the question
(it becomes a variable), the result of an earlier step, or a constant the wording implies
("a week": 7). Each number in the solution's prose is then tied to one of those. Where
two explanations fit, we never guess, we make both true in every variant:
- a stated number equal to an earlier result becomes that result's expression
  ("2 small pizzas of 8 slices ... 16 slices" keeps 16 = 2 * 8);
- a stated number equal to a constant the wording implies is frozen ("2 friends, twice a
  week": the 2 never changes, so either reading stays right);
- two results with the same value must stay equal (a condition);
and the other readings `ties.py` checks. A source whose solution leaves a stated number
unused while it computes with numbers that make it ("20 + 15 + 45 + 20" where 35 was meant)
keeps that coincidence as a tie, or seeds nothing. What still cannot be explained is skipped with a reason. The result is GSM-Symbolic's
annotated format (see `annotated.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

from augment.symbolic.expressions import names_in
from augment.symbolic.limits import oversized
from augment.symbolic.magnitudes import answer_limits, plausible_domain, time_budget, world_constants
from augment.symbolic.names import GENDER, find_names, name_pattern, swappable_names
from augment.symbolic.nouns import noun_after
from augment.symbolic.prose import readable_prose
from augment.symbolic.quantities import (
    Quantity,
    companions,
    cue_constants,
    discount_halves,
    fraction_parts,
    implied_constants,
    offset_halves,
    ordinal_values,
    percent_factors,
    question_quantities,
    repeated_totals,
    unit_ratios,
)
from augment.symbolic.relations import relation_conditions
from augment.symbolic.solution_lines import template_line
from augment.symbolic.story_conditions import (
    adds_up,
    overlap_order,
    told_multiples,
    told_products,
    triangle_sides,
    whole_shares,
)
from augment.symbolic.structure import (
    complementary_percents,
    group_counts,
    group_rests,
    last_position,
    listed_counts,
    listed_people,
    listed_titles,
    party_sizes,
    position_labels,
    range_ends,
    summed_groups,
)
from augment.symbolic.ties import Resolver, Step, TemplateSkip, coincidences_of_unused
from filters.arith import evaluate_text
from filters.calculator import ANNOTATION_RE, FINAL_RE, check_solution, values_match
from filters.numbers import decimal_places, format_number, number_to_words

_SLOT_RE = re.compile(r"\{([^{}]+)\}")
# A question that picks one of several ("the busiest month", "who sold the most"): its answer rests on their order.
_PICKS_ONE_RE = re.compile(
    r"\b(?:busiest|slowest|most|least|fewest|highest|lowest|largest|smallest|biggest|greatest|cheapest|longest|"
    r"shortest|fastest|oldest|youngest|heaviest|lightest|best|worst)\b"
    r"|\b(?:slower|faster|older|younger|cheaper|heavier|lighter|taller|shorter|longer|bigger|larger|smaller)"
    r"\s+(?:one|of)\b",  # "the slower one of Lola and Tara"
    re.IGNORECASE,
)
# A range of positions in the solution's prose ("Knives 5-9", "Weeks 3-4"), not a subtraction.
_POSITION_RANGE_RE = re.compile(r"\b[A-Za-z]+\s+(\d+)\s*-\s*(\d+)\b(?!\s*[=*/+x-])(?!\.\d)")


@dataclass
class Template:
    """A problem as slots, domains and conditions (GSM-Symbolic's annotated format).

    Question slots: `{n1,48}` (a variable and its original value, first use), `{n1}`, or an
    expression `{2*n1:words}`; answer slots: `{expr}` or `{expr:fmt}`, fmt one of
    "," ".2f" "words". People: `{name1,Natalia}` with init `sample(names_female)`.
    """

    question: str
    answer: str
    init: dict[str, str] = field(default_factory=dict)  # n1 -> "range(24, 97)"
    conditions: list[str] = field(default_factory=list)
    answer_expr: str = ""


def derive_template(question: str, answer: str, agree: bool = True) -> Template:
    """The template of one problem, or TemplateSkip with the reason it has none. `agree`: keep a coincidence's
    readings equal by a condition where one can hold (else its numbers are frozen)."""
    too_large = oversized(question, answer)  # derivation's cost grows with size: cap it before any work
    if too_large:
        raise TemplateSkip("source-too-large", too_large)
    if any(c in question + answer for c in "{}"):
        raise TemplateSkip("braces-in-text")
    answer = readable_prose(question, answer)
    check = check_solution(answer, question)
    if not check.ok:
        raise TemplateSkip(f"source-{check.code.split(':')[1]}", check.detail)
    stated = question_quantities(question)
    quantities = [q for q in stated if q.variable]
    variables: dict[Fraction, str] = {}
    for quantity in quantities:
        variables.setdefault(quantity.value, f"n{len(variables) + 1}")
    constants = set(implied_constants(question, stated))
    hundredths = {q.value for q in quantities if q.percent or q.cents}
    # A part of a stated fraction ("the 5 of 1/5") may be read alone: a stated number equal to it is frozen.
    resolver = Resolver(
        variables,
        cue_constants(question) | party_sizes(question, stated),
        constants,
        hundredths,
        question,
        percent_factors(stated),
        fraction_parts(stated),
    )
    resolver.fractions = {q.text for q in stated if "/" in q.text and not q.word}
    resolver.ratios = unit_ratios(question, stated)
    for quantity in stated:  # "2 business partners": what each stated number counts
        counted = resolver.nouns if quantity.variable else resolver.fixed_nouns
        counted.setdefault(quantity.value, []).append(noun_after(question, quantity.end, quantity.start))
    ordinals = ordinal_values(question)  # "play 8 rounds ... in the sixth round": 5 and 6 stay
    ordinals |= last_position(question, ordinals) | position_labels(question)
    resolver.frozen |= {name: value for value, name in variables.items() if {value, value + 1} & ordinals}
    # Numbers a cue makes from others ("himself and 3" = 4): frozen with them. Any sum, difference, product or
    # quotient of two stated numbers would freeze far more (each form alone costs 0.05-0.11 of the variable share).
    coinciding = (
        companions(question)
        | offset_halves(question, stated)
        | repeated_totals(question, quantities)
        | discount_halves(question, quantities)
        | group_counts(question, stated)
        | complementary_percents(stated)
        | listed_people(question, stated)
        | listed_titles(question, stated)
        | group_rests(question, stated)
        | summed_groups(question, stated)
        | listed_counts(question, stated)
        | range_ends(question, stated)
        | world_constants(question, stated)  # "a ton is 2000 pounds": varied, the world is not ours
    )
    # A number the words fix ("those 20,000 students", "the top 10") equal to one that varies: the solution's
    # mention may be either, and a variant would keep the fixed one as the old value.
    coinciding |= {q.value for q in stated if not q.variable} & variables.keys()
    resolver.frozen |= {name: value for value, name in variables.items() if value in coinciding}
    if any(int(m.group(1)) < int(m.group(2)) for m in _POSITION_RANGE_RE.finditer(ANNOTATION_RE.sub(" ", answer))):
        raise TemplateSkip("position-range")  # "Knives 5-9 cost $3": positions the variant cannot follow
    lines = [line if FINAL_RE.match(line) else template_line(line, resolver) for line in answer.split("\n")]
    if not resolver.steps:
        raise TemplateSkip("no-steps")
    final_expr = _final_expression(check.final, resolver.steps, question)
    resolver.settle(final_expr, agree)
    for result, multiple in told_multiples(question, resolver.steps, variables):  # a sum or difference alone
        resolver.hold(result, multiple, agree)
    lines = ["#### {" + final_expr + "}" if FINAL_RE.match(line) else line for line in lines]

    substitute = resolver.substitution()
    answer_text, used = _substituted(lines, substitute)
    if not used:
        raise TemplateSkip("no-variable-numbers")
    read = used | resolver.derived.keys() | resolver.frozen.keys()
    ties = coincidences_of_unused(quantities, variables, read, used, resolver.frozen.keys())
    products = told_products(question, quantities, variables)
    ties |= {name: expr for name, expr in products.items() if name in used and name not in ties}
    if ties:  # keep the coincidence the solution relies on, so both readings agree in every variant
        resolver.derived.update(ties)
        substitute = resolver.substitution()
        answer_text, used = _substituted(lines, substitute)
    # A number only the prose repeats ("the two buses", "25 to 35 years") no arithmetic constrains: varied, it
    # breaks the story it counts or orders, and the answer cannot show it, so it stays as written.
    told_only = used - _computed_names(answer_text)
    if told_only:
        resolver.frozen |= {name: value for value, name in variables.items() if name in told_only}
        substitute = resolver.substitution()
        answer_text, used = _substituted(lines, substitute)
    if not names_in(substitute(final_expr)):  # "1*2*2*...*2 = 4,096" in prose: no variant's answer would move
        raise TemplateSkip("constant-answer")
    template = Template(
        question=_slot_question(question, quantities, variables, used, substitute),
        answer=answer_text,
        answer_expr=substitute(final_expr),
    )
    for quantity in quantities:
        name = variables[quantity.value]
        if name in used and name not in template.init:
            mentions = [q for q in quantities if q.value == quantity.value]
            template.init[name] = plausible_domain(question, mentions, domain_for(quantity))
    template.conditions = _conditions(resolver, substitute, check.final, set(template.init))
    template.conditions += answer_limits(question, template.answer_expr, check.final)
    template.conditions += overlap_order(question, quantities, variables, substitute, set(template.init))
    template.conditions += triangle_sides(question, template.answer_expr)
    _slot_names(template)
    return template


def _substituted(lines: list[str], substitute) -> tuple[str, set[str]]:
    """The solution with derived and frozen variables substituted, and the variables it still uses."""
    answer_text = _SLOT_RE.sub(lambda m: _rewrite_slot(m.group(1), substitute), "\n".join(lines))
    return answer_text, _slot_variables(answer_text)


def _slot_variables(text: str) -> set[str]:
    """The variables the slots of `text` read ("{n1 * 2:,}" reads n1)."""
    return {n for m in _SLOT_RE.finditer(text) for n in names_in(m.group(1).rsplit(":", 1)[0])}


def _computed_names(answer_text: str) -> set[str]:
    """The variables the solution computes with: in its annotations and its final line."""
    computing = [m.group(0) for m in ANNOTATION_RE.finditer(answer_text)] + FINAL_RE.findall(answer_text)
    return _slot_variables(" ".join(computing))


def _rewrite_slot(content: str, substitute) -> str:
    """Apply ties to one answer slot; a slot left without variables becomes plain text."""
    expr, _, fmt = content.partition(":") if ":" in content else (content, "", "")
    expr = substitute(expr)
    if names_in(expr):
        return "{" + expr + (f":{fmt}" if fmt else "") + "}"
    if fmt == "words":
        return number_to_words(int(evaluate_text(expr)))
    return format_number(evaluate_text(expr), 2 if fmt == ".2f" else None, commas=fmt == ",")


def _final_expression(final: Fraction, steps: list[Step], question: str) -> str:
    for step in reversed(steps):
        if values_match(final, step.value):
            return step.expr
    if "cent" in question.lower() and final == steps[-1].value * 100:
        return f"({steps[-1].expr}) * 100"
    raise TemplateSkip("final-not-a-step")


def _slot_question(question, quantities, variables, used, substitute) -> str:
    """Put slots where the question states a number that varies (or is tied to a result)."""
    worded: dict[str, bool] = {}  # variable -> whether its first mention is a word ("two")
    pieces, last = [], 0
    for quantity in quantities:
        name = variables[quantity.value]
        expr = substitute(name)
        if expr == name and name not in used:
            continue
        if expr != name:  # tied to a result, or frozen
            if not names_in(expr):
                continue
            slot = "{" + expr + (":words" if quantity.word else ":," if "," in quantity.text else "") + "}"
        elif name in worded:  # "two 4 oz packages ... $2.0 each": the digits stay digits, never "$two"
            digits = ":.2f" if re.search(r"\.\d\d$", quantity.text) else ":,"
            slot = "{" + name + (":words" if quantity.word else digits if worded[name] else "") + "}"
        else:
            slot = "{" + f"{name},{quantity.text}" + "}"
            worded[name] = quantity.word
        pieces.append(question[last : quantity.start] + slot)
        last = quantity.end
    return "".join(pieces) + question[last:]


def domain_for(quantity: Quantity) -> str:
    """Plausible new values: similar magnitude, same roundness and decimals, percents in 0..100."""
    value = quantity.value
    if quantity.word and value <= 20:
        low, high, step = 2, max(13, int(value) * 2 + 1), 1
    elif quantity.percent and value.denominator == 1 and 0 < value < 100:
        step = 5 if value % 5 == 0 else 1
        low, high = max(step, int(value) // 2 // step * step), min(100, int(value) * 2 + step)
    elif value.denominator != 1:
        places = decimal_places(value) or 2
        step = Fraction(1, 4) if places >= 2 and (value * 4).denominator == 1 else Fraction(1, 10**places)
        low, high = max(step, (value / 2 // step) * step), value * 2 + step
        return f"range({format_number(low)}, {format_number(high)}, {format_number(step)})"
    else:
        step = 10 ** max(0, len(str(int(value))) - 4)  # at most four significant digits move
        while value % (step * 10) == 0 and value // (step * 10) >= 5:
            step *= 10
        low = max(2 if step == 1 else step, int(value) // 2 // step * step)
        high = max(int(value) * 2, int(value) + 5 * step) + step
    if quantity.cap is not None and value <= quantity.cap:
        high = min(high, quantity.cap + 1)
    return f"range({low}, {high})" if step == 1 else f"range({low}, {high}, {step})"


def _conditions(resolver: Resolver, substitute, final: Fraction, defined: set[str]) -> list[str]:
    """Keep what the original relied on: each result's sign and integrality (or its decimals)."""
    if final.denominator != 1 or final < 0:
        raise TemplateSkip("final-not-whole")
    conditions: dict[str, None] = {}
    values = {name: value for value, name in resolver.variables.items()}
    for step in resolver.steps:
        expr = substitute(step.expr)
        if not names_in(expr):
            continue
        places = decimal_places(step.value)
        if places is None:
            raise TemplateSkip("non-terminating-step", format_number(step.value))
        if step.value == 0:
            raise TemplateSkip("zero-step")
        conditions[f"is_int({expr})" if places == 0 else f"is_int(({expr}) * {10 ** max(places, 2)})"] = None
        conditions[f"{expr} {'>' if step.value > 0 else '<'} 0"] = None
        conditions |= dict.fromkeys(whole_shares(resolver.question, expr, values))
        if adds_up(expr) and (cap := time_budget(resolver.question, resolver.result_nouns.get(step.expr), step.value)):
            conditions[f"{expr} <= {cap}"] = None  # a day's hours added up; a product scales by days or people
    for left, right in resolver.ties:  # a coincidence may involve a number the solution reads nowhere else
        left, right = (_as_stated(substitute(side), values, defined) for side in (left, right))
        if left != right and names_in(left) | names_in(right):
            conditions[f"{left} == {right}"] = None
    percents = frozenset(resolver.variables[v] for v in resolver.hundredths if v in resolver.variables)
    steps = [(substitute(s.expr), s.value) for s in resolver.steps]
    conditions |= dict.fromkeys(relation_conditions(steps, values, percents))
    conditions |= dict.fromkeys(_stated_order(resolver, substitute, values, defined))
    return list(conditions)


def _as_stated(expr: str, values: dict[str, Fraction], defined: set[str]) -> str:
    """`expr` with the variables no slot varies written as their stated values."""
    return re.sub(
        r"\b(n\d+)\b", lambda m: m.group(1) if m.group(1) in defined else format_number(values[m.group(1)]), expr
    )


def _stated_order(resolver: Resolver, substitute, values: dict[str, Fraction], defined: set[str]) -> list[str]:
    """Two stated numbers of one thing keep their order ("walks at 4 mph, runs at 6 mph"; the cheaper of two
    prices): the story's words ("faster", "cheaper", "older") often rest on it where no step does. Where the
    question picks one ("the busiest month"), results of that thing join them: the solution chose among all."""
    counted = {
        resolver.variables[value]: (values[resolver.variables[value]], frozenset().union(*(n for n in nouns if n)))
        for value, nouns in resolver.nouns.items()
        if value in resolver.variables
    }
    if _PICKS_ONE_RE.search(resolver.question):
        results = {step.expr: step.value for step in resolver.steps}
        counted |= {expr: (results[expr], nouns) for expr, nouns in resolver.result_nouns.items() if expr in results}
    kept = []
    for (a, (a_value, a_counts)), (b, (b_value, b_counts)) in combinations(sorted(counted.items()), 2):
        if a_counts & b_counts and a_value != b_value:
            low, high = (substitute(a), substitute(b)) if a_value < b_value else (substitute(b), substitute(a))
            names = names_in(low) | names_in(high)
            if low != high and names and names <= defined:
                kept.append(f"{low} < {high}")
    return kept


def _slot_names(template: Template) -> None:
    """Turn person names into `{name1,Natalia}` slots when question and solution agree on them."""
    names = find_names(template.question)
    if not names or any(n not in names for n in find_names(template.answer)):
        return
    for i, name in enumerate(swappable_names(template.question), start=1):
        slot = f"name{i}"
        first = [True]

        def question_slot(_match, slot=slot, name=name, first=first) -> str:
            text = "{" + (f"{slot},{name}" if first[0] else slot) + "}"
            first[0] = False
            return text

        template.question = name_pattern(name).sub(question_slot, template.question)
        template.answer = name_pattern(name).sub("{" + slot + "}", template.answer)
        template.init[slot] = f"sample(names_{GENDER[name]})"
