"""The symbolic engine: templates from annotations, and variants whose answers re-execute."""

import json
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from augment.symbolic.annotated import TemplateFormatError, parse_annotated, to_annotated
from augment.symbolic.compiled import CompiledTemplate
from augment.symbolic.generator import annotation_records, compile_records
from augment.symbolic.template import TemplateSkip, derive_template
from augment.symbolic.variants import backward, rename, renumber
from augment.verification import VerifyPolicy, verify_row
from filters.calculator import check_solution
from filters.numbers import find_numbers


def variants(row: dict, count: int = 6, seed: int = 0) -> tuple[CompiledTemplate, list]:
    template = CompiledTemplate(parse_annotated(*to_annotated(derive_template(row["question"], row["answer"]))))
    return template, template.sample(np.random.default_rng(seed), count)


def verified(made, method: str) -> bool:
    row = {
        "question": made.question,
        "answer": made.answer,
        "final_answer": str(made.final),
        "method": method,
        "verification": {},
        "_stale": made.stale,
    }
    reason, detail, _ = verify_row(row, VerifyPolicy())
    assert reason is None, (reason, detail, made.question, made.answer)
    return True


@pytest.fixture(scope="module")
def train_templates(train_rows):
    import polars as pl

    frame = pl.DataFrame(
        {
            "source_index": range(len(train_rows)),
            "question": [r["question"] for r in train_rows],
            "answer": [r["answer"] for r in train_rows],
        }
    )
    records = annotation_records(frame, workers=2)
    return records, compile_records(records, set(range(len(train_rows))), {})


def test_coverage_of_the_train_split(train_templates):
    records, templates = train_templates
    coverage = len(templates.compiled) / len(records)
    assert coverage >= 0.80, f"templated {coverage:.1%}"  # 82%: ambiguous sources seed nothing (issue 10)
    reasons = Counter(r["skipped"] for r in records if r["skipped"])
    assert reasons.most_common(1)[0][0] == "unexplained-number"  # the honest main reason: world knowledge


def test_every_variant_over_the_train_split_re_executes_and_keeps_the_pattern(train_rows, train_templates):
    """One renumbered variant per templated source: it re-executes, and every step keeps its sign and
    whether it was whole."""
    _, templates = train_templates
    failures, checked = [], 0
    for index, template in templates.compiled.items():
        samples = template.sample(np.random.default_rng(index), 1)
        if not samples:
            continue
        made = renumber(template, samples[0])
        report = check_solution(made.answer, made.question)
        original = check_solution(train_rows[index]["answer"], train_rows[index]["question"])
        checked += 1
        if not report.ok or report.final != made.final:
            failures.append((index, report.code))
            continue
        annotated = [s for s in report.steps if s.annotated]
        before = [s for s in original.steps if s.annotated]
        if len(annotated) == len(before):
            for new, old in zip(annotated, before):
                assert (new.result > 0) == (old.result > 0), (index, new, old)
                if old.result.denominator == 1:
                    assert new.result.denominator == 1, (index, new, old)
    assert checked > 5500
    assert len(failures) / checked < 0.01, failures[:10]


def test_annotated_format_round_trip_and_hand_edits():
    question = (
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
        "How many clips did Natalia sell altogether in April and May?"
    )
    answer = (
        "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips "
        "altogether in April and May.\n#### 72"
    )
    template = derive_template(question, answer)
    q_annotated, a_annotated = to_annotated(template)
    assert "{n1,48}" in q_annotated and "#init:\n- $n1 = range(32, 73)" in q_annotated
    assert "#conditions:\n- is_int(n1 / 2)" in q_annotated and q_annotated.endswith("#answer: n1 + n1 / 2")
    assert "<<{n1}/2={n1 / 2}>>" in a_annotated
    edited = q_annotated.replace("range(32, 73)", "range(90, 92)")  # a person narrows the domain by hand
    compiled = CompiledTemplate(parse_annotated(edited, a_annotated))
    sample = compiled.sample(np.random.default_rng(0), 5)
    assert [s.values["n1"] for s in sample] == [Fraction(90)]  # 91 is odd: is_int(n1 / 2) rules it out
    made = renumber(compiled, sample[0])
    assert "90 of her friends" in made.question and made.final == 135
    with pytest.raises(TemplateFormatError):
        parse_annotated(q_annotated.replace("#answer: n1 + n1 / 2", "#answer: __import__('os')"), a_annotated)


def test_fractions_stay_fixed_and_percents_stay_in_range(train_rows):
    template, samples = variants(train_rows[25])  # "2/5 of them", "1/3 of them", 175 balls
    for sample in samples:
        made = renumber(template, sample)
        assert "2/5" in made.question and "1/3" in made.question and verified(made, "renumber")
    template, samples = variants(train_rows[5])  # "50% more", "25% as many"
    percents = [v for v in template.numbers.values() if v.domain.count and v.text in ("50", "25")]
    assert percents
    for sample in samples:
        assert all(0 < sample.values[v.name] < 100 for v in percents)
        assert verified(renumber(template, sample), "renumber")


def test_money_keeps_cents_and_time_constants_never_change(train_rows):
    template, samples = variants(train_rows[1])  # "$12 an hour ... 50 minutes": 60 is a unit constant
    assert samples
    for sample in samples:
        made = renumber(template, sample)
        assert "/60" in made.answer.replace(" ", "") and verified(made, "renumber")
    template, samples = variants(train_rows[37])  # prices written with cents
    for sample in samples:
        made = renumber(template, sample)
        written = [m.text for m in find_numbers(made.question) if m.money]
        assert written and all("." not in w or len(w.split(".")[1]) == 2 for w in written)
        assert verified(made, "renumber")


def test_twice_as_many_and_equal_numbers_in_different_roles(train_rows):
    template, samples = variants(train_rows[3])  # "twice as many pages as yesterday"
    for sample in samples:
        made = renumber(template, sample)
        assert "twice as many" in made.question and verified(made, "renumber")
    template, samples = variants(train_rows[6])  # 2 large and 2 small pizzas; 16 slices = 2 * 8
    for sample in samples:
        made = renumber(template, sample)
        pizzas, slices_small = sample.values["n1"], sample.values["n3"]
        assert f"{pizzas} large pizzas and {pizzas} small pizzas" in made.question
        assert f"A large pizza has {pizzas * slices_small} slices" in made.question
        assert made.final == pizzas * pizzas * slices_small + pizzas * slices_small and verified(made, "renumber")


def test_numbers_written_only_as_words(train_rows):
    template, samples = variants(train_rows[43])
    words = [v for v in template.numbers.values() if v.text.isalpha()]
    assert words
    for sample in samples:
        made = renumber(template, sample)
        assert not any(m.value == sample.values[words[0].name] for m in find_numbers(made.question))  # still words
        assert verified(made, "renumber")


def test_renamed_variants_keep_gender_and_change_every_name(train_rows):
    template, samples = variants(train_rows[0])  # Natalia
    made = rename(template, samples[0], np.random.default_rng(1))
    new_name = made.params["names"]["name1"]
    assert "Natalia" not in made.question + made.answer and new_name in made.question and new_name in made.answer
    from augment.symbolic.names import GENDER

    assert GENDER[new_name] == "female" and verified(made, "rename")


def test_backward_variants_solve_for_the_hidden_number(train_rows):
    solved = 0
    for row in train_rows[:60]:
        try:
            template, samples = variants(row, count=2)
        except TemplateSkip:
            continue
        for sample in samples:
            try:
                made = backward(template, sample, np.random.default_rng(0))
            except Exception as exc:  # VariantSkip: no linear unknown
                assert "symbolic:" in str(exc)
                continue
            hidden = made.params["hidden"]
            assert made.final == sample.values[hidden]
            assert "unknown variable X" in made.question and verified(made, "backward")
            solved += 1
    assert solved > 40


def test_sampling_is_deterministic_and_variants_of_a_source_differ(train_rows):
    template, first = variants(train_rows[1], count=8, seed=3)
    _, again = variants(train_rows[1], count=8, seed=3)
    assert [s.values for s in first] == [s.values for s in again]
    assert len({tuple(sorted(s.values.items())) for s in first}) == len(first)
    defaults = {name: var.default for name, var in template.numbers.items()}
    assert all(s.values[n] != defaults[n] for s in first for n in defaults)


@pytest.mark.parametrize(
    "question, answer, reason",
    [
        ("Tom has {3} apples. How many?", "#### 3", "braces-in-text"),
        (
            "In one hour, Tom does 20 minutes of work 3 times. How much?",
            "He works <<20*4=80>>80 minutes.\n#### 80",
            "unexplained-number",
        ),
        (
            "Tim spends 1 hour a day meditating. He spends twice as much time reading. How much time a week does he "
            "spend reading?",
            "He spends 2*1=<<2*1=2>>2 hours reading\nSo he reads 2*7=<<2*7=14>>14 hours a week\n#### 14",
            "no-variable-numbers",
        ),
        ("Tom has 5 apples. How many?", "He has 5 apples.\n#### 5", "source-no-steps"),
    ],
    ids=["braces", "unexplained", "no-variables", "no-steps"],
)
def test_untemplatable_problems_are_skipped_with_a_reason(question, answer, reason):
    with pytest.raises(TemplateSkip) as skip:
        derive_template(question, answer)
    assert skip.value.reason == reason


def test_templates_records_cover_every_row_in_order(tmp_path, train_rows):
    from conftest import ROOT, augment_cli, write_jsonl

    source = tmp_path / "rows.jsonl"
    rows = train_rows[:30] + [{"question": "Broken row?", "answer": "no final line"}]
    write_jsonl(source, rows)
    out = tmp_path / "templates.jsonl"
    result = augment_cli("templates", str(source), "--out", str(out), "--workers", "1", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["row"] for r in records] == list(range(31))
    assert records[-1]["skipped"] == "malformed-input-row"
    assert sum(r["skipped"] is None for r in records) >= 20
    assert "rows templated" in result.stdout


def test_shipped_templates_are_current_for_the_embedded_train_split():
    """The package ships the derived templates of the embedded train split; after a change to the
    engine, refresh them (a stale copy is ignored, not used, but every first run then derives again)."""
    from augment.sources import load_embedded
    from augment.symbolic.generator import SHIPPED_KEY, cache_key

    assert SHIPPED_KEY.read_text().strip() == cache_key(load_embedded("train").frame), (
        "run: python scripts/refresh_embedded_data.py"
    )
