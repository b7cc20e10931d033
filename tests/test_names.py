"""Rename swaps a name only where the text treats it as one person of its list's gender."""

import numpy as np

from augment.symbolic.names import swappable_names


def test_a_name_inside_a_longer_proper_noun_is_not_a_person_to_swap():
    assert swappable_names("Jenna is making a costume for her role in Oliver Twist.") == ["Jenna"]
    assert swappable_names("There are 20 surfers in Santa Monica beach.") == []
    assert swappable_names("Jack is mad at his neighbors for blasting Taylor Swift all night.") == ["Jack"]
    assert swappable_names("Uncle Peter gave 15 cookies to Tim. On Monday Tiffany ate 3.") == [
        "Peter",
        "Tim",
        "Tiffany",
    ]


def test_a_name_the_source_also_writes_with_a_bare_s_stays():
    """The audit of 3a13d73 (2043): "William" became Leon, and the source's typo "Williams" stayed."""
    text = "William read 6 books and Brad read thrice as many. This month, Williams read twice as much as Brad."
    assert swappable_names(text) == ["Brad"]


def test_a_name_whose_pronoun_is_of_the_other_gender_stays():
    """The audit of aec0746 (542): "Sara ... his refrigerator" renamed to "Zoe ... his"."""
    assert swappable_names("Every day, Sara bakes 10 cakes and puts them in his refrigerator.") == []
    assert swappable_names("Alex is working on a project in a park near her house.") == []
    assert swappable_names("Alex is working on a project in a park near his house.") == ["Alex"]
    assert swappable_names("Mike is 16. His sister Barbara is half as old as he is.") == ["Mike"]
    assert swappable_names("Cameron is printing her thesis.") == ["Cameron"]  # neutral names carry no gender


def test_rename_leaves_a_misgendered_name_as_written(train_rows):
    from augment.symbolic.annotated import parse_annotated, to_annotated
    from augment.symbolic.compiled import CompiledTemplate
    from augment.symbolic.template import derive_template
    from augment.symbolic.variants import rename

    row = train_rows[542]
    template = CompiledTemplate(parse_annotated(*to_annotated(derive_template(row["question"], row["answer"]))))
    sample = template.sample(np.random.default_rng(2), 1)[0]
    made = rename(template, sample, np.random.default_rng(3))
    assert "Sara" in made.question and "his refrigerator" in made.question


def test_a_name_the_source_spells_two_ways_stays():
    """The audits of a8ece2f and edd36c7: "Natalia ... did Natalie ride" (1895), "Tony ... will tony be" (637),
    "Marta ... If Martha wants" (6306; "Marta" is in no name list)."""
    assert swappable_names("Natalia rode 40 km on Monday. How far did Natalie ride?") == []
    assert swappable_names("His brother Tony is half Jacob's age. How old will tony be?") == ["Jacob"]
    assert swappable_names("Marta is weighing fruit. If Martha wants 3 bags, how many apples?") == []  # 6306


def test_a_name_inside_a_hyphenated_name_is_not_a_person():
    assert swappable_names("Jo-Bob hopped into the hot air balloon.") == []
