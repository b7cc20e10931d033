"""The LLM methods: a model writes a question (or only a solution) and solves it k times; the
generator records that evidence and each method's `verify` decides with the run's thresholds."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from augment.methods.base import GenerationMethod
from filters.answers import parse_answer_value
from filters.numbers import find_numbers, format_number, number_values
from filters.voting import majority_vote


class LLMMethod(GenerationMethod):
    """A method whose candidates the LLM generator makes; by default the answer is the gold one,
    reached by a majority of the k sampled solutions."""

    engine = "llm"
    evidence_kind = "vote+gold"
    program_prompt: str | None = None  # a program-of-thought prompt whose sandboxed result is evidence
    need_votes = True  # a majority of the samples must reach the gold answer (else one is enough)

    def eligible(self, eligibility, source: int) -> bool:
        return True

    def prepare(self, row: dict) -> str | None:
        """Fill what the prompt needs beyond the source; a drop reason when the source cannot have it."""
        return None

    def accept_question(self, written: str, row: dict) -> str | None:
        """A drop reason when the question the model wrote does not do what this method asks."""
        return None

    def target(self, answers: list[Fraction | None], row: dict, min_votes: int, min_share: float) -> tuple:
        """(answer the chosen solution must reach, votes for it, drop reason, detail)."""
        return row["gold"], sum(answer == row["gold"] for answer in answers), None, None

    def recorded_gold(self, target: Fraction) -> str | None:
        """The gold answer recorded as evidence (the verify stage compares the row with it)."""
        return format_number(target)

    def params(self, row: dict) -> dict:
        """Generator parameters of this method beyond the sampling ones."""
        return {}

    def verify(self, row, report, policy, checks):
        evidence = row.get("verification") or {}
        gold = parse_answer_value(evidence.get("gold") or "")
        if gold is None or report.final != gold:
            return "verify:not-gold", describe(evidence)
        if self.need_votes and not _strong_vote(evidence, policy):
            return "verify:weak-vote", describe(evidence)
        checks.append("vote=gold" if self.need_votes else "gold-match")
        return None


class Rephrase(LLMMethod):
    name, default_share, prompt = "rephrase", 0.3, "rephrase"
    note = "the question reworded by a model; kept when k re-solutions agree with the gold answer"


class Resolve(LLMMethod):
    name, default_share = "resolve", 0.3
    note = "a new step-by-step solution by a model; kept when it re-executes and reaches the gold answer"
    evidence_kind, need_votes, keeps_question = "re-execution+gold", False, True

    def target(self, answers, row, min_votes, min_share):
        """The chosen solution is the row itself, so one lucky sample of k that reaches the gold is not trusted:
        SmolLM2-135M wrote "8 + 8 = 16 ... #### 16" for a problem whose answer is 16 by another computation."""
        gold, votes, _, _ = super().target(answers, row, min_votes, min_share)
        if votes and (
            votes < min_votes or votes / max(len(answers), 1) < min_share
        ):  # none: no-solution-reaches-target
            return gold, votes, "llm:weak-vote", f"target {format_number(gold)}, votes {votes}/{len(answers)}"
        return gold, votes, None, None


class LLMBackward(LLMMethod):
    name, default_share, prompt = "llm_backward", 0.1, "backward"
    note = "an inverse question phrased by a model; answer known by construction"
    evidence_kind, need_votes = "construction", False

    def prepare(self, row):
        numbers = hideable_numbers(row["question"], row["gold"])
        if not numbers:
            return "llm:nothing-to-hide"
        row["hidden"] = numbers[int(np.random.default_rng(row["seed"]).integers(len(numbers)))]
        return None

    def accept_question(self, written, row):
        """A backward question names X, states the original answer, and no longer states the hidden number."""
        numbers = number_values(written)
        if re.search(r"\bX\b", written) and row["gold"] in numbers and row["hidden"] not in numbers:
            return None
        return "llm:bad-backward-question"

    def target(self, answers, row, min_votes, min_share):
        return row["hidden"], sum(answer == row["hidden"] for answer in answers), None, None

    def params(self, row):
        return {"hidden": format_number(row["hidden"])}


class Harder(LLMMethod):
    name, default_share, prompt, program_prompt = "harder", 0.15, "harder", "program"
    note = "a step or constraint added by a model; kept when a vote and a sandboxed program agree"
    evidence_kind = "vote+program"

    def target(self, answers, row, min_votes, min_share):
        """No gold: the majority answer, if clear, is the target."""
        vote = majority_vote(answers, min_votes, min_share)
        return vote.answer, vote.votes, vote.reason, None if not vote.reason else f"votes {vote.votes}/{vote.samples}"

    def recorded_gold(self, target):
        return None

    def verify(self, row, report, policy, checks):
        evidence = row.get("verification") or {}
        if not _strong_vote(evidence, policy):
            return "verify:weak-vote", describe(evidence)
        program = parse_answer_value(evidence.get("program_answer") or "")
        if program is None or program != report.final:
            return "verify:program-disagrees", describe(evidence)
        checks += ["vote", "program-agrees"]
        return None


class Distractor(LLMMethod):
    name, default_share, prompt = "distractor", 0.15, "distractor"
    note = "an irrelevant fact added by a model; kept when re-solutions still reach the gold answer"


def hideable_numbers(question: str, gold: Fraction) -> list[Fraction]:
    """Numbers a backward question may hide: whole, above 1, and not the answer itself."""
    return sorted(
        {
            m.value
            for m in find_numbers(question)
            if not m.fraction and m.value > 1 and m.value.denominator == 1 and m.value != gold
        }
    )


def _strong_vote(evidence: dict, policy) -> bool:
    return (evidence.get("votes") or 0) >= policy.min_votes and (evidence.get("share") or 0) >= policy.min_share


def describe(evidence: dict) -> str:
    return ", ".join(f"{k}={evidence.get(k)}" for k in ("votes", "samples", "share", "program_answer", "gold"))
