"""Soundness where a solution number is tied BY VALUE to a stated number that counts another noun
(issue 10, the audit of 6f812ba): "Mike gets 2 parts" is not the "2 business partners". Such a tie
may be a coincidence, so both readings are frozen; never untied (an untied literal that should have
followed would make a wrong answer)."""

from augment.symbolic.nouns import noun_after
from tests.test_soundness_ambiguity import renumbered, skip_reason


def test_what_a_number_counts_is_the_words_after_it():
    assert noun_after("among 2 business partners, Mike", 8) == {"business", "partner"}
    assert noun_after("4 siblings * 2 suitcases each", 1) == noun_after("a sibling", 1) == {"sibling"}
    assert noun_after("Each meal costs $4.00.", 21, 17) == noun_after("it is 4 dollars", 7) == {"$"}
    assert noun_after("20% more", 2) == {"percent"}
    assert noun_after("2 boxes", 1) == noun_after("2 box", 1) == {"box"}
    assert noun_after("6 berries", 1) == noun_after("a berry", 1) and noun_after("8 ft", 1) == noun_after("8 feet", 1)
    assert noun_after("2 * 3 = 6", 1) is None and noun_after("3 each day", 1) is None


def test_a_ratio_part_is_not_the_count_of_partners(train_rows):
    """16: the ratio's "2 parts" equals "2 business partners" only by chance: the 2 stays 2."""
    for values, made in renumbered(train_rows[16]):
        assert "2 business partners" in made.question and "gets 2 parts" in made.answer
        assert made.final == 2 * values["n2"] / 5 - values["n3"]


def test_a_fixed_speed_is_not_the_seconds_of_the_same_value(train_rows):
    """4729: "10 feet per second" (fixed) and "another 10 seconds": the solution's 10 * 10 keeps both."""
    for values, made in renumbered(train_rows[4729]):
        assert "another 10 seconds" in made.question
        assert made.final == 15 * values["n1"] + 100


def test_toes_per_hand_are_not_the_races_of_beings(train_rows):
    """6511: "2 toes on each of their 5 hands" is not the "two races": the count of races stays two."""
    for values, made in renumbered(train_rows[6511]):
        assert "two races" in made.question and "2 toes on each" in made.question
        assert "their 4 hands" in made.question  # hands per being are kept as written
        assert made.final == 3 * 4 * values["n4"] + 10 * values["n5"]


def test_the_top_floors_are_not_the_units_per_floor(train_rows):
    """3212: "the top 2 floors" (fixed) and "only 2 units": the solution's 2 * 2 keeps the units at 2."""
    for values, made in renumbered(train_rows[3212]):
        assert "only 2 units" in made.question and "top 2 floors" in made.question
        assert made.final == values["n2"] * (values["n1"] - 2) + 4


def test_legs_per_table_are_not_the_tables(train_rows):
    """799: "3 tables with 3 legs each" (legs fixed): with the tables' 3 frozen too, nothing varies."""
    assert skip_reason(train_rows[799]) == "no-variable-numbers"
