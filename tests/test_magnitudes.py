"""Magnitudes stay plausible (issue 10, item 3): world constants as written, caps by kind, results in scale.

Each class the blind audits judged implausible has a test on the train row it was seen on: a ton of
3600 lb, 8-point touchdowns, 37 paychecks a year, a 366-year-old sister, 2-minute miles, 20 hours of
practice a day.
"""

import re
from fractions import Fraction

import numpy as np
import pytest

from augment.symbolic.annotated import parse_annotated, to_annotated
from augment.symbolic.compiled import CompiledTemplate
from augment.symbolic.magnitudes import BANDS, KINDS, kind_of, plausible_domain
from augment.symbolic.quantities import question_quantities
from augment.symbolic.relations import SCALE
from augment.symbolic.template import derive_template, domain_for
from augment.symbolic.ties import TemplateSkip


def variants(row: dict, count: int = 40) -> list[tuple[str, str, Fraction]]:
    template = CompiledTemplate(parse_annotated(*to_annotated(derive_template(row["question"], row["answer"]))))
    found = template.sample(np.random.default_rng(0), count)
    assert found, "no variant at all"
    return [(*template.render(sample), template.final(sample)) for sample in found]


def numbers_after(pattern: str, text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(pattern, text)]


@pytest.mark.parametrize(
    ("index", "phrase"),
    [
        (1839, "a ton is 2000 pounds"),
        (7324, "touchdown is worth 7 points and a field goal is worth 3 points"),
        (1595, "three-point baskets"),
        (7301, "26 paychecks per year"),
        (4254, "fever is anything over 100 degrees"),
        (5447, "reaches 212 degrees"),
        (1301, "3 sided shower"),
        (6363, "basketball hoop is 10 feet"),
        (2650, "worth two dollars"),
        (4935, "3,500 calories in a pound"),
    ],
)
def test_world_constants_stay_as_written(train_rows, index, phrase):
    """A ton of 3600 lb, 8-point touchdowns, 37 paychecks, water boiling at 174, an 8-walled shower."""
    for question, _, _ in variants(train_rows[index]):
        assert phrase in question


def test_a_calendar_year_moves_by_years_not_centuries(train_rows):
    """Train 3951: "It's currently 2326" made the sister 366 years old."""
    for question, _, answer in variants(train_rows[3951]):
        assert all(2011 <= int(year) <= 2031 for year in numbers_after(r"currently (\d+)", question))
        assert answer < 100  # an age a person lives to


def test_a_mile_is_never_run_faster_than_four_minutes(train_rows):
    """Train 5326: renumbered to 2-minute miles."""
    for question, _, _ in variants(train_rows[5326]):
        assert all(int(m) >= 4 for m in numbers_after(r"miles? in (\d+) minutes", question))


def test_every_result_stays_within_the_scale_of_its_original(train_rows):
    """Train 212: 5 hours of practice a day became 20; every positive result stays within SCALE times."""
    row = train_rows[212]
    original = Fraction(row["answer"].rsplit("####", 1)[1].strip())
    for _, _, answer in variants(row):
        assert original / SCALE <= answer <= original * SCALE


@pytest.mark.parametrize(
    ("question", "number", "kind"),
    [
        ("A YouTube video is 3 hours long. How long are 4 of them?", "3", "one media item's hours"),
        ("In a classroom of 30 students, 12 are boys. How many are girls?", "30", "class size"),
        ("A bus has 20 rows of 4 seats. How many seats are there?", "4", "seats in a row"),
        ("Each dog gives birth to 6 puppies. How many puppies do 3 dogs have?", "6", "young per litter"),
        ("A movie ticket costs $12. How much do 3 tickets cost?", "12", "movie ticket price"),
        ("Kelsey was born in 1999. It's currently 2021. How old is she?", "2021", "calendar year"),
        ("A cup is 8 ounces. How many ounces are in 3 cups?", "8", "unit conversions"),
        ("There are 16 ounces in a pound. How many ounces are in 4 pounds?", "16", "unit conversions"),
        ("She gets paid every two weeks, 26 paychecks a year. How many in 2 years?", "26", "paychecks a year"),
        ("Each euro is worth 2 dollars. How many dollars are 45 euros?", "2", "exchange rates"),
    ],
)
def test_the_words_around_a_number_name_its_kind(question, number, kind):
    quantity = next(q for q in question_quantities(question) if q.text == number)
    found = kind_of(question, quantity)
    assert found is not None and found.name == kind


def test_a_number_of_no_named_kind_keeps_its_band():
    question = "Sam has 30 apples and buys 12 more. How many apples does he have?"
    assert all(kind_of(question, q) is None for q in question_quantities(question))


def test_the_card_lists_every_kind():
    for kind in KINDS:
        assert kind.describe() in BANDS


@pytest.mark.parametrize("index", [4510, 1006])
def test_a_parent_is_at_least_sixteen_at_a_childs_birth(train_rows, index):
    """Train 4510: parents who were 13 when Mark was born; 1006: a mother of 94 at Jayson's birth."""
    for _, _, answer in variants(train_rows[index]):
        assert 16 <= answer <= 60


def test_notes_take_real_denominations_and_a_marriage_age_is_adult(train_rows):
    """Train 5243: a "16£ bill"; 995: Calvin marrying at 15."""
    row = train_rows[5243]
    assert "sample([1, 5, 10, 20, 50, 100])" in derive_template(row["question"], row["answer"]).init.values()
    for question, _, _ in variants(train_rows[995]):
        assert all(int(n) >= 18 for n in numbers_after(r"when \w+ turned (\d+)", question))


def test_a_persons_height_asked_stays_human(train_rows):
    """Train 1318: Charlene 194 cm, Pablo 314 cm, Abigail 312 cm."""
    for _, _, answer in variants(train_rows[1318]):
        assert answer <= 215


def test_a_bill_written_in_words_takes_real_denominations(train_rows):
    """The audits of 16675e4: "20 dollar bills" became "12 dollar bills" (5164) and "a 34 dollar bill" (6687)."""
    for question, _, _ in variants(train_rows[5164]):
        bills = re.findall(r"(\d+) dollar bill", question)
        assert bills and all(int(b) in (1, 5, 10, 20, 50, 100) for b in bills), question
    question = train_rows[6687]["question"]
    twenty = next(q for q in question_quantities(question) if q.value == 20)
    assert kind_of(question, twenty).name == "bill"


# --- second round: the classes the audits of 58d68c7 still judged implausible -------------------------


def test_a_stated_number_of_no_kind_stays_within_the_general_band():
    """Half to twice let a 700-lb lift reach 1,400; the band is now 2/3..3/2, yet a small count still moves."""
    question = "Sam has 30 apples and buys 12 more. How many apples does he have?"
    assert _band_values(question, "30") == (20, 45)
    low, high = _band_values("Sam has 3 apples and buys 12 more. How many apples does he have?", "3")
    assert low <= 2 and high >= 5


def _band_values(question: str, number: str) -> tuple[Fraction, Fraction]:
    quantity = next(q for q in question_quantities(question) if q.text == number)
    low, high = re.match(r"range\((\d+), (\d+)", plausible_domain(question, [quantity], domain_for(quantity))).groups()
    return Fraction(low), Fraction(high) - 1


@pytest.mark.parametrize(
    ("index", "pattern", "largest"),
    [
        (3376, r"(\d+) for squat", 700),  # a 900-lb squat and an 1100-lb deadlift for a casual lifter
        (3376, r"(\d+) for deadlift", 800),
        (1688, r"([\d.]+) pints", 9.5),  # 17 pints drunk in a day
        (7058, r"her (\d+) (?:sisters|brothers)", 8),  # 20 siblings
        (2791, r"adult and (\d+) children", 6),  # one family with 1 adult and 12 children
        (5675, r"won (\d+) games", 70),  # an NBA team winning 100 of 82 games
        (5677, r"type (\d+) words", 120),  # 180 words a minute for 90 minutes
        (2818, r"(\d+) (?:marks )?in (?:science|music|social)", 100),  # 119 marks in social studies
        (7035, r"(?:has an?|got an?) (\d+)", 100),  # grades of 144 and 150 in a class
        (5448, r"ran (\d+) miles", 20),  # 36 miles run in 2 hours
        (3763, r"eats (\d+) of", 50),  # one person eating 100 pies
        (19, r"bike at (\d+) mph", 25),  # 30 mph sustained on a commute
    ],
)
def test_feats_family_counts_and_limits_stay_within_reach(train_rows, index, pattern, largest):
    """The audits of 58d68c7: feats and records never rise above the source's own, marks stay within 100."""
    for question, _, _ in variants(train_rows[index]):
        found = numbers_after(pattern, question)
        assert found and all(float(n) <= largest for n in found), question


def test_a_deadlift_grown_by_a_percentage_stays_the_sources(train_rows):
    """Train 7192: 100 lb more than 250% of 300 reached 1,270 lb at 20, above the world record."""
    for question, _, _ in variants(train_rows[7192]):
        lift, percent = (
            int(numbers_after(r"deadlift (\d+) pounds", question)[0]),
            int(numbers_after(r"(\d+)%", question)[0]),
        )
        assert lift * percent / 100 + 100 <= 850


@pytest.mark.parametrize(
    ("index", "number", "largest"),
    [(2179, "45", 59), (4290, "180", 215)],
)
def test_every_mention_of_a_number_limits_it(train_rows, index, number, largest):
    """Train 2179: "45 minutes long ... 1 hour and 45 minutes" gave "1 hour and 60 minutes": the second
    mention's kind limits the number too. Train 4290: a 330-cm brother."""
    question = train_rows[index]["question"]
    mentions = [q for q in question_quantities(question) if q.text == number]
    domain = plausible_domain(question, mentions, domain_for(mentions[0]))
    high = Fraction(re.match(r"range\([\d.]+, ([\d.]+)", domain).group(1))
    assert high - 1 <= largest


def test_grades_stay_within_100(train_rows):
    """Train 5216: tests earning 124, 53, 167 and 150; 7035: Ahmed needing 183 on the final assignment."""
    for question, _, _ in variants(train_rows[5216]):
        assert all(int(n) <= 100 for n in re.findall(r"\d+", question.split("What")[0])[1:]), question
    for _, _, answer in variants(train_rows[7035]):
        assert answer <= 100


def test_a_year_a_date_names_moves_by_years(train_rows):
    """Train 3282: "It's February 2021" became February 2435 and 2754."""
    for question, _, _ in variants(train_rows[3282]):
        assert all(2011 <= int(year) <= 2031 for year in numbers_after(r"February (\d+)", question))


@pytest.mark.parametrize(
    ("index", "phrase"),
    [
        (4290, "minimum height to ride the roller coaster is 140 cm"),
        (1553, "11 players start"),
        (597, "should hold 52 cards"),
    ],
)
def test_facts_of_the_real_world_stay_as_written(train_rows, index, phrase):
    """Kingda Ka's minimum height of 80 cm (4290); 10 soccer starters (1553); a deck of 58 cards (597)."""
    row = train_rows[index]
    try:
        found = variants(row)
    except TemplateSkip:  # nothing else in the story varies: no variant at all is fine
        return
    for question, _, _ in found:
        assert phrase in question


def test_a_scrabble_letter_is_worth_at_most_ten(train_rows):
    """Train 2726: a middle letter worth 14 before the word score was tripled."""
    for _, _, answer in variants(train_rows[2726]):
        assert answer <= 10


@pytest.mark.parametrize(
    ("question", "number", "kind"),
    [
        ("The first half saw 11 players start the game. How many sat out?", "11", "players starting a game"),
        (
            "The minimum height to ride is 140 cm. Ann is 120 cm. How much must she grow?",
            "140",
            "a ride's height limit",
        ),
        ("The podcast was 1 hour and 45 minutes long. How many minutes is it?", "45", "minutes past the hour"),
        ("She was there 12 days a month for 3 months. How many days?", "12", "days in a month"),
        ("A duck flies 40 days during winter. How many weeks is that?", "40", "days in a season"),
        ("Ann scored 70 marks in science. How many did she lose?", "70", "test marks or grades"),
        ("Ahmed has a 91 in the class. How far is he from 100?", "91", "test marks or grades"),
        ("Tim can bike at 25 mph. How far in 2 hours?", "25", "speed of a person on foot or by bike"),
        ("Tom can type 90 words a minute. How long for 450 words?", "90", "typing or reading speed"),
        ("He can deadlift 300 pounds at 13. How much at 14?", "300", "weight a person lifts"),
        (
            "Jack cycles 50 miles to the store. How far is the round trip?",
            "50",
            "distance a person covers on foot or by bike",
        ),
        ("Eli drank 8 pints of coffee. How many cups is that?", "8", "what one person eats or drinks"),
        ("She has 6 sisters and 2 cats. How many sisters?", "6", "members of a family"),
        ("The house has 5 bedrooms. How many beds?", "5", "rooms of a home"),
        ("The Bulls won 70 games. How many did they lose?", "70", "games won"),
        ("He sold apples at $5 per kg. How much for 3 kg?", "5", "price per weight"),
    ],
)
def test_the_new_kinds_are_named_by_their_words(question, number, kind):
    quantity = next(q for q in question_quantities(question) if q.text == number)
    found = kind_of(question, quantity)
    assert found is not None and found.name == kind
