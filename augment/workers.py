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


def _start(
    parent: int,
    frame: pl.DataFrame,
    seed: int,
    max_per_source: int,
    records_file: str | None,
    policy: VerifyPolicy,
    contamination: ContaminationConfig,
    train_questions: list[str],
) -> None:
    """Compile this shard's templates: from a records file when given, else derived here."""
    die_with_parent(parent)
    records = read_records(records_file) if records_file else annotation_records(frame, workers=1)
    templates = compile_records(records, set(frame["source_index"].to_list()), {})
    originals = dict(zip(frame["source_index"].to_list(), zip(frame["question"].to_list(), frame["answer"].to_list())))
    _STATE["generator"] = SymbolicGenerator(templates.compiled, seed, max_per_source, originals)
    _STATE["policy"] = policy
    # checked here, in parallel; the decontaminate stage, after dedup, reads the verdicts
    _STATE["detector"] = make_detector(contamination.embeddings, train_questions) if contamination.enabled else None
    named = sorted(i for i, t in templates.compiled.items() if renameable(t))
    inverted = sorted(i for i, t in templates.compiled.items() if invertible(t))
    _STATE["info"] = (sorted(templates.compiled), named, templates.skipped, None if records_file else records, inverted)


def _info():
    return _STATE["info"]


@dataclass
class ShardResult:
    """One worker's share of a chunk: its stages' result and the seconds it spent screening for contamination."""

    stages: StagesResult
    screening_seconds: float


def _generate_and_verify(tasks: pl.DataFrame) -> ShardResult:
    generator: SymbolicGenerator = _STATE["generator"]
    stage = Stage("generate", lambda frame: _generate(generator, frame), inputs=("source_index", "method", "seed"))
    result = generate_then_verify(stage, _STATE["policy"], tasks)
    started = time.perf_counter()
    if _STATE["detector"] is not None and result.kept.height:  # the decontaminate stage, after dedup, reads these
        result.kept = with_verdicts(result.kept, _STATE["detector"])
    return ShardResult(result, time.perf_counter() - started)


def _generate(generator: SymbolicGenerator, tasks: pl.DataFrame) -> pl.DataFrame:
    candidates = generator.generate(tasks)
    return with_drops(
        candidates.with_columns(tasks["task"]), candidates["_drop"].to_list(), candidates["_detail"].to_list()
    )


class SymbolicWorkers:
    """Generate + verify for symbolic tasks across `workers` processes, results in task order."""

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
        context = multiprocessing.get_context("spawn")
        if contamination.enabled and contamination.embeddings != "off" and embeddings.available():
            embeddings.token_vectors()  # distilled once, here, before the workers load it
        self.workers = workers
        self._cache = None if templates_file else cache_path(sources)
        records_file = templates_file or (str(cached) if (cached := cached_records(sources)) else None)
        train = sources["question"].to_list()
        self._pools = [
            ProcessPoolExecutor(
                1,
                mp_context=context,
                initializer=_start,
                initargs=(
                    os.getpid(),
                    sources.filter(pl.col("source_index") % workers == rank),
                    seed,
                    max_per_source,
                    records_file,
                    policy,
                    contamination,
                    train,
                ),
            )
            for rank in range(workers)
        ]
        self._infos = [pool.submit(_info) for pool in self._pools]

    def ready(self) -> None:
        """Wait for the templates: which sources are templated, which have names, why the others not."""
        infos = [future.result() for future in self._infos]
        self.templated = {i for info in infos for i in info[0]}
        self.named = {i for info in infos for i in info[1]}
        self.invertible = {i for info in infos for i in info[4]}
        self.skipped = {i: reason for info in infos for i, reason in info[2].items()}
        derived = [record for info in infos if info[3] for record in info[3]]
        if derived and self._cache is not None:  # remember the derivation for the next run
            write_records(self._cache, sorted(derived, key=lambda r: r["row"]))

    def submit(self, tasks: pl.DataFrame):
        """Start generate + verify for (non-empty) symbolic and original tasks; call the result to wait
        for the merged `ShardResult`, rows in task order."""
        futures = [
            pool.submit(_generate_and_verify, tasks.filter(pl.col("source_index") % self.workers == rank))
            for rank, pool in enumerate(self._pools)
        ]

        def gather() -> ShardResult:
            shards = [future.result().stages for future in futures]
            kept = pl.concat([s.kept for s in shards], how="diagonal_relaxed").sort("task")
            dropped = pl.concat([d for s in shards for d in s.dropped], how="diagonal_relaxed").sort("task")
            stats = []
            for i, first in enumerate(shards[0].stats):
                merged = StageStats(first.name)
                for shard in shards:
                    merged.add(shard.stats[i])
                merged.seconds = max(shard.stats[i].seconds for shard in shards)  # wall time: shards run at once
                stats.append(merged)
            screening = max(future.result().screening_seconds for future in futures)
            return ShardResult(StagesResult(kept, [dropped], stats), screening)

        return gather

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
