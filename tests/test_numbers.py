"""Numbers in text: digits and words, hyphens apart from subtraction."""

from filters.numbers import find_numbers, number_values, parse_number_words


def test_number_parsing_keeps_hyphens_and_subtraction_apart():
    values = [m.value for m in find_numbers("a 5-year-old paid 75-55 dollars, then -5 degrees, 3rd place")]
    assert values == [5, 75, 55, -5]
    assert number_values("forty-two apples and 3 pears") == [42, 3]
    assert parse_number_words("two hundred and five") == 205
