"""The stages over source problems, run once before any task is planned: `sources` (which may seed
anything) and `template` (which have a template). Like the chunk stages they declare their columns and
`apply_stage` counts and labels their drops, so the funnel and the drop report list them with no other code.

A source seeds nothing when it is a known label error, when a blind solver flagged it (`filters/vetting.py`),
or when its solution contradicts its own arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from augment.stages import Stage, with_drops
from filters.calculator import check_solution
from filters.label_errors import label_error
from filters.vetting import vetting_flag

SOURCES, TEMPLATE = "sources", "template"
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


@dataclass
class TemplateStage:
    """The sources the symbolic workers could not template, each dropped with the derivation's reason.
    The workers compile while the sources are checked; `run` waits for them."""

    workers: object
    name: ClassVar[str] = TEMPLATE
    inputs: ClassVar[tuple[str, ...]] = ("source_index",)
    outputs: ClassVar[tuple[str, ...]] = ()

    def run(self, frame: pl.DataFrame) -> pl.DataFrame:
        self.workers.ready()
        skipped = self.workers.skipped
        return with_drops(frame, [f"template:{skipped[i]}" if i in skipped else None for i in frame["source_index"]])
