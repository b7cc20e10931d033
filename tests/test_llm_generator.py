"""The LLM generator: accept/reject logic on real (tiny-model) and realistic recorded outputs."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from conftest import FIXTURES

from augment.config import LLMConfig
from augment.llm.engines import Request
from augment.llm.generator import LLMGenerator, clean_question, clean_solution, foreign_text
from augment.plan import TASK_SCHEMA
from augment.stages import apply_stage
from augment.verification import VerifyPolicy, verify_stage

pytestmark = pytest.mark.slow


def tasks_frame(rows: list[tuple[int, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(i, source, 0, method, 1000 + i) for i, (source, method) in enumerate(rows)], schema=TASK_SCHEMA, orient="row"
    )


METHODS = ["rephrase", "resolve", "llm_backward", "harder", "distractor"]


def test_nonsense_from_the_tiny_model_is_rejected_with_reasons(vllm_engine, cpu_config, train_rows):
    sources = pl.DataFrame(
        {
            "source_index": range(10),
            "question": [r["question"] for r in train_rows[:10]],
            "answer": [r["answer"] for r in train_rows[:10]],
        }
    )
    generator = LLMGenerator(cpu_config, sources, {}, engine=vllm_engine)
    tasks = tasks_frame([(i % 10, METHODS[i % 5]) for i in range(20)])
    candidates = generator.generate_stage(tasks)
    assert candidates.height == 20
    kept, dropped, stats = apply_stage(
        verify_stage(VerifyPolicy(min_votes=2)), candidates.filter(pl.col("_drop").is_null()).drop("_drop", "_detail")
    )
    reasons = set(candidates["_drop"].drop_nulls()) | set(dropped["_drop"])
    assert reasons and all(r.split(":")[0] in ("llm", "vote", "verify", "calc", "quality") for r in reasons)
    assert kept.height == 0  # random weights prove nothing


class ReplayEngine:
    """Realistic model outputs from `fixtures/llm_replay.json`, looked up by prompt kind and question."""

    model_name = "replay"

    def __init__(self):
        self.entries = json.loads((FIXTURES / "llm_replay.json").read_text())
        self.calls = 0

    def generate(self, batch: list[Request]) -> list[list[str]]:
        self.calls += 1
        out = []
        for request in batch:
            prompt = request.messages[-1]["content"]
            kind = next(
                k
                for k in ("rephrase", "backward", "harder", "distractor", "program", "solve")
                if render_kind_marker(k) in prompt
            )
            question = re.findall(r"(?:Problem|Question): (.*)", prompt)[-1].strip()
            entry = next(e for e in self.entries if e["kind"] == kind and e["question"] == question)
            out.append((entry["outputs"] * request.n)[: request.n])
        return out


def render_kind_marker(kind: str) -> str:
    return {
        "rephrase": "Rewrite the math problem",
        "backward": "Turn the math problem around",
        "harder": "Make the math problem harder",
        "distractor": "irrelevant fact",
        "program": "Write a Python function",
        "solve": "Solve the grade-school",
    }[kind]


def test_accept_and_reject_on_realistic_outputs(train_rows):
    sources = pl.DataFrame(
        {
            "source_index": range(4),
            "question": [r["question"] for r in train_rows[:4]],
            "answer": [r["answer"] for r in train_rows[:4]],
        }
    )
    config = LLMConfig(model="replay", samples=4, min_votes=3, min_share=0.6)
    engine = ReplayEngine()
    generator = LLMGenerator(config, sources, {}, engine=engine)
    tasks = tasks_frame(
        [
            (0, "rephrase"),
            (1, "distractor"),
            (3, "harder"),
            (0, "harder"),
            (1, "resolve"),
            (0, "llm_backward"),
            (3, "rephrase"),
        ]
    )
    candidates = generator.generate_stage(tasks)
    assert engine.calls == 2  # one batched call to write questions, one to solve and write programs
    generated = candidates.filter(pl.col("_drop").is_null()).drop("_drop", "_detail")
    kept, dropped, _ = apply_stage(verify_stage(VerifyPolicy(min_votes=3, min_share=0.6)), generated)
    outcome = {row["method"] + str(row["source_index"]): row for row in kept.iter_rows(named=True)}
    assert sorted(outcome) == ["distractor1", "harder3", "llm_backward0", "rephrase0", "resolve1"]
    rephrased = outcome["rephrase0"]
    assert rephrased["question"].startswith("In April, Natalia") and "Problem:" not in rephrased["question"]
    assert rephrased["verification"]["votes"] == 3 and rephrased["verification"]["gold"] == "72"
    assert "Question:" not in rephrased["answer"] and rephrased["answer"].endswith("#### 72")
    harder = outcome["harder3"]
    assert harder["final_answer"] == "48" and harder["verification"]["program_answer"] == "48"
    assert "program-agrees" in harder["verification"]["checks"]
    assert outcome["resolve1"]["answer"].startswith("Per minute")  # the sample that re-executes
    assert outcome["llm_backward0"]["final_answer"] == "48"
    reasons = dict(zip(dropped["method"] + dropped["source_index"].cast(pl.String), dropped["_drop"]))
    assert reasons == {"harder0": "verify:program-disagrees", "rephrase3": "verify:weak-vote"}


HOLLY_SOLUTIONS = [  # SmolLM2-135M-Instruct's four samples for train row 1570, verbatim (benchmarks/data/real-model)
    "To solve this problem, we need to consider the ratio of chocolate milk to the total amount of chocolate milk she drank, which is 8 ounces of chocolate milk to 16 ounces of chocolate milk.\nLet's start by dividing the answer by the ratio to find out how many 16 ounces of chocolate milk were needed to make the total.\n16 x 8 = 120 ounces of chocolate milk = 400 ounces of chocolate milk\nWe know that 120 + 8 = 200 ounces of chocolate milk\n#### 200",
    "To solve this problem, we need to break it down into manageable parts. First, we need to determine how many ounces of chocolate milk Holly drank.\n\nShe drank 8 ounces of chocolate milk.\n\nThen, we need to find how many ounces of chocolate milk she drank with dinner.\n\nShe drank 8 ounces of chocolate milk and then drank another 8 ounces of chocolate milk, so she drank 4 ounces of chocolate milk with dinner.\n\nNow we only have 3 ounces of chocolate milk left.\n\nAccording to the problem, Holly drank 56 ounces of chocolate milk, but we need to find how many ounces of chocolate milk she drank with dinner.\n\nIn this case, we can start with the amount of chocolate milk she drank with dinner.\n\nShe drank 4 ounces of chocolate milk with dinner.\n\nTo find how many ounces of a\n#### 46",
    "In the morning, Holly drank 8 ounces of chocolate milk and spent 8 ounces of chocolate milk on breakfast. So she spent 8 + 8 = 16 ounces of chocolate milk on lunch and dinner. She spent 56 ounces of chocolate milk on dinner and breakfast.\n#### 16",
    "Kate drank 2 x 6 = 12 ounces of chocolate milk yesterday.\nShe drank 12 x 6 = 64 ounces of chocolate milk today.\nShe drank 8 x 12 = 84 ounces of chocolate milk tomorrow.\n#### 84",
]


def test_written_questions_with_task_talk_or_the_examples_words_are_dropped():
    """Texts SmolLM2-135M wrote in benchmarks/data/real-model/bench-outputs.jsonl (tasks 5, 125, 2)."""
    holly = (
        "Holly loves to drink chocolate milk.  With breakfast, she drinks 8 ounces of chocolate milk before "
        "leaving for work."
    )
    meta = (
        "Struggling to find the answer to the question: How many ounces of chocolate milk did Holly end the day with?"
    )
    assert foreign_text(meta, holly) == "llm:meta-text"
    copied = "Albert is wondering how many ounces of chocolate she drank last night. How much did she drink?"
    assert foreign_text(copied, holly) == "llm:copied-example"
    newscast = "The half-hour newscast includes 12 minutes of national news. The rest is advertisements."
    assert (
        foreign_text("In April, the half-hour newscast included 12 minutes of national news. How many?", newscast)
        == "llm:copied-example"
    )
    # the same words are fine where the source has them (train row 0 is Natalia's, in April)
    natalia = "Natalia sold clips to 48 of her friends in April. What is the answer to the math problem?"
    assert foreign_text("In April, Natalia sold clips to 48 friends. How many clips?", natalia) is None
    assert foreign_text(natalia, natalia) is None


def test_a_resolve_solution_needs_the_vote_not_one_lucky_sample():
    """Real model text: one sample of four reached the gold 16 with "8 + 8 = 16", a computation that is not the
    problem's. It re-executes, so only the vote can refuse it."""
    from augment.sources import load_embedded

    train = load_embedded("train").frame.filter(pl.col("source_index") == 1570)
    assert train["question"][0].startswith("Holly loves to drink chocolate milk")

    class RealText:
        model_name = "smollm2"

        def generate(self, batch: list[Request]) -> list[list[str]]:
            return [HOLLY_SOLUTIONS[: r.n] for r in batch]

    generator = LLMGenerator(LLMConfig(model="smollm2", samples=4, min_votes=3), train, {}, engine=RealText())
    candidates = generator.generate_stage(tasks_frame([(1570, "resolve")]))
    assert candidates["_drop"].to_list() == ["llm:weak-vote"]
    assert candidates["_detail"].to_list() == ["target 16, votes 1/4"]


def test_cleaning_model_text():
    assert (
        clean_question('Rewritten: "Tom has 3 apples and buys 2 more. How many does he have?"\n\nProblem: x')
        == "Tom has 3 apples and buys 2 more. How many does he have?"
    )
    assert clean_question("Sure! Here it is.") is None
    assert clean_solution("He has 3+2=<<3+2=5>>5.\n#### 5\nQuestion: another") == "He has 3+2=<<3+2=5>>5.\n#### 5"
