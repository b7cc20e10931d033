"""One chunk of a run: its tasks generated and verified, then the chunk stages over its rows in task order.

`TASK_STAGES` run where a generator lives (symbolic tasks in the worker processes, LLM tasks
here); `CHUNK_STAGES` run here over the whole chunk. A new chunk stage is one class added to
`CHUNK_STAGES`: built from the `ChunkContext`, it declares its columns and its drops carry its
name, so the funnel, the card and the drop report list it with no other change. A stage behind a
switch (`--solver-check`) has an `enabled(config)`; a run without the switch never lists it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import polars as pl

from augment.checkpoint import Chunk
from augment.config import RunConfig
from augment.decontamination import DECONTAMINATE, decontaminate_stage, make_detector
from augment.methods import ORIGINAL, REGISTRY, names
from augment.schema import finalize_rows, row_id
from augment.solver_check import SolverCheck
from augment.stages import DETAIL, DROP, STAGE, Stage, StageLike, StagesResult, StageStats, run_stages, with_drops
from augment.verification import VERIFY, VerifyPolicy, generate_then_verify
from dedup.index import DuplicateIndex

GENERATE = "generate"
TASK_STAGES = (GENERATE, VERIFY)


@dataclass
class ChunkContext:
    """What chunk stages share across chunks: the dedup index, and the contamination checks and the run's
    model engine built on first use (symbolic rows arrive with the workers' verdicts, so a symbolic run may
    never need the checks here; one engine serves the LLM methods and the solver check)."""

    config: RunConfig
    train_questions: list[str]
    index: DuplicateIndex
    _detector: object = None
    _engine: object = None

    def detector(self):
        if self._detector is None and self.config.contamination.enabled:
            self._detector = make_detector(self.config.contamination.embeddings, self.train_questions)
        return self._detector

    def engine(self):
        if self._engine is None:
            from augment.llm.engines import make_engine

            self._engine = make_engine(self.config.llm)
        return self._engine


class ChunkStage(Protocol):
    """A chunk stage class; one behind a switch also has `enabled(config) -> bool`."""

    name: ClassVar[str]

    @classmethod
    def build(cls, context: ChunkContext) -> StageLike: ...


def dedup_texts(frame: pl.DataFrame) -> list[str]:
    """What the dedup index compares: the question, plus the solution for methods that keep the train
    question (a new solution to a train problem is new, its question is not)."""
    keeps = pl.col("method").is_in([name for name, method in REGISTRY.items() if method.keeps_question])
    return frame.select(pl.when(keeps).then(pl.concat_str("question", pl.lit("\n"), "answer")).otherwise("question"))[
        "question"
    ].to_list()


@dataclass
class Dedup:
    """Drops near and exact duplicates of earlier rows and of train; `indexed` is what the last chunk added,
    which the run store keeps so that a resumed run rebuilds the same index."""

    index: DuplicateIndex
    indexed: pl.DataFrame | None = None
    name: ClassVar[str] = "dedup"
    inputs: ClassVar[tuple[str, ...]] = ("id", "question", "answer", "method")
    outputs: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def build(cls, context: ChunkContext) -> Dedup:
        return cls(context.index)

    def run(self, frame: pl.DataFrame) -> pl.DataFrame:
        texts = dedup_texts(frame)
        matches = self.index.check(
            texts, frame["id"].to_list(), exempt_reference=(frame["method"] == ORIGINAL.name).to_list()
        )
        kept = [i for i, match in enumerate(matches) if match is None]
        self.indexed = pl.DataFrame(
            {"label": [frame["id"][i] for i in kept], "question": [texts[i] for i in kept]},
            schema={"label": pl.String, "question": pl.String},
        )
        return with_drops(
            frame,
            [m.reason if m else None for m in matches],
            [f"duplicate of {m.cluster} (ratio {m.ratio:.0f})" if m else None for m in matches],
        )


class Decontaminate:
    """Drops rows that are, or derive from, a GSM8K test question (`augment.decontamination`)."""

    name: ClassVar[str] = DECONTAMINATE

    @classmethod
    def build(cls, context: ChunkContext) -> Stage:
        judge = context.engine if context.config.contamination.judge else None
        return decontaminate_stage(context.detector, judge)


# the solver check last: the model call is the dearest work, so it sees only what the others kept
CHUNK_STAGES: list[type[ChunkStage]] = [Dedup, Decontaminate, SolverCheck]


def chunk_stages(config: RunConfig) -> list[type[ChunkStage]]:
    """The stages of this run: all but those whose switch is off."""
    return [stage for stage in CHUNK_STAGES if not hasattr(stage, "enabled") or stage.enabled(config)]


def chunk_stage_names(config: RunConfig) -> list[str]:
    return [stage.name for stage in chunk_stages(config)]


@dataclass
class ChunkWork:
    """Finishes chunks: LLM tasks through generate-then-verify, then every chunk stage, into a `Chunk`."""

    config: RunConfig
    sources: pl.DataFrame
    run_id: str
    excluded: dict[int, str]
    context: ChunkContext
    policy: VerifyPolicy = field(init=False)
    llm: object = None

    def __post_init__(self) -> None:
        self.policy = VerifyPolicy.from_config(self.config.quality, self.config.llm)

    def finish(self, tasks: pl.DataFrame, span: tuple[int, int], symbolic) -> Chunk:
        """`symbolic`: the workers' `ShardResult` for the chunk's symbolic tasks, or None."""
        parts = [symbolic.stages] if symbolic is not None else []
        llm_tasks = tasks.filter(pl.col("method").is_in(names("llm")))
        if llm_tasks.height:
            parts.append(self._llm(llm_tasks))
        task_stats = [StageStats(name) for name in TASK_STAGES]
        for part in parts:
            for total, stat in zip(task_stats, part.stats):
                total.add(stat)
        candidates = pl.concat([p.kept for p in parts], how="diagonal_relaxed").sort("task")
        candidates = candidates.with_columns(
            pl.Series("id", [row_id(q, a) for q, a in zip(candidates["question"], candidates["answer"])])
        )
        stages = [stage.build(self.context) for stage in chunk_stages(self.config)]
        result = run_stages(stages, candidates)
        for stat in result.stats:
            if stat.name == Decontaminate.name and symbolic is not None:
                stat.seconds += symbolic.screening_seconds  # the verdicts the workers computed
        indexed = next(stage.indexed for stage in stages if isinstance(stage, Dedup))
        return Chunk(
            tasks=span,
            rows=finalize_rows(result.kept, self.run_id),
            drops=drop_report([d for p in parts for d in p.dropped] + result.dropped),
            indexed=indexed,
            stats=task_stats + result.stats,
        )

    def _llm(self, tasks: pl.DataFrame) -> StagesResult:
        if self.llm is None:
            from augment.llm.generator import LLMGenerator

            self.llm = LLMGenerator(self.config.llm, self.sources, self.excluded, engine=self.context.engine())
        generate = Stage(GENERATE, self.llm.generate_stage, inputs=("task", "source_index", "method", "seed"))
        return generate_then_verify(generate, self.policy, tasks)


DROP_SCHEMA = {
    "task": pl.Int64,
    "source_index": pl.Int64,
    "method": pl.String,
    "stage": pl.String,
    "reason": pl.String,
    "detail": pl.String,
    "question": pl.String,
}


def drop_report(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per dropped row, in task order, with the stage that dropped it and why."""
    parts = [
        f.select(
            pl.col("task"),
            pl.col("source_index"),
            pl.col("method"),
            pl.col(STAGE),
            pl.col(DROP).alias("reason"),
            pl.col(DETAIL).alias("detail"),
            pl.col("question"),
        )
        for f in frames
        if f.height
    ]
    if not parts:
        return pl.DataFrame(schema=DROP_SCHEMA)
    return pl.concat([p.cast(DROP_SCHEMA) for p in parts]).sort("task")
