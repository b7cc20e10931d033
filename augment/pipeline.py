"""`augment run`: source -> generate -> verify -> dedup -> decontaminate -> publish, in chunks.

Each chunk is a slice of the planned task stream. After a chunk is finished it is
committed to the run store; the dedup index is the only state carried between chunks,
and it is rebuilt from the committed chunks on resume, so a resumed run produces the
same rows, in the same order, as one that was never interrupted.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from augment import __version__
from augment.announce import announce, message_board
from augment.checkpoint import RunStore, lock_path
from augment.chunks import TASK_STAGES, ChunkContext, ChunkWork, chunk_stage_names
from augment.code_version import rows_code_hash
from augment.config import ExecutorConfig, RunConfig
from augment.decontamination import require_embeddings
from augment.errors import UserError
from augment.lifetime import run_lock, writing
from augment.llm.engines import check_model
from augment.methods import REGISTRY, names
from augment.plan import Eligibility, plan_tasks
from augment.publish import find_published, publish_version, remove_abandoned_staging
from augment.source_stages import SOURCE_CHECK, TEMPLATE, TemplateStage
from augment.sources import SourceError, load_source
from augment.stages import DROP, STAGE, StageStats, apply_stage, format_funnel
from augment.verification import VerifyPolicy
from augment.workspace import check_collision, post_proposal
from dedup.index import DuplicateIndex


class RunError(UserError):
    """The run cannot finish as asked; the message says why and what to change."""


@dataclass
class RunResult:
    run_id: str
    rows: int
    version_dir: Path | None
    funnel: list[StageStats] = field(default_factory=list)
    announcement: Path | None = None
    already_published: bool = False


def run(
    config: RunConfig,
    resume: bool = True,
    show_progress: bool = True,
    log=print,
    anyway: bool = False,
    executor: ExecutorConfig = ExecutorConfig(),
) -> RunResult:
    if executor.kind == "ray":
        from augment.ray_executor import require_ray

        require_ray()  # before anything is written
    if config.contamination.enabled:
        require_embeddings(config.contamination.embeddings)
    if config.uses_model:
        check_model(config.llm.model, config.llm.endpoints)
    source = load_source(config.source)
    identity = dict(source.identity)
    if config.templates:
        _check_templates_file(Path(config.templates))
        identity["templates_sha256"] = hashlib.sha256(Path(config.templates).read_bytes()).hexdigest()
    run_id = config.fingerprint(identity)
    dataset_dir = Path(config.out) / config.name
    check_collision(config, identity, anyway, log)  # raises WorkspaceCollision; writes nothing

    def waiting() -> None:
        log(f"another process is running {run_id} (the same settings); waiting for it to finish")

    with run_lock(lock_path(dataset_dir, run_id), on_wait=waiting):  # identical runs publish once
        remove_abandoned_staging(dataset_dir, run_id)
        return _run_locked(config, source, identity, run_id, dataset_dir, resume, show_progress, log, executor)


def _run_locked(config, source, identity, run_id, dataset_dir, resume, show_progress, log, executor) -> RunResult:
    store = RunStore(dataset_dir / ".runs" / run_id)
    if not resume:
        store.discard()
    published = find_published(dataset_dir, run_id, config.n)
    if published is not None:
        return _finish_announcement(config, store, published, run_id, log)
    _check_capacity(config, source.frame.height, None)
    proposal = post_proposal(config, identity, run_id)
    if proposal is not None:
        log(f"proposed in {proposal}")
    description = {"run_id": run_id, "config": config.to_dict(), "source": identity, "version": __version__}
    if store.open(description | {"code": rows_code_hash()}):
        log(f"resuming run {run_id}: {len(store.completed())} chunk(s) already done")
    made = _make_rows(config, source, run_id, store, show_progress, executor)
    return _publish(config, identity, run_id, dataset_dir, store, made, log)


@dataclass
class _Made:
    """What the chunks made: rows kept, tasks planned, the funnel up to publish, the drops before the chunks."""

    kept: int
    planned: int
    funnel: list[StageStats]
    early_drops: pl.DataFrame


def _make_rows(config: RunConfig, source, run_id: str, store: RunStore, show_progress: bool, executor) -> _Made:
    load_stats = StageStats(
        "load",
        source.frame.height + sum(source.malformed.values()),
        source.frame.height,
        Counter({f"load:{k}": v for k, v in source.malformed.items()}),
    )
    if show_progress:
        print("sources: checking; template: compiling (workers)", file=sys.stderr, flush=True)
    started = time.perf_counter()
    with _cluster(config, executor, show_progress) as cluster:
        workers = _spawn_workers(config, source.frame, cluster)  # they compile templates while this checks sources
        try:
            usable, broken, source_stats = apply_stage(SOURCE_CHECK, source.frame)
            excluded = dict(zip(broken["source_index"].to_list(), broken[DROP].to_list()))
            eligibility, untemplated, template_stats = _templates(usable, workers, started)
            tasks = plan_tasks(config, eligibility)
            _check_capacity(config, source.frame.height, tasks.height)
            work = ChunkWork(config, source.frame, run_id, excluded, _chunk_context(config, source.frame, store))
            if cluster is not None and config.uses_llm:
                work.llm = cluster.llm_generator(config.llm, source.frame, excluded)
            kept, totals = _run_chunks(work, workers, store, tasks, show_progress)
        finally:
            if workers is not None:
                workers.close()
    funnel = [load_stats, source_stats, *([template_stats] if workers else []), *totals]
    early_drops = _early_drops(load_stats, [broken, untemplated])
    return _Made(kept, tasks.height, funnel, early_drops)


def _publish(config: RunConfig, identity, run_id, dataset_dir: Path, store: RunStore, made: _Made, log) -> RunResult:
    """The first n kept rows, when there are enough (or --allow-fewer), as a new version, then announced."""
    kept, funnel = made.kept, list(made.funnel)
    if kept < config.n and not config.allow_fewer:
        raise RunError(
            f"the source is exhausted: {kept:,} of {config.n:,} rows survived all {made.planned:,} planned tasks "
            f"({config.max_per_source} per source); raise --max-per-source, widen --mix, or pass --allow-fewer "
            f"to publish what survived (work so far is kept and reused)"
        )
    if kept == 0:  # an empty release would only announce a failure as a dataset
        raise RunError(
            f"nothing accepted: no row survived {made.planned:,} planned tasks, so nothing is published; "
            f"main drops: {_main_drops(funnel)}"
        )
    survivors = pl.concat([store.load(k, "rows") for k in store.completed()])
    rows = survivors.head(config.n)
    beyond = Counter({"publish:beyond-n": kept - rows.height}) if kept > rows.height else Counter()
    funnel.append(StageStats("publish", kept, rows.height, beyond))
    drops = pl.concat(
        [
            made.early_drops,
            *(store.load(k, "drops") for k in store.completed()),
            survivors.slice(config.n)
            .select("source_index", "method", "question")
            .with_columns(stage=pl.lit("publish"), reason=pl.lit("publish:beyond-n")),
        ],
        how="diagonal_relaxed",
    )
    with writing(dataset_dir):
        version_dir = publish_version(dataset_dir, rows, drops, config, identity, run_id, funnel)
    log(f"published {rows.height:,} rows to {version_dir}")
    log(format_funnel(funnel))
    with writing(message_board(Path(config.out))):
        announcement = announce(config, version_dir, rows.height, funnel) if config.announce else None
    store.mark_published(
        {"version_dir": str(version_dir), "n": config.n, "announcement": str(announcement) if announcement else None}
    )
    return RunResult(run_id, rows.height, version_dir, funnel, announcement)


def _check_capacity(config: RunConfig, sources: int, planned: int | None) -> None:
    """Each task makes at most one row, so a run that cannot reach --n is refused before the work,
    first from the source's size, then (`planned`) from the tasks its eligible sources allow."""
    if config.allow_fewer:
        return
    most = sources * (config.max_per_source + config.include_original) if planned is None else planned
    if config.n > most:
        raise RunError(
            f"the source is exhausted before any work starts: --n {config.n:,} is more than the {most:,} tasks "
            f"{sources:,} source problems allow ({config.max_per_source} per source); lower --n, raise "
            f"--max-per-source, widen --mix, or pass --allow-fewer to publish what survives"
        )


def _check_templates_file(path: Path) -> None:
    """Here, in one line naming the line, rather than in the workers' initializer, which only breaks the pool."""
    for line_no, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deeply
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("row"), int):
            raise SourceError(f"templates file {path} line {line_no}: not a JSON object with an integer row")


def _finish_announcement(config, store, published: Path, run_id: str, log) -> RunResult:
    """The same run was already published: say so, and announce if the earlier run died before it."""
    record = store.published()
    announcement = Path(record["announcement"]) if record and record.get("announcement") else None
    if record is None and config.announce:
        manifest = json.loads((published / "manifest.json").read_text())
        funnel = [StageStats.from_dict(s) for s in manifest["funnel"]]
        announcement = announce(config, published, manifest["rows"], funnel)
        store.mark_published({"version_dir": str(published), "n": config.n, "announcement": str(announcement)})
    log(f"already published: {published} (run {run_id}); nothing to do")
    return RunResult(run_id, config.n, published, announcement=announcement, already_published=True)


def _needs_workers(config: RunConfig) -> bool:
    """Whether the run has symbolic or original tasks, which the symbolic workers make."""
    return config.include_original or any(REGISTRY[m].engine != "llm" for m in config.mix)


def _cluster(config: RunConfig, executor: ExecutorConfig, show_progress: bool):
    """The Ray session of a `--executor ray` run (its workers' actors die with it); nothing for a local run."""
    if executor.kind == "local":
        return nullcontext()
    from augment.ray_executor import ray_cluster

    return ray_cluster(executor, config.workers, _needs_workers(config) + config.uses_llm, show_progress)


def _spawn_workers(config: RunConfig, sources: pl.DataFrame, cluster):
    """The symbolic workers (local processes, or the cluster's actors), when the run needs them; None otherwise."""
    if not _needs_workers(config):
        return None
    from augment.workers import SymbolicWorkers

    policy = VerifyPolicy.from_config(config.quality, config.llm)
    make = cluster.symbolic_workers if cluster is not None else SymbolicWorkers
    return make(
        sources, config.seed, config.max_per_source, config.templates, policy, config.workers, config.contamination
    )


def _templates(usable: pl.DataFrame, workers, started: float):
    """(eligibility, sources without a template, template stage counters) once the workers have their templates."""
    eligibility = Eligibility(usable["source_index"].to_list())
    if workers is None:
        return (
            eligibility,
            usable.clear(),
            StageStats(TEMPLATE, usable.height, 0, seconds=time.perf_counter() - started),
        )
    templated, untemplated, stats = apply_stage(TemplateStage(workers), usable)
    stats.seconds = time.perf_counter() - started  # the workers compiled while the sources were checked
    kept = set(eligibility.sources)
    eligibility.templated = set(templated["source_index"].to_list())
    eligibility.named = workers.named & kept
    eligibility.invertible = workers.invertible & kept
    return eligibility, untemplated, stats


def _chunk_context(config: RunConfig, sources: pl.DataFrame, store: RunStore) -> ChunkContext:
    """The dedup index as the committed chunks left it (plus train, when asked)."""
    train = sources["question"].to_list()
    index = DuplicateIndex(config.dedup)
    if config.dedup.against_train:
        index.add_reference(train, [f"train:{i}" for i in sources["source_index"].to_list()])
    for k in store.completed():
        indexed = store.load(k, "indexed")
        index.add(indexed["question"].to_list(), indexed["label"].to_list())
    return ChunkContext(config, train, index)


@dataclass
class _Tally:
    """Rows kept, chunks committed and each stage's counters so far, from the committed chunks on."""

    kept: int
    chunks: int
    tasks_done: int
    totals: dict[str, StageStats]

    @classmethod
    def from_store(cls, store: RunStore, config: RunConfig) -> _Tally:
        done = store.completed()
        tally = cls(
            0,
            len(done),
            store.task_range(done[-1])[1] if done else 0,
            {name: StageStats(name) for name in (*TASK_STAGES, *chunk_stage_names(config))},
        )
        tally.kept = sum(store.load(k, "rows").height for k in done)
        tally.add_stats(stat for k in done for stat in store.stats(k))
        return tally

    def add_stats(self, stats) -> None:
        for stat in stats:
            self.totals.setdefault(stat.name, StageStats(stat.name)).add(stat)

    def rate(self) -> float:
        """Rows kept per task so far."""
        return self.kept / self.tasks_done if self.tasks_done else 0.0


def _next_span(config: RunConfig, start: int, kept: float, rate: float, total: int) -> tuple[int, int] | None:
    """The next chunk's slice of the task stream: full size, or what the remaining rows need."""
    if start >= total or kept >= config.n:
        return None
    size = config.chunk_size
    if rate > 0:
        size = min(size, math.ceil((config.n - kept) / rate * 1.05) + 32)
    return start, min(start + max(size, 1), total)


def _submit(workers, tasks: pl.DataFrame, span: tuple[int, int] | None):
    """Hand a chunk's symbolic tasks to the workers; call the result to wait for them (None: no chunk)."""
    if span is None:
        return None
    symbolic = tasks.slice(span[0], span[1] - span[0]).filter(~pl.col("method").is_in(names("llm")))
    return workers.submit(symbolic) if symbolic.height and workers is not None else (lambda: None)


def _run_chunks(work: ChunkWork, workers, store: RunStore, tasks: pl.DataFrame, show_progress: bool):
    """Run chunks until n rows survive or the tasks run out; returns the rows kept and each stage's totals."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    config, tally = work.config, _Tally.from_store(store, work.config)
    stages = ", ".join(tally.totals)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show_progress,
        transient=False,
        console=Console(stderr=True),
    ) as progress:
        description = f"rows kept; chunk {tally.chunks + 1}: {stages}"
        bar = progress.add_task(description, total=config.n, completed=min(tally.kept, config.n))
        span = _next_span(config, tally.tasks_done, tally.kept, tally.rate(), tasks.height)
        pending = _submit(workers, tasks, span)
        while span is not None:
            symbolic = pending()
            # the workers make the next chunk while this process deduplicates and decontaminates this one
            expected = tally.kept + (span[1] - span[0]) * (tally.rate() or 0.9)
            following = _next_span(config, span[1], expected, tally.rate(), tasks.height)
            following_pending = _submit(workers, tasks, following)
            result = work.finish(tasks.slice(span[0], span[1] - span[0]), span, symbolic)
            store.commit(tally.chunks, result)
            tally.add_stats(result.stats)
            tally.kept, tally.chunks, tally.tasks_done = tally.kept + result.rows.height, tally.chunks + 1, span[1]
            description = f"rows kept; chunk {tally.chunks + 1}: {stages}"
            progress.update(bar, completed=min(tally.kept, config.n), description=description)
            if following is None:
                following = _next_span(config, span[1], tally.kept, tally.rate(), tasks.height)
                following_pending = _submit(workers, tasks, following)
            span, pending = following, following_pending
    return tally.kept, list(tally.totals.values())


def _main_drops(funnel: list[StageStats], top: int = 3) -> str:
    drops = Counter()
    for stage in funnel:
        drops.update(stage.drops)
    return ", ".join(f"{reason} {count:,}" for reason, count in drops.most_common(top)) or "none"


def _early_drops(load_stats: StageStats, dropped: list[pl.DataFrame]) -> pl.DataFrame:
    """The drops before the chunks (malformed source rows, then each source stage's drops), one row each."""
    malformed = pl.DataFrame(
        [(None, "load", reason) for reason, n in load_stats.drops.items() for _ in range(n)],
        schema={"source_index": pl.Int64, "stage": pl.String, "reason": pl.String},
        orient="row",
    )
    stages = [
        frame.select(pl.col("source_index").cast(pl.Int64), STAGE, pl.col(DROP).alias("reason"))
        for frame in dropped
        if frame.height  # an LLM-only run has no template stage: nothing it dropped
    ]
    return pl.concat([malformed, *stages])
