"""Calculator re-execution of solutions: realistic model outputs, the first failing step, stray numbers."""

import pytest
from conftest import FIXTURES, read_jsonl

from filters.calculator import check_solution, text_numbers_agree

OUTPUTS = read_jsonl(FIXTURES / "model_outputs.jsonl")


@pytest.mark.parametrize("case", OUTPUTS, ids=[c["id"] for c in OUTPUTS])
def test_re_execution_of_model_outputs(case):
    assert check_solution(case["text"]).code == case["calc"]


def test_first_failing_step_is_reported():
    report = check_solution(next(c for c in OUTPUTS if c["id"] == "wrong-arithmetic")["text"])
    assert report.failed_line == 2
    assert "10+8=19" in report.detail and "18" in report.detail


def test_stray_numbers_in_solution_text():
    question = "Tom has 3 boxes of 4 pens. How many pens does he have?"
    assert text_numbers_agree("Tom has 3*4=<<3*4=12>>12 pens.\n#### 12", question) is None
    reason = text_numbers_agree("Tom has 3*4=<<3*4=12>>12 pens, and 7 more.\n#### 12", question)
    assert reason and "7" in reason


def test_a_comparison_the_solution_writes_must_hold():
    """The audit of 697bd19 (6419): a variant kept its source's choice, "chips, because 120 > 192"."""
    from filters.calculator import false_comparison

    assert false_comparison("She gets 120 ounces because 120 > 192") == "120 > 192"
    assert false_comparison("85 > 84, $5 < $7 and 3 >= 3; <<3*2=6>>6") is None


def test_a_time_of_day_stays_on_the_clock():
    """The audit of a8ece2f (6036): "The tank will be filled at 6 + 10 = 16pm"."""
    from filters.calculator import off_the_clock

    assert off_the_clock("The tank will be filled at 6 + 10 = <<6+10=16>>16pm.") == "16pm"
    assert off_the_clock("She wakes at 13 a.m. and eats 5 amounts") == "13 a.m."
    assert off_the_clock("From 9:30 am to 12 pm, then at 7 o'clock; 14 apples") is None


def test_a_unit_conversion_the_text_states_must_hold():
    """The audit of a8ece2f (2278): "2 hours=120 minutes" was tied to the $120 of the long walks, so a
    variant wrote "1 hours=180 minutes"; 1246 wrote "27 hours or 1 day"."""
    from filters.calculator import false_conversion

    assert false_conversion("Thus, he has 4-3=1 hours=180 minutes left") == "1 hours=180 minutes"
    assert false_conversion("20 + 7 = <<20+7=27>>27 hours or 1 day") == "27 hours or 1 day"
    for right in ("4-2=2 hours=120 minutes", "3 feet = 36 inches", "1.5 hours is 90 minutes", "5 dollars = 500 cents"):
        assert false_conversion(right) is None
    assert false_conversion("90 minutes = 1 hour 30 minutes and 2 * 30 minutes = 1 hour") is None
    assert false_conversion("There are 2 sets of 32 minutes in an hour") == "2 sets of 32 minutes in an hour"
    assert false_conversion("There are 4 periods of 15 minutes in an hour") is None
