"""Answer extraction, normalisation, voting and calculator re-execution on realistic model outputs."""

from fractions import Fraction

import pytest
from conftest import FIXTURES, read_jsonl

from filters.answers import answers_equal, extract_answer, parse_answer_value
from filters.arith import ExpressionError, evaluate_text
from filters.calculator import check_solution, text_numbers_agree
from filters.label_errors import known_label_errors, label_error
from filters.numbers import find_numbers, number_values, parse_number_words
from filters.voting import majority_vote

OUTPUTS = read_jsonl(FIXTURES / "model_outputs.jsonl")


@pytest.mark.parametrize("case", OUTPUTS, ids=[c["id"] for c in OUTPUTS])
def test_extraction_style_value_and_weakness(case):
    found = extract_answer(case["text"])
    assert found.style == case["style"]
    assert found.weak == case["weak"]
    expected = None if case["value"] is None else Fraction(case["value"])
    assert found.value == expected


@pytest.mark.parametrize("case", OUTPUTS, ids=[c["id"] for c in OUTPUTS])
def test_re_execution_of_model_outputs(case):
    assert check_solution(case["text"]).code == case["calc"]


def test_first_failing_step_is_reported():
    report = check_solution(next(c for c in OUTPUTS if c["id"] == "wrong-arithmetic")["text"])
    assert report.failed_line == 2
    assert "10+8=19" in report.detail and "18" in report.detail


@pytest.mark.parametrize(
    "text, value",
    [
        ("$1,200.50", "2401/2"),
        ("25%", "25"),
        ("3/4", "3/4"),
        ("1 1/2", "3/2"),
        ("-5 degrees", "-5"),
        ("5.00", "5"),
        ("twenty-five", "25"),
        ("\\frac{12}{4}", "3"),
        ("1{,}000", "1000"),
        ("72 clips.", "72"),
    ],
)
def test_normalisation(text, value):
    assert parse_answer_value(text) == Fraction(value)


def test_equivalence_across_writings():
    assert answers_equal("$1,200.00", "1200")
    assert answers_equal("0.5", "1/2")
    assert answers_equal("\\frac{1}{2}", Fraction(1, 2))
    assert not answers_equal("12", "13")
    assert not answers_equal(None, "1")


def test_number_parsing_keeps_hyphens_and_subtraction_apart():
    values = [m.value for m in find_numbers("a 5-year-old paid 75-55 dollars, then -5 degrees, 3rd place")]
    assert values == [5, 75, 55, -5]
    assert number_values("forty-two apples and 3 pears") == [42, 3]
    assert parse_number_words("two hundred and five") == 205


def test_safe_evaluator_refuses_everything_but_arithmetic():
    assert evaluate_text("0.1+0.2") == Fraction(3, 10)
    assert evaluate_text("2 x 3 + 15%") == Fraction(123, 20)
    for hostile in ["__import__('os').system('x')", "(1).__class__", "9**9**9", "open('f')", "a+1", "[1]*9"]:
        with pytest.raises(ExpressionError):
            evaluate_text(hostile)


def test_majority_vote_groups_equal_values_and_needs_a_clear_winner():
    accepted = majority_vote(["$1,200", "1200.00", "1200", "1100"], min_votes=3, min_share=0.6)
    assert accepted.reason is None and accepted.answer == 1200 and accepted.votes == 3 and accepted.share == 0.75
    assert majority_vote(["5", "6"], min_votes=1).reason == "vote:tie"
    assert majority_vote(["5", None, None, None], min_votes=1, min_share=0.5).reason == "vote:low-share"
    assert majority_vote(["5", "5", "6"], min_votes=3).reason == "vote:too-few-votes"
    assert majority_vote([None, "no idea"]).reason == "vote:no-answers"


def test_stray_numbers_in_solution_text():
    question = "Tom has 3 boxes of 4 pens. How many pens does he have?"
    assert text_numbers_agree("Tom has 3*4=<<3*4=12>>12 pens.\n#### 12", question) is None
    reason = text_numbers_agree("Tom has 3*4=<<3*4=12>>12 pens, and 7 more.\n#### 12", question)
    assert reason and "7" in reason


def test_train_split_re_execution_and_known_label_errors(train_rows):
    """The whole train split: most answers re-execute; every recorded label error is caught."""
    codes = [check_solution(r["answer"], r["question"]).code for r in train_rows]
    passing = sum(code is None for code in codes) / len(codes)
    assert passing > 0.96
    recorded = known_label_errors()
    assert len(recorded) >= 12
    for record in recorded.values():
        row = train_rows[record["source_index"]]
        assert label_error(row["question"]) == record
        if record["found_by"] == "re-execution":
            assert codes[record["source_index"]] == "calc:final-mismatch"


def test_math_verify_decides_what_our_parser_cannot_read_but_not_in_threads():
    import threading

    assert parse_answer_value("\\sqrt{4}") is None
    assert answers_equal("\\sqrt{4}", "2") and answers_equal("2^{3}", Fraction(8))
    assert not answers_equal("\\sqrt{4}", "3")
    in_thread = []
    worker = threading.Thread(target=lambda: in_thread.append(answers_equal("\\sqrt{4}", "2")))
    worker.start()
    worker.join()
    assert in_thread == [False]  # math-verify's signal alarms only work in the main thread
