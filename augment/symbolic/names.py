"""Person names for the rename variant: find them in a problem and swap them consistently.

Names are swapped only within one gender list (or among neutral names), so every "he",
"her" and "his" in the problem and solution stays right without rewriting pronouns.
Names that are also ordinary words or months (May, Grace, Miles, Bill as in "the bill"
at a sentence start) are left out on purpose, and a name is swapped only where the text
treats it as one person of its list's gender (`swappable_names`).
"""

from __future__ import annotations

import re

FEMALE = tuple(
    """
Abby Abigail Ada Addison Alice Alicia Alyssa Amanda Amber Amelia Amy Ana Andrea Angela Anna Anne Annie Ariana
Ashley Aubrey Audrey Ava Barbara Beatrice Becky Bella Beth Betty Bonnie Brenda Brianna Brittany Brooke Camila Carla
Carmen Carol Caroline Carrie Cassandra Catherine Charlotte Chelsea Chloe Christina Cindy Claire Clara Claudia Colleen
Cynthia Daniela Danielle Debbie Deborah Denise Diana Diane Donna Dora Doris Dorothy Eileen Elaine Eleanor Elena
Elisa Elizabeth Ella Ellen Ellie Eloise Elsa Emily Emma Erica Erin Esther Eva Evelyn Fiona Florence Gabriela Gemma
Georgia Gianna Gina Gloria Hailey Hannah Harper Hazel Heather Helen Holly Irene Isabel Isabella Jackie Jacqueline Jade
Jane Janet Janice Jasmine Jenna Jennifer Jenny Jessica Jill Joan Joanna Jocelyn Josephine Judy Julia Julie Karen
Kate Katherine Katie Kayla Kelly Kendra Kimberly Kylie Laura Lauren Layla Leah Lena Lila Lily Linda Lisa Lola Lucia
Lucy Luna Lydia Madeline Madison Maria Marie Marissa Martha Mary Maya Megan Melanie Melissa Mia Michelle Mila
Miranda Molly Monica Nadia Nancy Naomi Natalie Natalia Nicole Nina Nora Olivia Paige Pamela Patricia Paula Peggy
Penelope Phoebe Priya Rachel Rebecca Regina Rita Rosa Ruby Ruth Sabrina Sally Samantha Sandra Sara Sarah Scarlett
Shannon Sharon Sheila Sofia Sophia Sophie Stella Stephanie Susan Sylvia Talia Tamara Tanya Tara Teresa Tiffany
Tina Tracy Valerie Vanessa Veronica Victoria Violet Vivian Wendy Yasmin Yolanda Zoe
""".split()
)
MALE = tuple(
    """
Aaron Adam Adrian Aiden Alan Albert Alex Alexander Andrew Andy Anthony Arthur Austin Ben Benjamin Bernard Bob
Bobby Brad Brandon Brent Brian Bruce Bryan Caleb Calvin Carl Carlos Charles Chris Christian Christopher Colin Connor
Craig Daniel Darius David Dean Dennis Derek Diego Dominic Donald Douglas Dylan Eddie Edward Eli Elijah Eric Ethan
Evan Felix Frank Fred Gabriel Gary George Gerald Gordon Greg Harold Harry Henry Hugo Ian Isaac Ivan Jack Jacob
Jake James Jason Jeff Jeremy Jerome Jerry Jesse Jim Jimmy Joe Joel John Johnny Jonathan Jose Joseph Josh Joshua
Juan Julian Justin Karl Keith Ken Kenneth Kevin Kyle Lance Larry Leo Leon Leonard Liam Logan Louis Lucas Luis Luke
Malik Manuel Marco Marcus Mario Martin Mason Matt Matthew Michael Mike Miguel Nathan Neil Nick Noah Oliver Omar
Oscar Owen Patrick Paul Pedro Peter Phil Philip Rafael Ralph Randy Raymond Ricardo Richard Rick Robert Roger Ron
Ronald Roy Russell Ryan Samuel Scott Sean Sebastian Simon Stan Stephen Steve Steven Ted Theo Thomas Tim Timothy Toby
Todd Tom Tommy Tony Travis Trevor Tyler Victor Vincent Walter Wayne Wesley William Xavier Zach Zachary
""".split()
)
NEUTRAL = tuple("Jordan Taylor Casey Jamie Alexis Riley Morgan Quinn Avery Cameron Dakota Skyler Rowan Sasha".split())
GROUPS = {"female": FEMALE, "male": MALE, "neutral": NEUTRAL}
GENDER = {name: group for group, names in GROUPS.items() for name in names}
_CAPITALIZED_RE = re.compile(r"(?<!-)\b[A-Z][a-z]+\b(?!-)")  # not "Jo-Bob"
# Capitalised words that may stand right before a person's name without making it part of another
# proper noun ("Uncle Jude", "On Monday Tiffany"); any other does ("San Diego", "Santa Monica").
_TITLES_AND_DATES = frozenset(
    """
Mr Mrs Ms Miss Dr Uncle Aunt Auntie Grandma Grandpa Granny Nana Farmer Coach Professor Mister Captain Officer Sir
Lady Cousin Brother Sister Pastor Nurse Chef Judge Doctor Teacher Principal Baby Little Saint St Monday Tuesday
Wednesday Thursday Friday Saturday Sunday January February March April June July August September October November
December
""".split()
)
_NEXT_CAPITALISED_RE = re.compile(r" ([A-Z][a-z]+)\b")
_CAPITALISED_BEFORE_RE = re.compile(r"[^\s.!?:\"] ([A-Z][a-z]+) $")  # inside a sentence, right before
_PRONOUN_GENDER = dict.fromkeys(("he", "him", "his", "himself"), "male") | dict.fromkeys(
    ("she", "her", "hers", "herself"), "female"
)
_PRONOUN_OR_CAPITALISED_RE = re.compile(
    r"\b(?:" + "|".join(_PRONOUN_GENDER) + r"|He|Him|His|She|Her)\b|\b[A-Z][a-z]+\b"
)
_SENTENCE_OPENING_RE = re.compile(r"(?:^|[.!?:\"])\s*$")


def find_names(text: str) -> list[str]:
    """Known person names in `text`, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _CAPITALIZED_RE.finditer(text):
        if match.group(0) in GENDER:
            seen.setdefault(match.group(0))
    return list(seen)


def name_pattern(name: str) -> re.Pattern:
    return re.compile(rf"(?<!-)\b{re.escape(name)}\b(?!-)")


def swappable_names(text: str) -> list[str]:
    """The names a rename may swap within their gender list: not part of a longer proper noun ("Taylor
    Swift", "San Diego", "Mario Kart"), never also written otherwise (a source's "William" and "Williams",
    "Natalia" and "Natalie", "Marta" and "Martha", "Tony" and "tony" are one person), and not referred to by a pronoun of the
    other gender ("Alex ... her", or a source's slip, "Sara puts them in his refrigerator")."""
    words = set(_CAPITALIZED_RE.findall(text))  # "Marta" is in no list, yet "Martha" is her
    return [
        name
        for name in find_names(text)
        if not _in_proper_noun(text, name)
        and not re.search(rf"\b(?:{re.escape(name)}s|{re.escape(name.lower())})\b", text)
        and not any(other != name and _spelled_alike(name, other) for other in words)
        and _pronouns_agree(text, name)
    ]


def _spelled_alike(name: str, other: str) -> bool:
    return name[:4] == other[:4] and abs(len(name) - len(other)) <= 2


def _in_proper_noun(text: str, name: str) -> bool:
    for mention in name_pattern(name).finditer(text):
        after = _NEXT_CAPITALISED_RE.match(text, mention.end())
        if after and after.group(1) not in GENDER and after.group(1) != "I":
            return True
        before = _CAPITALISED_BEFORE_RE.search(text, 0, mention.start())
        if before and before.group(1) not in _TITLES_AND_DATES and before.group(1) not in GENDER:
            return True
    return False


def _pronouns_agree(text: str, name: str) -> bool:
    said = _pronoun_gender(text, name)
    return said is None or GENDER[name] in ("neutral", said)


def _pronoun_gender(text: str, name: str) -> str | None:
    """The gender of the first he/she pronoun after the name's first mention, or None once someone else
    (a known name, or a capitalised word inside a sentence) may be meant."""
    first = name_pattern(name).search(text)
    if first is None:
        return None
    for word in _PRONOUN_OR_CAPITALISED_RE.finditer(text, first.end()):
        if word.group(0).lower() in _PRONOUN_GENDER:
            return _PRONOUN_GENDER[word.group(0).lower()]
        if word.group(0) in GENDER or (
            word.group(0) not in _TITLES_AND_DATES
            and word.group(0) != "I"
            and not _SENTENCE_OPENING_RE.search(text, 0, word.start())
        ):
            return None
    return None
