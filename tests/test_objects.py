"""Rename swaps everyday things too: one member of a kind for another, in question and solution alike,
with its article and capitalisation; never a second sense of the word, never two things into one."""

import numpy as np

from augment.symbolic.objects import mentioned, swap_things, swappable


def swapped(question: str, answer: str = "", seed: int = 1):
    return swap_things(question, answer, np.random.default_rng(seed))


def test_a_thing_is_swapped_everywhere_with_its_article_and_case():
    question, answer, chosen = swapped("Sara buys an apple and 3 apples.", "Apples cost $2. An apple is $1.")
    assert chosen and set(chosen) == {"apples"}
    new = chosen["apples"]
    singular = new[:-2] if new.endswith("oes") else new[:-1]
    article = "an" if singular[0] in "aeiou" else "a"
    assert question == f"Sara buys {article} {singular} and 3 {new}."
    assert answer == f"{new.capitalize()} cost $2. {article.capitalize()} {singular} is $1."


def test_two_things_of_one_kind_and_names_stay():
    assert swapped("Tom has 3 apples and 2 pears.") == ("Tom has 3 apples and 2 pears.", "", {})
    assert mentioned("She works at Apple with 3 cookies.") == {"baked good": {0}}
    assert not swappable("The orange car and the pig pen hold 3 marbles.")  # no second senses


def test_rename_reaches_sources_without_people(shipped_templates):
    from augment.symbolic.variants import renameable

    named = sum(bool(t.names) for _, t in shipped_templates)
    assert sum(renameable(t) for _, t in shipped_templates) > named


def test_a_swapped_thing_follows_into_capitalised_mentions():
    """The audit of aec0746 (6162): "pencils" became "crayons" but the solution kept "(Pencil Price)"."""
    question, answer, chosen = swapped("He sold 20 pencils.", "20(Pencil Price) = 80")
    assert "Pencil" not in answer and chosen["pencils"].capitalize()[:-1] in answer


def test_a_thing_inside_a_longer_word_is_not_swapped():
    """The audit of aec0746 (5798): the apples became mangoes, and "applesauce" stayed."""
    question = "He saves the bruised apples to make applesauce and eats 3 apples."
    assert swapped(question) == (question, "", {})
    assert not swappable("She has 4 apples and a pineapple.")
    assert swappable("She has 4 apples.")


def test_beads_and_stickers_are_not_swapped():
    """The audits of 16675e4 (6926, 6064): a necklace "strung from amethyst stickers"."""
    assert not swappable("She strings 6 amethyst beads and 12 turquoise beads on a necklace.")
