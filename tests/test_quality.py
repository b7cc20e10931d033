"""Quality checks name their reason; the answer policy is configurable."""

import pytest

from filters.quality import QualityPolicy, check_quality

GOOD_Q = "Natalia sold clips to 48 of her friends in April. How many clips did she sell in April and May?"
GOOD_A = "She sold 48/2 = <<48/2=24>>24 in May and 48+24 = <<48+24=72>>72 in all.\n#### 72"


@pytest.mark.parametrize(
    "question, answer, reason",
    [
        (GOOD_Q, GOOD_A, None),
        ("", GOOD_A, "quality:empty"),
        ("How many clips?", GOOD_A, "quality:too-short"),
        (GOOD_Q + " word" * 400, GOOD_A, "quality:too-long"),
        ("Natalia sold clips to 48 of her friends in April and half as many in May.", GOOD_A, "quality:no-question"),
        (GOOD_Q + " The answer is 72.", GOOD_A, "quality:answer-leak"),
        (
            GOOD_Q,
            "She sold 48 clips in April and more in May. She sold 48 clips in April and more in May.\n#### 72",
            "quality:repeated-sentences",
        ),
        (
            "Наталья продала заколки 48 друзьям в апреле. Сколько заколок она продала за апрель и май всего?",
            GOOD_A,
            "quality:non-english",
        ),
        (GOOD_Q, "She sold many clips.\n#### many", "quality:final-not-number"),
        (GOOD_Q, "She returned more than she sold: 24 - 48 = <<24-48=-24>>-24.\n#### -24", "quality:negative-answer"),
        (GOOD_Q, "Half of 45 is 45/2 = <<45/2=22.5>>22.5.\n#### 22.5", "quality:non-integer-answer"),
    ],
    ids=[
        "good",
        "empty",
        "short",
        "long",
        "no-question",
        "leak",
        "repeated",
        "non-english",
        "final-not-number",
        "negative",
        "non-integer",
    ],
)
def test_quality_checks_name_their_reason(question, answer, reason):
    assert check_quality(question, answer) == reason


def test_answer_policy_is_configurable():
    relaxed = QualityPolicy(allow_negative=True, allow_non_integer=True)
    assert check_quality(GOOD_Q, "Half of 45 is 45/2 = <<45/2=22.5>>22.5.\n#### 22.5", relaxed) is None
    with pytest.raises(ValueError):
        QualityPolicy(min_question_words=0)
