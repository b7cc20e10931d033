"""The decontaminate stage: drop rows that are, or derive from, a GSM8K test question.

The cheap signals for symbolic rows are computed by the worker processes, in parallel,
right after verification (the CHECKED, VERDICT and PENDING columns). The stage itself
runs after dedup, as the funnel says: it confirms the pairs the cheap signals left
undecided with embeddings (one model, in this process, only for rows that survived
dedup), and checks rows that arrive unchecked (LLM rows) in full.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from augment.sources import embedded_test_embeddings, load_embedded
from augment.stages import Stage, with_drops
from filters.contamination import ContaminationDetector, Verdict

CHECKED, VERDICT, VERDICT_DETAIL, PENDING = (
    "_contamination_checked", "_contamination", "_contamination_detail", "_contamination_pending")  # fmt: skip
PENDING_TYPE = pl.List(pl.Struct({"test_index": pl.Int64, "reason": pl.String}))


def make_detector(embeddings: str, train_questions: list[str]) -> ContaminationDetector:
    shipped = embedded_test_embeddings() if embeddings != "off" else None
    return ContaminationDetector(load_embedded("test").questions, train_questions, embeddings=embeddings,
                                 test_embeddings=shipped)  # fmt: skip


def describe(verdict: Verdict) -> tuple[str | None, str | None]:
    """(drop reason, detail) of one verdict."""
    if not verdict.contaminated:
        return None, None
    return f"contamination:{verdict.reason}", f"GSM8K test #{verdict.test_index} (score {verdict.score:.2f})"


def with_verdicts(frame: pl.DataFrame, detector: ContaminationDetector) -> pl.DataFrame:
    """`frame` with the cheap-signal verdict of every question and its undecided pairs (worker side)."""
    verdicts, undecided = detector.screen(frame["question"].to_list())
    pending: list[list[dict]] = [[] for _ in verdicts]
    for row, test_index, reason in undecided:
        pending[row].append({"test_index": test_index, "reason": reason})
    described = [describe(v) for v in verdicts]
    return frame.with_columns(
        pl.lit(True).alias(CHECKED),
        pl.Series(VERDICT, [r for r, _ in described], dtype=pl.String),
        pl.Series(VERDICT_DETAIL, [d for _, d in described], dtype=pl.String),
        pl.Series(PENDING, pending, dtype=PENDING_TYPE),
    )


def decontaminate_stage(detector: Callable[[], ContaminationDetector | None]) -> Stage:
    """`detector()` gives the detector (built on first use), or None when decontamination is off."""

    def run(frame: pl.DataFrame) -> pl.DataFrame:
        height = frame.height
        column = lambda name, default: frame[name].to_list() if name in frame.columns else [default] * height  # noqa: E731
        checked, reasons, details, pending = (column(CHECKED, None), column(VERDICT, None),
                                              column(VERDICT_DETAIL, None), column(PENDING, None))  # fmt: skip
        found = detector()
        if found is not None:
            questions = frame["question"].to_list()
            todo = [i for i in range(height) if not checked[i]]
            for i, verdict in zip(todo, found.detect([questions[i] for i in todo])):
                reasons[i], details[i] = describe(verdict)
            undecided = [i for i in range(height) if checked[i] and pending[i] and reasons[i] is None]
            if undecided and found.use_embeddings:
                verdicts = [Verdict(False, None, 0.0, "clean") for _ in undecided]
                pairs = [(k, p["test_index"], p["reason"]) for k, i in enumerate(undecided) for p in pending[i]]
                found.confirm([questions[i] for i in undecided], pairs, verdicts)
                for i, verdict in zip(undecided, verdicts):
                    reasons[i], details[i] = describe(verdict)
        return with_drops(frame, reasons, details)

    return Stage("decontaminate", run, inputs=("question",))
