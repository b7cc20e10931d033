"""Self-consistency: the majority answer over k sampled solutions, accepted only when it is clear.

Answers are grouped by exact value, so "1,200", "$1200.00" and "1200" are one vote.
Samples without a readable answer still count in the share's denominator: a model that
answers 2 of 8 times agrees with itself less than one that answers 8 of 8 times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from filters.answers import parse_answer_value


@dataclass(frozen=True)
class Vote:
    """The winning answer and the evidence for it; `reason` is None when the vote is accepted."""

    answer: Fraction | None
    votes: int
    samples: int
    share: float
    reason: str | None


def majority_vote(answers: Sequence[str | Fraction | None], min_votes: int = 2, min_share: float = 0.5) -> Vote:
    """Majority over `answers`; accepted when the top value has at least `min_votes` votes,
    at least `min_share` of all samples, and no other value has as many."""
    values = [a if isinstance(a, Fraction) or a is None else parse_answer_value(a) for a in answers]
    counts = Counter(v for v in values if v is not None)
    samples = len(values)
    if not counts:
        return Vote(None, 0, samples, 0.0, "vote:no-answers")
    ranked = counts.most_common()
    winner, votes = ranked[0]
    share = votes / samples
    if len(ranked) > 1 and ranked[1][1] == votes:
        return Vote(None, votes, samples, share, "vote:tie")
    if votes < min_votes:
        return Vote(winner, votes, samples, share, "vote:too-few-votes")
    if share < min_share:
        return Vote(winner, votes, samples, share, "vote:low-share")
    return Vote(winner, votes, samples, share, None)
