"""The LLM generator: rephrase, resolve, backward, harder and distractor variants of train problems.

A chunk of tasks costs at most two batched model calls: first every new question is
written (rephrase, llm_backward, harder, distractor), then every question is solved k
times (and, for harder, turned into a program). Programs run in the sandbox. The
evidence (votes, share, program result, gold) goes into the `verification` column, and
the verify stage decides with the thresholds of the run.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import polars as pl

from augment.config import LLMConfig
from augment.llm.engines import Request, make_engine, model_hash
from augment.llm.prompts import render
from augment.schema import verification
from augment.stages import with_drops
from augment.symbolic.generator import CANDIDATE_SCHEMA
from filters.answers import extract_answer
from filters.calculator import FINAL_RE, check_solution
from filters.numbers import find_numbers, format_number, number_values
from filters.sandbox import SandboxLimits, run_programs
from filters.voting import majority_vote

WRITES_QUESTION = ("rephrase", "llm_backward", "harder", "distractor")
EVIDENCE_KIND = {"harder": "vote+program", "resolve": "re-execution+gold", "llm_backward": "construction"}
_CODE_RE = re.compile(r"```(?:python)?\s*(.*?)```", re.DOTALL)


def solution_regex(max_chars: int) -> str:
    """Structured output for solutions: GSM8K lines, then a final "#### N" line, so every sample can be
    read. The bound keeps the final line inside the token budget (about three characters a token)."""
    return rf"[^#]{{0,{max_chars}}}\n#### -?[0-9][0-9,]{{0,12}}(\.[0-9]{{1,4}})?"


def hideable_numbers(question: str, gold: Fraction) -> list[Fraction]:
    """Numbers a backward question may hide: whole, above 1, and not the answer itself."""
    return sorted({m.value for m in find_numbers(question)
                   if not m.fraction and m.value > 1 and m.value.denominator == 1 and m.value != gold})  # fmt: skip


def question_prompt(method: str, question: str, gold: Fraction, hidden: Fraction | None = None) -> list[dict]:
    """The prompt that asks for a new question (rephrase, llm_backward, harder, distractor)."""
    return render(method, question=question, hidden=format_number(hidden or 0), answer=format_number(gold))


def clean_question(text: str) -> str | None:
    """The problem a model wrote: its first paragraph, without labels or quotes; None if it asks nothing."""
    text = re.split(r"\n\s*\n|\n(?:Problem|Question|Answer|Rewritten|Harder|New problem)\s*:", text.strip())[0]
    text = re.sub(r"^(?:Rewritten|Harder|New problem|With a distractor)\s*:\s*", "", text.strip()).strip().strip('"')
    text = " ".join(text.split())
    return text if "?" in text and len(text.split()) >= 8 else None


def clean_solution(text: str) -> str:
    """A sampled solution up to and including its `####` line (models keep writing after it)."""
    text = re.split(r"\n\s*Question\s*:", text.strip())[0]
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if FINAL_RE.match(line):
            return "\n".join(lines[: i + 1]).strip()
    return text.strip()


def extract_program(text: str) -> str:
    match = _CODE_RE.search(text)
    return (match.group(1) if match else text.split("```")[0]).strip()


class LLMGenerator:
    def __init__(self, config: LLMConfig, sources: pl.DataFrame, excluded: dict[int, str], engine=None):
        self.config = config
        self.engine = engine or make_engine(config)
        self.engine_name = "openai" if config.endpoints else "vllm"
        self.model_hash = None if config.endpoints else model_hash(config.model)
        self.sources = {}
        for index, question, answer in sources.select("source_index", "question", "answer").iter_rows():
            if index not in excluded:
                self.sources[index] = (question, answer, check_solution(answer, question).final)
        self.limits = SandboxLimits()

    def generate_stage(self, tasks: pl.DataFrame) -> pl.DataFrame:
        """Stage function: candidate rows for LLM tasks, failures with a `_drop` reason."""
        rows = [self._task(*t) for t in tasks.select("task", "source_index", "method", "seed").iter_rows()]
        self._write_questions([r for r in rows if r["method"] in WRITES_QUESTION and not r["drop"]])
        self._solve([r for r in rows if not r["drop"]])
        self._run_programs([r for r in rows if r["method"] == "harder" and not r["drop"]])
        records = [self._candidate(r) for r in rows]
        frame = pl.DataFrame(records, schema=CANDIDATE_SCHEMA, orient="row").with_columns(tasks["task"])
        return with_drops(frame, frame["_drop"].to_list(), frame["_detail"].to_list())

    def _task(self, task: int, source_index: int, method: str, seed: int) -> dict:
        row = {"task": task, "source_index": source_index, "method": method, "seed": seed, "drop": None, "detail": None}
        if source_index not in self.sources:
            return row | {"drop": "llm:source-unusable"}
        question, answer, gold = self.sources[source_index]
        row |= {"source_question": question, "question": question, "gold": gold}
        if gold is None:
            return row | {"drop": "llm:source-has-no-answer"}
        if method == "llm_backward":
            numbers = hideable_numbers(question, gold)
            if not numbers:
                return row | {"drop": "llm:nothing-to-hide"}
            row["hidden"] = numbers[int(np.random.default_rng(seed).integers(len(numbers)))]
        return row

    def _request(self, messages: list[dict], n: int, seed: int, regex: str | None = None) -> Request:
        return Request(messages, n, seed, self.config.temperature, self.config.max_tokens, regex)

    def _write_questions(self, rows: list[dict]) -> None:
        requests = [self._request(question_prompt(r["method"], r["source_question"], r["gold"], r.get("hidden")),
                                  1, r["seed"]) for r in rows]  # fmt: skip
        for row, texts in zip(rows, self.engine.generate(requests)):
            written = clean_question(texts[0])
            if written is None:
                row |= {"drop": "llm:no-question", "detail": texts[0][:200]}
            elif row["method"] == "llm_backward" and not _states_backward(written, row["hidden"], row["gold"]):
                row |= {"drop": "llm:bad-backward-question", "detail": written[:200]}
            else:
                row["question"] = written

    def _solve(self, rows: list[dict]) -> None:
        k = self.config.samples
        regex = solution_regex(3 * self.config.max_tokens) if self.config.structured else None
        requests = [self._request(render("solve", question=r["question"]), k, r["seed"] + 1, regex) for r in rows]
        programs = [r for r in rows if r["method"] == "harder"]
        requests += [self._request(render("program", question=r["question"]), 1, r["seed"] + 2) for r in programs]
        outputs = self.engine.generate(requests)
        for row, texts in zip(rows, outputs):
            row["solutions"] = [clean_solution(t) for t in texts]
        for row, texts in zip(programs, outputs[len(rows) :]):
            row["program"] = extract_program(texts[0])

    def _run_programs(self, rows: list[dict]) -> None:
        results = run_programs([r["program"] for r in rows], self.limits)
        for row, result in zip(rows, results):
            row["program_result"] = result

    def _candidate(self, row: dict) -> tuple:
        method, seed, source_index = row["method"], row["seed"], row["source_index"]
        failed = ("", "", "", method, "train", source_index, None, None, seed, [])
        if row["drop"]:
            return (*failed, row["drop"], row["detail"])
        answers = [extract_answer(s).value for s in row["solutions"]]
        if method == "harder":  # no gold: the majority answer, if clear, is the target
            vote = majority_vote(answers, self.config.min_votes, self.config.min_share)
            if vote.reason:
                return (*failed, vote.reason, f"votes {vote.votes}/{vote.samples}")
            target, votes = vote.answer, vote.votes
        else:  # the votes that matter are those for the known answer
            target = row["hidden"] if method == "llm_backward" else row["gold"]
            votes = sum(answer == target for answer in answers)
            if method == "resolve" and votes and not self._agreed(votes, len(answers)):  # none: no-solution below
                return (*failed, "llm:weak-vote", f"target {format_number(target)}, votes {votes}/{len(answers)}")
        chosen = _choose(row["solutions"], target, row["question"])
        if chosen is None:
            return (*failed, "llm:no-solution-reaches-target", f"target {format_number(target)}, votes {votes}")
        program = row.get("program_result")
        evidence = verification(
            EVIDENCE_KIND.get(method, "vote+gold"), [], votes=votes, samples=len(answers), share=round(votes / max(len(answers), 1), 4),
            program_answer=None if program is None or program.value is None else format_number(program.value),
            gold=None if method == "harder" else format_number(target),
        )  # fmt: skip
        params = {"temperature": self.config.temperature, "samples": self.config.samples,
                  "max_tokens": self.config.max_tokens} | ({"hidden": format_number(row["hidden"])}
                                                           if method == "llm_backward" else {})  # fmt: skip
        if self.model_hash:
            params["model_sha256"] = self.model_hash
        generator = {"engine": self.engine_name, "model": self.engine.model_name, "params": json.dumps(params)}
        return (row["question"], chosen, format_number(target), method, "train", source_index, evidence, generator,
                seed, [], None, None)  # fmt: skip


    def _agreed(self, votes: int, samples: int) -> bool:
        """A resolve solution is the row itself: one lucky sample of k that hits the gold is not trusted. The
        135M model wrote "8 + 8 = 16 ... #### 16" for a problem whose answer is 16 by another computation."""
        return votes >= self.config.min_votes and votes / max(samples, 1) >= self.config.min_share


def _choose(solutions: list[str], target: Fraction, question: str) -> str | None:
    """The first solution that reaches the target and re-executes; else the first that reaches it."""
    extracted = [extract_answer(s) for s in solutions]
    reaching = [s for s, a in zip(solutions, extracted) if a.style == "####" and a.value == target]
    for solution in reaching:
        if check_solution(solution, question).ok:
            return solution
    return reaching[0] if reaching else None


def _states_backward(question: str, hidden: Fraction, gold: Fraction) -> bool:
    """A backward question names X, states the original answer, and no longer states the hidden number."""
    numbers = number_values(question)
    return bool(re.search(r"\bX\b", question)) and gold in numbers and hidden not in numbers
