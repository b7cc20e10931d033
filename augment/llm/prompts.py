"""Prompt templates (files in `prompts/`) rendered into chat messages; few-shot examples from train.

Every worked example below is a GSM8K train problem (train rows 0, 1, 2, 3 and 6) or a
rewrite of one; nothing here comes from, or resembles, the test split.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

SOLVE_EXAMPLES = [  # GSM8K train rows 0, 1 and 3, verbatim
    (
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips "
        "did Natalia sell altogether in April and May?",
        "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April "
        "and May.\n#### 72",
    ),
    (
        "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she "
        "earn?",
        "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n"
        "#### 10",
    ),
    (
        "Julie is reading a 120-page book. Yesterday, she was able to read 12 pages and today, she read twice as many "
        "pages as yesterday. If she wants to read half of the remaining pages tomorrow, how many pages should she read?",
        "Julie read 12 x 2 = <<12*2=24>>24 pages today.\nSo she was able to read a total of 12 + 24 = <<12+24=36>>36 "
        "pages since yesterday.\nThere are 120 - 36 = <<120-36=84>>84 pages left to be read.\nSince she wants to read "
        "half of the remaining pages tomorrow, then she should read 84/2 = <<84/2=42>>42 pages.\n#### 42",
    ),
]
EXAMPLES = {
    "rephrase": {
        "example_question": SOLVE_EXAMPLES[0][0],
        "example_rewrite": "In April, Natalia sold clips to 48 of her friends. In May she sold half as many clips as "
        "in April. What is the total number of clips Natalia sold in April and May?",
    },
    "backward": {
        "example_question": SOLVE_EXAMPLES[1][0],
        "example_hidden": "12",
        "example_answer": "10",
        "example_rewrite": "Weng earns $X an hour for babysitting. Yesterday she babysat for 50 minutes and earned "
        "$10. What is the value of X?",
    },
    "harder": {  # train row 2
        "example_question": "Betty is saving money for a new wallet which costs $100. Betty has only half of the money "
        "she needs. Her parents decided to give her $15 for that purpose, and her grandparents twice as much as her "
        "parents. How much more money does Betty need to buy the wallet?",
        "example_rewrite": "Betty is saving money for a new wallet which costs $100 and a purse which costs $20. Betty "
        "has only half of the money she needs for the wallet. Her parents decided to give her $15 for that purpose, "
        "and her grandparents twice as much as her parents. How much more money does Betty need to buy both?",
    },
    "distractor": {  # train row 6
        "example_question": "Albert is wondering how much pizza he can eat in one day. He buys 2 large pizzas and 2 "
        "small pizzas. A large pizza has 16 slices and a small pizza has 8 slices. If he eats it all, how many pieces "
        "does he eat that day?",
        "example_rewrite": "Albert is wondering how much pizza he can eat in one day. He buys 2 large pizzas and 2 "
        "small pizzas. A large pizza has 16 slices and a small pizza has 8 slices. His sister bought 3 pizzas last "
        "week. If he eats it all, how many pieces does he eat that day?",
    },
    "program": {
        "example_question": SOLVE_EXAMPLES[0][0],
        "example_program": "def solution():\n    april = 48\n    may = april / 2\n    return april + may",
    },
}

# the few-shot examples' people and month: in a question written for another source, a copy of the example
EXAMPLE_WORDS = ("Natalia", "Weng", "Julie", "Betty", "Albert", "April")


@lru_cache(maxsize=None)
def template(name: str) -> str:
    return (resources.files("augment.llm") / "prompts" / f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, **fields) -> list[dict]:
    """Chat messages for one prompt, by template name: solve, program, judge, or a method's `prompt`."""
    if name == "solve":
        fields["examples"] = "\n\n".join(f"Question: {q}\nAnswer: {a}" for q, a in SOLVE_EXAMPLES)
    text = template(name).format(**(EXAMPLES.get(name, {}) | fields))
    return [{"role": "user", "content": text.strip()}]
