"""Person names for the rename variant: find them in a problem and swap them consistently.

Names are swapped only within one gender list (or among neutral names), so every "he",
"her" and "his" in the problem and solution stays right without rewriting pronouns.
Names that are also ordinary words or months (May, Grace, Miles, Bill as in "the bill"
at a sentence start) are left out on purpose.
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
_CAPITALIZED_RE = re.compile(r"\b[A-Z][a-z]+\b(?!-)")


def find_names(text: str) -> list[str]:
    """Known person names in `text`, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _CAPITALIZED_RE.finditer(text):
        if match.group(0) in GENDER:
            seen.setdefault(match.group(0))
    return list(seen)


def name_pattern(name: str) -> re.Pattern:
    return re.compile(rf"\b{re.escape(name)}\b(?!-)")
