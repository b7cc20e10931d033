"""What every generation method declares, so the planner, the generators, the verifier, the CLI
and the card can iterate over one registry instead of matching method names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from augment.plan import Eligibility
    from augment.verification import VerifyPolicy
    from filters.calculator import SolutionCheck


class GenerationMethod:
    """One way of making rows. Subclasses set the class attributes and override what differs."""

    name: str
    engine: str  # "dataset", "symbolic" or "llm": which generator makes its candidates
    note: str  # its line in the card's composition table
    default_share: float = 0.0  # its share in the default mix of its engine (0: not in it)
    prompt: str | None = None  # the prompt template that writes its question, if a model writes one
    evidence_kind: str = "re-execution"  # verification.kind of its rows
    keeps_question: bool = False  # rows keep the train question: deduplicated on question plus solution

    def eligible(self, eligibility: Eligibility, source: int) -> bool:
        """Whether a source can be given this method."""
        return source in eligibility.templated

    def verify(self, row: dict, report: SolutionCheck, policy: VerifyPolicy, checks: list[str]) -> tuple | None:
        """(drop reason, detail) once the common checks passed, or None to keep; appends the checks passed."""
        return None
