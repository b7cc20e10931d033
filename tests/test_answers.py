"""Answer extraction, normalisation and equivalence on realistic model outputs (math-verify for LaTeX)."""

from fractions import Fraction

import pytest
from conftest import FIXTURES, read_jsonl

from filters.answers import answers_equal, extract_answer, parse_answer_value

OUTPUTS = read_jsonl(FIXTURES / "model_outputs.jsonl")


@pytest.mark.parametrize("case", OUTPUTS, ids=[c["id"] for c in OUTPUTS])
def test_extraction_style_value_and_weakness(case):
    found = extract_answer(case["text"])
    assert found.style == case["style"]
    assert found.weak == case["weak"]
    expected = None if case["value"] is None else Fraction(case["value"])
    assert found.value == expected


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
