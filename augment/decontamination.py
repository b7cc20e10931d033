"""The decontaminate stage: drop rows that are, or derive from, a GSM8K test question.

Symbolic rows are checked by the worker processes, in parallel, right after verification
(the CHECKED, VERDICT and VERDICT_DETAIL columns); the stage runs after dedup, as the funnel
says, and checks in full the rows that arrive unchecked (LLM rows).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from augment.sources import load_embedded
from augment.stages import Stage, with_drops
from filters.contamination import ContaminationDetector, PairScorer, Verdict

CHECKED, VERDICT, VERDICT_DETAIL = "_contamination_checked", "_contamination", "_contamination_detail"


def make_detector(embeddings: str, train_questions: list[str], scorer: PairScorer | None = None) -> ContaminationDetector:
    return ContaminationDetector(load_embedded("test").questions, train_questions, embeddings=embeddings, scorer=scorer)


def describe(verdict: Verdict) -> tuple[str | None, str | None]:
    """(drop reason, detail) of one verdict."""
    if not verdict.contaminated:
        return None, None
    return f"contamination:{verdict.reason}", f"GSM8K test #{verdict.test_index} (score {verdict.score:.2f})"


def with_verdicts(frame: pl.DataFrame, detector: ContaminationDetector) -> pl.DataFrame:
    """`frame` with the verdict of every question (worker side)."""
    described = [describe(v) for v in detector.detect(frame["question"].to_list())]
    return frame.with_columns(
        pl.lit(True).alias(CHECKED),
        pl.Series(VERDICT, [r for r, _ in described], dtype=pl.String),
        pl.Series(VERDICT_DETAIL, [d for _, d in described], dtype=pl.String),
    )


def decontaminate_stage(detector: Callable[[], ContaminationDetector | None]) -> Stage:
    """`detector()` gives the detector (built on first use), or None when decontamination is off."""

    def run(frame: pl.DataFrame) -> pl.DataFrame:
        if CHECKED not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Boolean).alias(CHECKED), pl.lit(None, pl.String).alias(VERDICT),
                                       pl.lit(None, pl.String).alias(VERDICT_DETAIL))  # fmt: skip
        checked, reasons, details = (frame[c].to_list() for c in (CHECKED, VERDICT, VERDICT_DETAIL))
        found = detector()
        todo = [i for i in range(frame.height) if not checked[i]]
        if found is not None and todo:
            questions = frame["question"].to_list()
            for i, verdict in zip(todo, found.detect([questions[i] for i in todo])):
                reasons[i], details[i] = describe(verdict)
        return with_drops(frame, reasons, details)

    return Stage("decontaminate", run, inputs=("question",))
