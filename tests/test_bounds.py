"""Hostile input costs a bounded amount of work (issue 16): a template that asks for huge
numbers is a counted skip, an oversized source row a counted drop, and an impossible --n is
refused before any work; never a traceback, a broken pool or a hang."""

import json
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from conftest import augment_cli, read_jsonl, write_jsonl
from test_one_line_errors import one_line_failure

from augment.config import RunConfig
from augment.plan import Eligibility, plan_tasks
from augment.source_stages import source_reason
from augment.symbolic.annotated import TemplateFormatError, parse_annotated
from augment.symbolic.compiled import CompiledTemplate
from augment.symbolic.expressions import Program, compile_expression
from augment.symbolic.generator import annotate_row
from augment.symbolic.template import TemplateSkip, derive_template
from filters.arith import ExpressionError

QUESTION = "{name1,Natalia} sold clips to {n1,48} of her friends."
ANSWER = "She sold {n1} clips.\n#### {ANSWER}"


def annotated(answer_expr: str = "n1", domain: str = "range(24, 97)", slot: str = "n1") -> tuple[str, str]:
    question = f"{QUESTION}\n\n#init:\n- $n1 = {domain}\n- name1 = sample(names_female)\n\n#conditions:\n\n#answer: {answer_expr}"
    return question, ANSWER.replace("{n1}", "{" + slot + "}").replace("ANSWER", answer_expr)


HOSTILE_EXPRESSIONS = {
    "code": "__import__('os').system('touch /tmp/pwned')",
    "tower": "9**9**9**9",
    "nested-powers": "((n1**12)**12)**12",
    "seven-powers": "(((((((n1**12)**12)**12)**12)**12)**12)**12)",
    "round-places": "round(n1 / 7, 1000000000)",
    "deep": "-" * 1500 + "n1",
    "parenthesised": "(" * 900 + "n1" + ")" * 900,
    "long-literal": "n1 + " + "9" * 10_000,
    "wide": "+".join(["n1"] * 20_000),
}


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS.values(), ids=HOSTILE_EXPRESSIONS.keys())
def test_a_hostile_expression_is_refused_or_undefined(expression):
    try:
        results = Program([expression]).run_exact({"n1": Fraction(96)})
    except ExpressionError:
        return
    raise AssertionError(f"evaluated to {str(results)[:40]}")


def test_bounds_keep_ordinary_expressions():
    program = Program(["round(n1 / 7, 2)", "n1 ** 3 - max(n1, 5)", "is_int(n1 / 2) and n1 > 3"])
    assert program.run_exact({"n1": Fraction(48)}) == [Fraction(686, 100), Fraction(48**3 - 48), True]
    with pytest.raises(ExpressionError, match="places"):
        compile_expression("round(n1, n1)")
    with pytest.raises(ExpressionError, match="arguments"):
        compile_expression("abs(n1, n1)")


@pytest.mark.parametrize(
    "domain",
    ["range(1, " + "9" * 10_000 + ")", "range(1, 1/0)", "sample([" + "1," * 200_000 + "2])"],
    ids=["huge-bound", "zero-step", "long-list"],
)
def test_a_hostile_domain_is_a_format_error(domain):
    with pytest.raises(TemplateFormatError):
        CompiledTemplate(parse_annotated(*annotated(domain=domain)))


def test_oversized_source_rows_are_skipped_with_a_reason():
    question = "Tom has 3 apples and buys 4 more. How many apples does he have?"
    assert derive_template(question, "3+4=<<3+4=7>>7\n#### 7").init
    with pytest.raises(TemplateSkip, match="source-too-large"):
        derive_template(question.replace("3", "3" * 5000), "3+4=<<3+4=7>>7\n#### 7")
    with pytest.raises(TemplateSkip, match="source-too-large"):
        derive_template(question, "He thinks. " * 3000 + "3+4=<<3+4=7>>7\n#### 7")


def test_a_long_chain_of_dependent_steps_is_skipped_with_a_reason():
    """Each step builds on the last, so the final expression nests 100 levels deep: past the bound."""
    steps = "".join(f"Day {d}: {3 + 2 * d}+2 = <<{3 + 2 * d}+2={5 + 2 * d}>>{5 + 2 * d} apples.\n" for d in range(100))
    question = "Tom has 3 apples. Each day he picks 2 more. How many apples does he have after 100 days?"
    assert annotate_row(question, steps + "#### 203") == (None, None, "expression-too-large")


def test_the_task_plan_is_the_same_in_any_slices_and_flat_in_max_per_source():
    config = RunConfig(max_per_source=100_000, include_original=True)
    plan = plan_tasks(config, Eligibility(list(range(50)), templated=set(range(0, 50, 2)), named={0, 4}))
    assert plan.height == 50 + 100_000 * 25  # originals, then a round over the 25 templated sources
    whole = plan.slice(0, 400)
    pieces = pl.concat([plan.slice(0, 37), plan.slice(37, 100), plan.slice(137, 263)])
    assert whole.equals(pieces) and whole["task"].to_list() == list(range(400))
    last = plan.slice(plan.height - 3, 10)
    assert last["task"].to_list() == [plan.height - 3, plan.height - 2, plan.height - 1]
    assert set(last["variant"].to_list()) == {99_999}


@pytest.fixture(scope="module")
def hostile_templates(tmp_path_factory, small_source, train_rows) -> tuple:
    """The small source's real templates, with the first few seeding rows' templates made hostile (a source the
    `sources` stage leaves out never reaches its template)."""
    directory = tmp_path_factory.mktemp("bounds")
    derived = directory / "derived.jsonl"
    result = augment_cli("templates", str(small_source), "--out", str(derived), "--workers", "1", cwd=directory)
    assert result.returncode == 0, result.stderr
    records = read_jsonl(derived)
    records.sort(
        key=lambda r: source_reason(train_rows[r["row"]]["question"], train_rows[r["row"]]["answer"]) is not None
    )
    hostile = [annotated(answer_expr=e) for e in HOSTILE_EXPRESSIONS.values()]
    hostile += [annotated(slot=HOSTILE_EXPRESSIONS["code"]), annotated(domain="range(1, " + "9" * 10_000 + ")")]
    question, answer = annotated()
    hostile.append((question.replace("clips", "7" * 5000 + " clips"), answer))
    for record, (question, answer) in zip(records, hostile):
        record.update(question_annotated=question, answer_annotated=answer, skipped=None)
    path = directory / "hostile.jsonl"
    write_jsonl(path, records)
    return path, [r["row"] for r in records[: len(hostile)]]


def test_hostile_templates_are_counted_skips_not_crashes(hostile_templates, small_source, tmp_path):
    path, hostile_rows = hostile_templates
    result = augment_cli(
        "run",
        "--n",
        "20",
        "--source",
        str(small_source),
        "--templates",
        str(path),
        "--out",
        str(tmp_path / "out"),
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert not Path("/tmp/pwned").exists()
    version = next((tmp_path / "out").rglob("manifest.json")).parent
    funnel = {s["name"]: s for s in json.loads((version / "manifest.json").read_text())["funnel"]}
    refused = sum(n for reason, n in funnel["template"]["drops"].items() if "compile-error" in reason)
    assert refused == 9  # all but the three power towers, which compile and then never evaluate exactly
    published = set(pl.read_parquet(version / "data").get_column("source_index").to_list())
    assert published and not published & set(hostile_rows)


def test_oversized_source_rows_are_counted_load_drops(small_source, tmp_path):
    rows = read_jsonl(small_source)[:40]
    rows[0]["question"] = rows[0]["question"].replace(" ", " " + "7" * 5000 + " ", 1)
    rows[1]["answer"] = "He counts. " * 2000 + rows[1]["answer"]
    source = tmp_path / "oversized.jsonl"
    write_jsonl(source, rows)
    templates = augment_cli(
        "templates", str(source), "--out", str(tmp_path / "t.jsonl"), "--workers", "1", cwd=tmp_path
    )
    assert templates.returncode == 0 and "Traceback" not in templates.stderr, templates.stderr
    records = read_jsonl(tmp_path / "t.jsonl")
    assert [r["skipped"] for r in records[:2]] == ["malformed-input-row"] * 2 and len(records) == 40
    assert "skipped 2: malformed-input-row" in templates.stdout
    run = augment_cli(
        "run",
        "--n",
        "10",
        "--source",
        str(source),
        "--out",
        str(tmp_path / "out"),
        "--embeddings",
        "off",
        "--no-announce",
        "--allow-fewer",
        cwd=tmp_path,
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    load = next(line for line in run.stdout.splitlines() if line.startswith("load"))
    assert "more than 100 digits 1" in load and "longer than 20,000 characters 1" in load


def test_an_impossible_n_is_refused_before_any_work(small_source, tmp_path):
    result = augment_cli(
        "run",
        "--n",
        "500000",
        "--source",
        str(small_source),
        "--out",
        str(tmp_path / "out"),
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        cwd=tmp_path,
    )
    line = one_line_failure(result, "--n 500,000", "6,400 tasks", "lower --n", "--allow-fewer")
    assert "before any work" in line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("chunks/*"))


def test_a_huge_max_per_source_runs_in_flat_memory(small_source, tmp_path):
    result = augment_cli(
        "run",
        "--n",
        "20",
        "--max-per-source",
        "100000",
        "--source",
        str(small_source),
        "--out",
        str(tmp_path / "out"),
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "published 20 rows" in result.stdout
