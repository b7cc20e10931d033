"""A stage is a function from a frame to the same frame plus a `_drop` column (null: keep).

`apply_stage` runs it, times it, counts rows in and out and drops by reason, and splits
the frame into kept and dropped rows, each dropped row labelled with the stage's name.
Stages declare the columns they read and write (as distilabel steps do), so a wrong wiring
fails at once with the stage's name. `run_stages` is the one executor: a distributed one
replaces it, not the stages.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

DROP, DETAIL, STAGE = "_drop", "_detail", "stage"


@dataclass
class StageStats:
    """Counters of one stage, summed over chunks."""

    name: str
    rows_in: int = 0
    rows_out: int = 0
    drops: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, other: StageStats) -> None:
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        self.drops.update(other.drops)
        self.seconds += other.seconds

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "drops": dict(self.drops.most_common()),
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: dict) -> StageStats:
        return cls(data["name"], data["rows_in"], data["rows_out"], Counter(data["drops"]), data["seconds"])


class StageLike(Protocol):
    """What the executor needs of a stage: a name for its drops and counters, its columns, its work."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def run(self, frame: pl.DataFrame) -> pl.DataFrame: ...


@dataclass(frozen=True)
class Stage:
    """A stage from a plain function, for stages without state of their own."""

    name: str
    run: Callable[[pl.DataFrame], pl.DataFrame]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...] = ()


@dataclass
class StagesResult:
    """Rows that passed every stage, each stage's dropped rows (with `stage`), and each stage's counters."""

    kept: pl.DataFrame
    dropped: list[pl.DataFrame]
    stats: list[StageStats]


def run_stages(stages: Sequence[StageLike], frame: pl.DataFrame) -> StagesResult:
    """Each stage in turn over what the one before kept."""
    dropped, stats = [], []
    for stage in stages:
        frame, stage_dropped, stage_stats = apply_stage(stage, frame)
        dropped.append(stage_dropped)
        stats.append(stage_stats)
    return StagesResult(frame, dropped, stats)


def apply_stage(stage: StageLike, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, StageStats]:
    """(kept, dropped, stats). Dropped rows keep `_drop` and `_detail`, and gain `stage`, for the drops report."""
    missing = [c for c in stage.inputs if c not in frame.columns]
    if missing:
        raise ValueError(f"stage {stage.name} needs columns {missing}, got {frame.columns}")
    started = time.perf_counter()
    result = stage.run(frame)
    for column in (*stage.outputs, DROP):
        if column not in result.columns:
            raise ValueError(f"stage {stage.name} did not produce column {column}")
    if DETAIL not in result.columns:
        result = result.with_columns(pl.lit(None, dtype=pl.String).alias(DETAIL))
    dropped = result.filter(pl.col(DROP).is_not_null()).with_columns(pl.lit(stage.name).alias(STAGE))
    kept = result.filter(pl.col(DROP).is_null()).drop(DROP, DETAIL)
    stats = StageStats(
        stage.name, frame.height, kept.height, Counter(dropped[DROP].to_list()), time.perf_counter() - started
    )
    return kept, dropped, stats


def with_drops(frame: pl.DataFrame, reasons: list[str | None], details: list[str | None] | None = None) -> pl.DataFrame:
    """`frame` with the `_drop` (and `_detail`) columns set from per-row lists."""
    columns = [pl.Series(DROP, reasons, dtype=pl.String)]
    if details is not None:
        columns.append(pl.Series(DETAIL, details, dtype=pl.String))
    return frame.with_columns(columns)


def format_funnel(stats: list[StageStats], top: int = 4) -> str:
    """The funnel as aligned text lines: rows in/out per stage and the main drop reasons."""
    width = max(len(s.name) for s in stats)
    lines = []
    for s in stats:
        reasons = ", ".join(f"{r} {n:,}" for r, n in s.drops.most_common(top))
        more = len(s.drops) - top
        reasons += f", +{more} more" if more > 0 else ""
        lines.append(f"{s.name:<{width}}  {s.rows_in:>9,} -> {s.rows_out:>9,}  {s.seconds:7.2f}s  {reasons}".rstrip())
    return "\n".join(lines)
