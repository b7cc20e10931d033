"""The verify stage: keep a row only when its answer is proven, and record how.

Every row's method must be registered (else it is dropped: verification fails closed),
every row passes the quality checks, its `final_answer` must be its `####` value, and its
solution (original, symbolic, LLM) re-executes its calculator annotations step by step
and ends on its `####` value. Then the row's method applies its own rule
(`GenerationMethod.verify`): symbolic variants check the numbers they state; LLM methods
judge the evidence the generator gathered (a majority vote equal to the gold answer, the
gold answer itself, or a vote plus an agreeing program-of-thought result).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from augment.config import LLMConfig
from augment.methods import REGISTRY
from augment.stages import DETAIL, DROP, Stage, StageLike, StagesResult, run_stages
from filters.calculator import check_solution
from filters.numbers import parse_plain_number
from filters.quality import QualityPolicy, check_quality


@dataclass(frozen=True)
class VerifyPolicy:
    quality: QualityPolicy = QualityPolicy()
    min_votes: int = 3
    min_share: float = 0.6

    @classmethod
    def from_config(cls, quality: QualityPolicy, llm: LLMConfig) -> VerifyPolicy:
        return cls(quality, llm.min_votes, llm.min_share)


def verify_row(row: dict, policy: VerifyPolicy) -> tuple[str | None, str | None, list[str]]:
    """(drop reason, detail, checks passed) for one candidate row."""
    question, answer, method = row["question"], row["answer"], REGISTRY.get(row["method"])
    checks = []
    if method is None:
        return "verify:unregistered-method", f"method {row['method']!r} is not in the registry", checks
    reason = check_quality(question, answer, policy.quality)
    if reason:
        return reason, None, checks
    checks.append("quality")
    report = check_solution(answer, question)
    if parse_plain_number(row["final_answer"] or "") != report.final:
        return "verify:final-answer-column", f"final_answer {row['final_answer']!r} is not the #### value", checks
    if not report.ok:  # every published solution re-executes, whatever made it
        return report.code, report.detail, checks
    checks.append("re-execution")
    reason, detail = method.verify(row, report, policy, checks) or (None, None)
    return reason, detail, checks


VERIFY = "verify"


def verify_stage(policy: VerifyPolicy) -> Stage:
    """The verify stage: sets `_drop`, and fills `verification.checks` for kept rows."""

    def run(frame: pl.DataFrame) -> pl.DataFrame:
        reasons, details, structs = [], [], []
        for row in frame.iter_rows(named=True):
            reason, detail, checks = verify_row(row, policy)
            reasons.append(reason)
            details.append(detail)
            evidence = dict(row["verification"] or {})
            evidence.setdefault("kind", "re-execution")
            structs.append(evidence | {"checks": checks})
        return frame.with_columns(
            pl.Series("verification", structs, dtype=frame.schema["verification"]),
            pl.Series(DROP, reasons, dtype=pl.String),
            pl.Series(DETAIL, details, dtype=pl.String),
        )

    return Stage(
        VERIFY, run, inputs=("question", "answer", "final_answer", "method", "verification"), outputs=("verification",)
    )


def generate_then_verify(generate: StageLike, policy: VerifyPolicy, tasks: pl.DataFrame) -> StagesResult:
    """The one path of a task: symbolic tasks take it in the worker processes, LLM tasks in the main one."""
    return run_stages([generate, verify_stage(policy)], tasks)
