"""Worker processes for the symbolic part of a run: each owns the templates of a shard of
the sources (source_index % workers) and runs the generate and verify stages on its tasks.

Sharding by source means each worker derives a share of the templates at start-up (the
expensive part, done in parallel) and draws each source's assignments once. Processes
are spawned, not forked: the parent may already run polars and vLLM threads. They die with
their parent, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import polars as pl

from augment.config import ContaminationConfig
from augment.decontamination import make_detector, with_verdicts
from augment.lifetime import die_with_parent
from augment.stages import Stage, StagesResult, StageStats, with_drops
from augment.symbolic.generator import (
    SymbolicGenerator,
    annotation_records,
    cache_path,
    cached_records,
    compile_records,
    read_records,
    write_records,
)
from augment.symbolic.variants import invertible, renameable
from augment.verification import VerifyPolicy, generate_then_verify
from filters import embeddings

_STATE: dict = {}


@dataclass
class ShardSpec:
    """What a worker needs to hold its shard: the shard's sources and the run's settings."""

    frame: pl.DataFrame
    seed: int
    max_per_source: int
    policy: VerifyPolicy
    contamination: ContaminationConfig
    train_questions: list[str]


@dataclass
class TemplateInfo:
    """What a shard's templates cover: sources templated, with names, invertible; why the others not;
    the records it derived (None when it was given them), for the template cache."""

    templated: list[int]
    named: list[int]
    invertible: list[int]
    skipped: dict[int, str]
    derived: list[dict] | None


@dataclass
class ShardResult:
    """One worker's share of a chunk: its stages' result and the seconds it spent screening for contamination."""

    stages: StagesResult
    screening_seconds: float


class SymbolicShard:
    """One worker's state: the compiled templates of its shard, and the stages over its tasks. A pool
    process holds one (`_start`); a Ray actor is one (`augment.ray_executor`)."""

    def __init__(self, spec: ShardSpec, records: list[dict] | None) -> None:
        """Compile the shard's templates: from `records` when given, else derived here."""
        frame = spec.frame
        derived = annotation_records(frame, workers=1) if records is None else None
        templates = compile_records(derived if records is None else records, set(frame["source_index"].to_list()), {})
        questions = zip(frame["question"].to_list(), frame["answer"].to_list())
        originals = dict(zip(frame["source_index"].to_list(), questions))
        self.generator = SymbolicGenerator(templates.compiled, spec.seed, spec.max_per_source, originals)
        self.policy = spec.policy
        # checked here, in parallel; the decontaminate stage, after dedup, reads the verdicts
        enabled = spec.contamination.enabled
        self.detector = make_detector(spec.contamination.embeddings, spec.train_questions) if enabled else None
        self.templates = TemplateInfo(
            sorted(templates.compiled),
            sorted(i for i, t in templates.compiled.items() if renameable(t)),
            sorted(i for i, t in templates.compiled.items() if invertible(t)),
            templates.skipped,
            derived,
        )

    def info(self) -> TemplateInfo:
        return self.templates

    def generate_and_verify(self, tasks: pl.DataFrame) -> ShardResult:
        generate = Stage(
            "generate", lambda frame: _generate(self.generator, frame), inputs=("source_index", "method", "seed")
        )
        result = generate_then_verify(generate, self.policy, tasks)
        started = time.perf_counter()
        if self.detector is not None and result.kept.height:  # the decontaminate stage, after dedup, reads these
            result.kept = with_verdicts(result.kept, self.detector)
        return ShardResult(result, time.perf_counter() - started)


def _start(parent: int, spec: ShardSpec, records_file: str | None) -> None:
    die_with_parent(parent)
    _STATE["shard"] = SymbolicShard(spec, read_records(records_file) if records_file else None)


def _info() -> TemplateInfo:
    return _STATE["shard"].info()


def _generate_and_verify(tasks: pl.DataFrame) -> ShardResult:
    return _STATE["shard"].generate_and_verify(tasks)


def _generate(generator: SymbolicGenerator, tasks: pl.DataFrame) -> pl.DataFrame:
    candidates = generator.generate(tasks)
    return with_drops(
        candidates.with_columns(tasks["task"]), candidates["_drop"].to_list(), candidates["_detail"].to_list()
    )


class SymbolicWorkers:
    """Generate + verify for symbolic tasks across `workers` shards, results in task order. The shards
    live in local processes here; `augment.ray_executor.RayWorkers` puts them in Ray actors."""

    def __init__(
        self,
        sources: pl.DataFrame,
        seed: int,
        max_per_source: int,
        templates_file: str | None,
        policy: VerifyPolicy,
        workers: int,
        contamination: ContaminationConfig,
    ) -> None:
        """Start the workers; they compile their templates while the caller goes on (see `ready`)."""
        if contamination.enabled and contamination.embeddings != "off" and embeddings.available():
            embeddings.token_vectors()  # distilled once, here, before the workers load it
        self.workers = workers
        self._cache = None if templates_file else cache_path(sources)
        records_file = templates_file or (str(cached) if (cached := cached_records(sources)) else None)
        train = sources["question"].to_list()
        specs = [
            ShardSpec(
                sources.filter(pl.col("source_index") % workers == rank),
                seed,
                max_per_source,
                policy,
                contamination,
                train,
            )
            for rank in range(workers)
        ]
        self._launch(specs, records_file)
        self._infos = self._call("info", [()] * workers)

    def _launch(self, specs: list[ShardSpec], records_file: str | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._pools = [
            ProcessPoolExecutor(1, mp_context=context, initializer=_start, initargs=(os.getpid(), spec, records_file))
            for spec in specs
        ]

    def _call(self, method: str, arguments: list[tuple]) -> list:
        """Call `method` on every shard, with its arguments; handles to wait on with `_results`."""
        function = {"info": _info, "generate_and_verify": _generate_and_verify}[method]
        return [pool.submit(function, *args) for pool, args in zip(self._pools, arguments)]

    def _results(self, handles: list) -> list:
        return [handle.result() for handle in handles]

    def ready(self) -> None:
        """Wait for the templates: which sources are templated, which have names, why the others not."""
        infos: list[TemplateInfo] = self._results(self._infos)
        self.templated = {i for info in infos for i in info.templated}
        self.named = {i for info in infos for i in info.named}
        self.invertible = {i for info in infos for i in info.invertible}
        self.skipped = {i: reason for info in infos for i, reason in info.skipped.items()}
        derived = [record for info in infos if info.derived for record in info.derived]
        if derived and self._cache is not None:  # remember the derivation for the next run
            write_records(self._cache, sorted(derived, key=lambda r: r["row"]))

    def submit(self, tasks: pl.DataFrame):
        """Start generate + verify for (non-empty) symbolic and original tasks; call the result to wait
        for the merged `ShardResult`, rows in task order."""
        shards = [(tasks.filter(pl.col("source_index") % self.workers == rank),) for rank in range(self.workers)]
        handles = self._call("generate_and_verify", shards)
        return lambda: merge_shards(self._results(handles))

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)


def merge_shards(shards: list[ShardResult]) -> ShardResult:
    """The shards' results of one chunk as one, rows in task order."""
    results = [shard.stages for shard in shards]
    kept = pl.concat([r.kept for r in results], how="diagonal_relaxed").sort("task")
    dropped = pl.concat([d for r in results for d in r.dropped], how="diagonal_relaxed").sort("task")
    stats = []
    for i, first in enumerate(results[0].stats):
        merged = StageStats(first.name)
        for result in results:
            merged.add(result.stats[i])
        merged.seconds = max(result.stats[i].seconds for result in results)  # wall time: shards run at once
        stats.append(merged)
    return ShardResult(StagesResult(kept, [dropped], stats), max(shard.screening_seconds for shard in shards))
