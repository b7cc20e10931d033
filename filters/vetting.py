"""Train sources a blind solver flagged: a source seeds nothing when the solver's own answer differs from
its `####` line, or when it judged the problem incoherent or implausible as written; or when the same holds
for one of its published variants (flags `variant-...`).

Re-execution cannot see a solution that computes the wrong thing correctly ("6 inches longer" computed as
20 - 6), nor a story that contradicts itself; its variants inherit the fault. The list is made by
`benchmarks/train_vetting.py` from verdict files kept under `benchmarks/audits/`, and is keyed by the
sha256 of the question, so it applies to any copy of GSM8K, in any order.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from filters.label_errors import question_key, records_by_question

VETTING_FILE = Path(__file__).parent / "data" / "gsm8k_train_vetting.jsonl"


@lru_cache(maxsize=1)
def vetting_flags() -> dict[str, dict]:
    """question sha256 -> {source_index, flag, solver_answer, gold, verdict, note}."""
    return records_by_question(VETTING_FILE)


def vetting_flag(question: str) -> dict | None:
    """This question's flag, if a solver raised one."""
    return vetting_flags().get(question_key(question))
