"""`--solver-check`: the run's model re-solves every symbolic row, which is kept only if the model agrees.

A symbolic row re-executes, yet that proves only that it agrees with the template derived from
its source; a story whose numbers no longer fit the template's reading shows when a solver
reads the question alone and reaches another answer. The rule (`decide`): the model solves
the question k times with the project's solve prompt (it never sees the published answer);
a sample's answer is what it states (a `####` line, `\\boxed{}` or "the answer is"), never a
last number it trailed off on; the row is kept when a strict majority of the k samples state
the published answer (math-verify compares what our parser cannot read). A sample that states
nothing counts against the row: `solver:no-answer` when none states anything, else
`solver:disagree`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from augment.config import LLMConfig, RunConfig
from augment.llm.engines import Request
from augment.llm.generator import clean_solution, solution_regex
from augment.llm.prompts import render
from augment.methods import REGISTRY
from augment.stages import with_drops
from filters.answers import answers_equal, extract_answer

SOLVER_CHECK = "solver-check"
CHECK = "solver"  # the name kept rows carry in `verification.checks`


def required_agreement(samples: int) -> int:
    """A strict majority of the samples."""
    return samples // 2 + 1


@dataclass(frozen=True)
class SolverVerdict:
    """What the model's k solutions say about one row: the answers they state (None: none stated), how
    many equal the published answer, and the drop reason (None: kept)."""

    published: str
    stated: list[str | None]
    agree: int
    reason: str | None

    @property
    def samples(self) -> int:
        return len(self.stated)

    def detail(self) -> str:
        answers = ", ".join(a if a is not None else "-" for a in self.stated)
        return f"{self.agree} of {self.samples} state {self.published}; stated: {answers}"


def stated_answer(text: str) -> str | None:
    """The final answer one sampled solution states, as text; None when it states none."""
    found = extract_answer(clean_solution(text))
    if found.weak or not found.text:
        return None
    return found.normalized if found.value is not None else found.text[:40]


def decide(texts: list[str], published: str) -> SolverVerdict:
    """The rule of the module docstring over one row's k sampled solutions."""
    stated = [stated_answer(t) for t in texts]
    agree = sum(answer is not None and answers_equal(answer, published) for answer in stated)
    if agree >= required_agreement(len(texts)):
        return SolverVerdict(published, stated, agree, None)
    reason = "solver:no-answer" if all(a is None for a in stated) else "solver:disagree"
    return SolverVerdict(published, stated, agree, reason)


def solve_requests(questions: list[str], seeds: list[int], samples: int, llm: LLMConfig) -> list[Request]:
    """One request of k samples per question, with the engine settings of the run (`llm`)."""
    regex = solution_regex(3 * llm.max_tokens) if llm.structured else None
    return [
        Request(render("solve", question=q), samples, seed, llm.temperature, llm.max_tokens, regex)
        for q, seed in zip(questions, seeds)
    ]


@dataclass
class SolverCheck:
    """The chunk stage: every symbolic row of a chunk in one batched engine call; other rows pass."""

    engine: object
    llm: LLMConfig
    samples: int
    name: ClassVar[str] = SOLVER_CHECK
    inputs: ClassVar[tuple[str, ...]] = ("question", "final_answer", "method", "seed", "verification")
    outputs: ClassVar[tuple[str, ...]] = ("verification",)

    @classmethod
    def enabled(cls, config: RunConfig) -> bool:
        return config.solver_check.enabled

    @classmethod
    def build(cls, context) -> SolverCheck:
        return cls(context.engine(), context.config.llm, context.config.solver_check.samples)

    def run(self, frame: pl.DataFrame) -> pl.DataFrame:
        symbolic = [i for i, m in enumerate(frame["method"].to_list()) if REGISTRY[m].engine == "symbolic"]
        questions, seeds = frame["question"].to_list(), frame["seed"].to_list()
        requests = solve_requests(
            [questions[i] for i in symbolic], [seeds[i] for i in symbolic], self.samples, self.llm
        )
        outputs = self.engine.generate(requests)
        reasons, details = [None] * frame.height, [None] * frame.height
        evidence = frame["verification"].to_list()
        finals = frame["final_answer"].to_list()
        for i, texts in zip(symbolic, outputs):
            verdict = decide(texts, finals[i])
            reasons[i], details[i] = verdict.reason, verdict.detail()
            evidence[i] = evidence[i] | {
                "checks": [*evidence[i]["checks"], CHECK],
                "votes": verdict.agree,
                "samples": verdict.samples,
                "share": round(verdict.agree / verdict.samples, 4),
                "gold": finals[i],
            }
        frame = frame.with_columns(pl.Series("verification", evidence, dtype=frame.schema["verification"]))
        return with_drops(frame, reasons, [d if r else None for r, d in zip(reasons, details)])
