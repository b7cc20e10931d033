"""The `sources` stage: which source problems may seed anything, before a single task is planned.

A source seeds nothing when it is a known label error, when a blind solver flagged it (`filters/vetting.py`),
or when its solution contradicts its own arithmetic. It is a stage like the chunk stages (columns declared,
drops labelled by `apply_stage`), run once over the source frame.
"""

from __future__ import annotations

import polars as pl

from augment.stages import Stage, with_drops
from filters.calculator import check_solution
from filters.label_errors import label_error
from filters.vetting import vetting_flag

SOURCES = "sources"
_BROKEN = ("calc:wrong-step", "calc:final-mismatch", "calc:bad-annotation")


def source_reason(question: str, answer: str) -> str | None:
    """Why this source must not seed variants, or None."""
    if label_error(question):
        return "source:label-error"
    if flagged := vetting_flag(question):
        return f"source:{flagged['flag']}"
    if check_solution(answer, question).code in _BROKEN:
        return "source:broken-solution"
    return None


def _check(frame: pl.DataFrame) -> pl.DataFrame:
    return with_drops(frame, [source_reason(q, a) for q, a in frame.select("question", "answer").iter_rows()])


SOURCE_CHECK = Stage(SOURCES, _check, inputs=("source_index", "question", "answer"))
