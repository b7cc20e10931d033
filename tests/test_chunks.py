"""The chunk stages: what counts as a duplicate of an LLM row."""

from __future__ import annotations

import polars as pl
import pytest

from augment.stages import apply_stage

pytestmark = pytest.mark.slow


def test_resolve_rows_are_deduplicated_on_question_and_solution(train_rows):
    """A resolve row keeps its train question on purpose: only the same solution twice is a duplicate."""
    from augment.chunks import Dedup
    from dedup.index import DuplicateIndex

    index = DuplicateIndex()
    index.add_reference([r["question"] for r in train_rows[:50]], [f"train:{i}" for i in range(50)])
    question, solution = train_rows[3]["question"], "She reads 12*2=<<12*2=24>>24 pages.\n#### 42"
    other = (
        "Julie read 12 + 24 = <<12+24=36>>36 pages, so 120 - 36 = <<120-36=84>>84 are left; half is "
        "84/2 = <<84/2=42>>42.\n#### 42"
    )
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "method": ["resolve", "resolve", "rephrase", "resolve"],
            "question": [question] * 4,
            "answer": [solution, solution, solution, other],
        }
    )
    kept, dropped, _ = apply_stage(Dedup(index), frame)
    assert kept["id"].to_list() == ["a", "d"]
    assert dict(zip(dropped["id"], dropped["_drop"])) == {"b": "dedup:exact", "c": "dedup:exact-train"}
