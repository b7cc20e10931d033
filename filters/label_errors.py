"""Known label errors in GSM8K train: a broken source must not seed variants.

`data/gsm8k_train_label_errors.jsonl` lists problems whose solution or `####` line is
wrong, found by re-execution (`calc:final-mismatch`) and confirmed by reading, keyed by
the sha256 of the question so the list applies to any copy of GSM8K, in any order.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources


def question_key(question: str) -> str:
    """How the lists about train questions name one: the sha256 of its text, whatever copy or order."""
    return hashlib.sha256(question.encode()).hexdigest()


def records_by_question(path) -> dict[str, dict]:
    """A jsonl list of records about train questions (a path or a package resource), by `question_sha256`."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["question_sha256"]: r for r in records}


@lru_cache(maxsize=1)
def known_label_errors() -> dict[str, dict]:
    """question sha256 -> {source_index, kind, detail, found_by}."""
    return records_by_question(resources.files("filters") / "data" / "gsm8k_train_label_errors.jsonl")


def label_error(question: str) -> dict | None:
    """The recorded label error of this question, if any."""
    return known_label_errors().get(question_key(question))
