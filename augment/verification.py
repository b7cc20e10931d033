"""The verify stage: keep a row only when its answer is proven, and record how.

Every row passes the quality checks and its `final_answer` must be its `####` value.
Then, by method:
- every solution (original, symbolic, LLM) re-executes its calculator annotations step
  by step and ends on its `####` value;
- symbolic variants also write no number that no step, question or constant explains,
  and keep none of the source's numbers that should have changed;
- LLM methods are judged on the evidence the generator gathered: a majority vote equal
  to the gold answer (rephrase, distractor), the gold answer itself (resolve; for
  llm_backward the hidden number), or a vote plus an agreeing program-of-thought
  result when no gold exists (harder).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from augment.config import SYMBOLIC_METHODS, LLMConfig
from augment.stages import DETAIL, DROP, Stage
from augment.symbolic.quantities import implied_constants
from filters.answers import parse_answer_value
from filters.calculator import check_solution, text_numbers_agree
from filters.numbers import find_numbers, parse_plain_number
from filters.quality import QualityPolicy, check_quality

GOLD_VOTE = {"rephrase", "distractor"}  # majority of k re-solutions equals the gold answer
GOLD = {"resolve", "llm_backward"}  # the answer is the gold (or, backward, the hidden number)


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
    question, answer, method = row["question"], row["answer"], row["method"]
    checks = []
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
    if method in SYMBOLIC_METHODS:
        stray = text_numbers_agree(answer, question, check=report)
        if stray:  # the constants the wording implies cost more to find; only look when needed
            stray = text_numbers_agree(answer, question, implied_constants(question), check=report)
        if stray:
            return "verify:stray-number", stray, checks
        checks.append("text-numbers")
        stale = row.get("_stale") or []
        if stale:
            stated = {m.value for m in find_numbers(question)}
            stale = [v for v in stale if Fraction(v) in stated]
        if stale:
            return "verify:stale-number", f"source number {stale[0]} survived in the question", checks
        checks.append("no-stale-numbers")
    evidence = row.get("verification") or {}
    if method in GOLD_VOTE or method in GOLD:
        reason = _gold_vote(evidence, report.final, policy, need_votes=method in GOLD_VOTE)
        if reason:
            return reason, _describe(evidence), checks
        checks.append("vote=gold" if method in GOLD_VOTE else "gold-match")
    if method == "harder":
        reason = _vote_and_program(evidence, report.final, policy)
        if reason:
            return reason, _describe(evidence), checks
        checks += ["vote", "program-agrees"]
    return None, None, checks


def _gold_vote(evidence: dict, final: Fraction | None, policy: VerifyPolicy, need_votes: bool) -> str | None:
    gold = parse_answer_value(evidence.get("gold") or "")
    if gold is None or final != gold:
        return "verify:not-gold"
    if need_votes and ((evidence.get("votes") or 0) < policy.min_votes or (evidence.get("share") or 0) < policy.min_share):
        return "verify:weak-vote"
    return None


def _vote_and_program(evidence: dict, final: Fraction | None, policy: VerifyPolicy) -> str | None:
    if (evidence.get("votes") or 0) < policy.min_votes or (evidence.get("share") or 0) < policy.min_share:
        return "verify:weak-vote"
    program = parse_answer_value(evidence.get("program_answer") or "")
    if program is None or program != final:
        return "verify:program-disagrees"
    return None


def _describe(evidence: dict) -> str:
    return ", ".join(f"{k}={evidence.get(k)}" for k in ("votes", "samples", "share", "program_answer", "gold"))


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

    return Stage("verify", run, inputs=("question", "answer", "final_answer", "method", "verification"),
                 outputs=("verification",))  # fmt: skip
