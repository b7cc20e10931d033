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
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from augment import __version__
from augment.announce import announce, message_board
from augment.checkpoint import Chunk, RunStore, lock_path
from augment.code_version import rows_code_hash
from augment.config import RunConfig
from augment.decontamination import decontaminate_stage, make_detector, require_embeddings
from augment.errors import UserError
from augment.lifetime import run_lock, writing
from augment.llm.engines import check_model
from augment.methods import ORIGINAL, REGISTRY, names
from augment.plan import Eligibility, plan_tasks
from augment.publish import find_published, publish_version, remove_abandoned_staging
from augment.schema import finalize_rows, row_id
from augment.sources import SourceError, load_source
from augment.stages import DETAIL, DROP, Stage, StageStats, apply_stage, format_funnel, with_drops
from augment.verification import VerifyPolicy, verify_stage
from augment.workspace import check_collision, post_proposal
from dedup.index import DuplicateIndex
from filters.calculator import check_solution
from filters.label_errors import label_error


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


def run(config: RunConfig, resume: bool = True, show_progress: bool = True, log=print, anyway: bool = False) -> RunResult:
    if config.contamination.enabled:
        require_embeddings(config.contamination.embeddings)
        check_model(config.contamination.judge, endpoints=[])
    if config.uses_llm:
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
        return _run_locked(config, source, identity, run_id, dataset_dir, resume, show_progress, log)


def _run_locked(config, source, identity, run_id, dataset_dir, resume, show_progress, log) -> RunResult:
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
    resumed = store.open(description | {"code": rows_code_hash()})
    if resumed:
        log(f"resuming run {run_id}: {len(store.completed())} chunk(s) already done")

    load_stats = StageStats("load", source.frame.height + sum(source.malformed.values()), source.frame.height,
                            Counter({f"load:{k}": v for k, v in source.malformed.items()}))  # fmt: skip
    runner = _Runner(config, source.frame, run_id, store)
    try:
        if show_progress:
            print("sources: checking; template: compiling (workers)", file=sys.stderr, flush=True)
        runner.spawn()  # the workers compile templates while this process checks the sources
        excluded, source_stats = _broken_sources(source.frame)
        template_stats = runner.start(excluded)
        tasks = plan_tasks(config, runner.eligibility)
        _check_capacity(config, source.frame.height, tasks.height)
        kept = runner.run_chunks(tasks, show_progress)
    finally:
        runner.close()
    if kept < config.n and not config.allow_fewer:
        raise RunError(
            f"the source is exhausted: {kept:,} of {config.n:,} rows survived all {tasks.height:,} planned tasks "
            f"({config.max_per_source} per source); raise --max-per-source, widen --mix, or pass --allow-fewer "
            f"to publish what survived (work so far is kept and reused)"
        )
    funnel = [load_stats, source_stats, *([template_stats] if runner.workers else []), *runner.totals()]
    if kept == 0:  # an empty release would only announce a failure as a dataset
        raise RunError(f"nothing accepted: no row survived {tasks.height:,} planned tasks, so nothing is published; "
                       f"main drops: {_main_drops(funnel)}")
    survivors = pl.concat([store.load(k, "rows") for k in store.completed()])
    rows = survivors.head(config.n)
    beyond = Counter({"publish:beyond-n": kept - rows.height}) if kept > rows.height else Counter()
    funnel.append(StageStats("publish", kept, rows.height, beyond))
    drops = pl.concat([_early_drops(funnel, excluded, runner.workers.skipped if runner.workers else {}),
                       *(store.load(k, "drops") for k in store.completed()),
                       survivors.slice(config.n).select("source_index", "method", "question").with_columns(
                           stage=pl.lit("publish"), reason=pl.lit("publish:beyond-n"))],
                      how="diagonal_relaxed")  # fmt: skip
    with writing(dataset_dir):
        version_dir = publish_version(dataset_dir, rows, drops, config, identity, run_id, funnel)
    log(f"published {rows.height:,} rows to {version_dir}")
    log(format_funnel(funnel))
    with writing(message_board(Path(config.out))):
        announcement = announce(config, version_dir, rows.height, funnel) if config.announce else None
    store.mark_published({"version_dir": str(version_dir), "n": config.n,
                          "announcement": str(announcement) if announcement else None})  # fmt: skip
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


def _broken_sources(frame: pl.DataFrame) -> tuple[dict[int, str], StageStats]:
    """Sources that must not seed variants: known label errors and solutions that contradict themselves."""
    excluded = {}
    for index, question, answer in frame.select("source_index", "question", "answer").iter_rows():
        if label_error(question):
            excluded[index] = "source:label-error"
        elif check_solution(answer, question).code in ("calc:wrong-step", "calc:final-mismatch", "calc:bad-annotation"):
            excluded[index] = "source:broken-solution"
    stats = StageStats("sources", frame.height, frame.height - len(excluded), Counter(excluded.values()))
    return excluded, stats


class _Runner:
    """The chunk loop and the state it carries: workers, dedup index, contamination detector."""

    def __init__(self, config: RunConfig, sources: pl.DataFrame, run_id: str, store: RunStore):
        self.config, self.sources, self.run_id, self.store = config, sources, run_id, store
        self.excluded: dict[int, str] = {}
        self.policy = VerifyPolicy.from_config(config.quality, config.llm)
        self.workers = None
        self.llm = None
        self.stats: dict[str, StageStats] = {}

    def spawn(self) -> None:
        from augment.workers import SymbolicWorkers

        self.started = time.perf_counter()
        if self.config.include_original or any(REGISTRY[m].engine != "llm" for m in self.config.mix):
            self.workers = SymbolicWorkers(self.sources, self.config.seed, self.config.max_per_source,
                                           self.config.templates, self.policy, self.config.workers,
                                           self.config.contamination)  # fmt: skip

    def start(self, excluded: dict[int, str]) -> StageStats:
        """Wait for the templates; sources in `excluded` seed nothing."""
        self.excluded = excluded
        usable = [i for i in self.sources["source_index"].to_list() if i not in excluded]
        self.eligibility = Eligibility(usable)
        stats = StageStats("template", len(usable), 0)
        if self.workers is not None:
            self.workers.ready()
            self.eligibility.templated = self.workers.templated - excluded.keys()
            self.eligibility.named = self.workers.named - excluded.keys()
            self.eligibility.invertible = self.workers.invertible - excluded.keys()
            stats.rows_out = len(self.eligibility.templated)
            stats.drops = Counter(f"template:{r}" for i, r in self.workers.skipped.items() if i not in excluded)
        stats.seconds = time.perf_counter() - self.started
        train = self.sources["question"].to_list()
        self.index = DuplicateIndex(self.config.dedup)
        if self.config.dedup.against_train:
            self.index.add_reference(train, [f"train:{i}" for i in self.sources["source_index"].to_list()])
        for k in self.store.completed():
            indexed = self.store.load(k, "indexed")
            self.index.add(indexed["question"].to_list(), indexed["label"].to_list())
        self._detector = self._judge = None  # built on first use: symbolic rows arrive with verdicts from the workers
        self.train_questions = train
        return stats

    def detector(self):
        if self._detector is None and self.config.contamination.enabled:
            self._detector = make_detector(self.config.contamination.embeddings, self.train_questions)
        return self._detector

    def judge(self):
        if self._judge is None:
            from augment.judge import make_judge

            self._judge = make_judge(self.config.contamination.judge)
        return self._judge

    def run_chunks(self, tasks: pl.DataFrame, show_progress: bool) -> int:
        """Run chunks until n rows survive or the tasks run out; returns the rows kept."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        done = self.store.completed()
        kept = sum(self.store.load(k, "rows").height for k in done)
        for k in done:
            for stat in self.store.stats(k):
                self.stats.setdefault(stat.name, StageStats(stat.name)).add(stat)
        start = self.store.task_range(done[-1])[1] if done else 0
        n, total = self.config.n, tasks.height
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      disable=not show_progress, transient=False, console=Console(stderr=True)) as progress:  # fmt: skip
            stages = "generate, verify, dedup, decontaminate"
            bar = progress.add_task(f"rows kept; chunk {len(done) + 1}: {stages}", total=n, completed=min(kept, n))
            chunk = len(done)
            rate = kept / start if start else 0.0  # rows kept per task so far
            span = self._next_span(start, kept, rate, total) if kept < n else None
            pending = self._start(tasks, span) if span else None
            while pending is not None:
                symbolic = pending()
                expected = kept + (span[1] - span[0]) * (rate or 0.9)
                # the workers make the next chunk while this process deduplicates and decontaminates this one
                next_span = self._next_span(span[1], expected, rate, total) if expected < n else None
                next_pending = self._start(tasks, next_span) if next_span else None
                result = self.finish_chunk(tasks.slice(span[0], span[1] - span[0]), span, symbolic)
                self.store.commit(chunk, result)
                for stat in result.stats:
                    self.stats.setdefault(stat.name, StageStats(stat.name)).add(stat)
                kept += result.rows.height
                chunk, rate = chunk + 1, kept / span[1]
                progress.update(bar, completed=min(kept, n), description=f"rows kept; chunk {chunk + 1}: {stages}")
                if next_span is None and kept < n:
                    next_span = self._next_span(span[1], kept, rate, total)
                    next_pending = self._start(tasks, next_span) if next_span else None
                span, pending = next_span, next_pending
        return kept

    def _next_span(self, start: int, kept: float, rate: float, total: int) -> tuple[int, int] | None:
        """The next chunk's slice of the task stream: full size, or what the remaining rows need."""
        if start >= total:
            return None
        size = self.config.chunk_size
        if rate > 0:
            size = min(size, math.ceil((self.config.n - kept) / rate * 1.05) + 32)
        return start, min(start + max(size, 1), total)

    def _start(self, tasks: pl.DataFrame, span: tuple[int, int]):
        """Hand a chunk's symbolic tasks to the workers; call the result to wait for them."""
        symbolic = tasks.slice(span[0], span[1] - span[0]).filter(~pl.col("method").is_in(names("llm")))
        if symbolic.height == 0 or self.workers is None:
            return lambda: None
        return self.workers.submit(symbolic)

    def finish_chunk(self, tasks: pl.DataFrame, span: tuple[int, int], symbolic) -> Chunk:
        """LLM tasks, then dedup and decontamination of the chunk's verified rows."""
        kept_parts, dropped = [], []
        stats = {"generate": StageStats("generate"), "verify": StageStats("verify")}
        contamination_seconds = 0.0
        if symbolic is not None:
            kept, failed, (generate, verify), contamination_seconds = symbolic
            kept_parts.append(kept)
            dropped += [failed.with_columns(pl.when(pl.col("question") == "").then(pl.lit("generate"))
                                            .otherwise(pl.lit("verify")).alias("stage"))]  # fmt: skip
            stats["generate"].add(generate)
            stats["verify"].add(verify)
        llm_tasks = tasks.filter(pl.col("method").is_in(names("llm")))
        if llm_tasks.height:
            kept, llm_dropped, llm_stats = self._llm_chunk(llm_tasks)
            kept_parts.append(kept)
            dropped += llm_dropped
            for stat in llm_stats:
                stats[stat.name].add(stat)
        candidates = pl.concat(kept_parts, how="diagonal_relaxed").sort("task")
        candidates = candidates.with_columns(pl.Series("id", [row_id(q, a) for q, a in
                                                              zip(candidates["question"], candidates["answer"])]))  # fmt: skip
        deduplicated, duplicates, dedup_stats = apply_stage(dedup_stage(self.index), candidates)
        dropped.append(duplicates.with_columns(pl.lit("dedup").alias("stage")))
        indexed = pl.DataFrame({"label": deduplicated["id"], "question": dedup_texts(deduplicated)})
        stage = decontaminate_stage(self.detector, self.judge if self.config.contamination.judge else None)
        clean, contaminated, decontaminate_stats = apply_stage(stage, deduplicated)
        decontaminate_stats.seconds += contamination_seconds  # the verdicts the workers computed
        dropped.append(contaminated.with_columns(pl.lit("decontaminate").alias("stage")))
        rows = finalize_rows(clean, self.run_id)
        return Chunk(
            tasks=span,
            rows=rows,
            drops=_drop_report(dropped),
            indexed=indexed,
            stats=[stats["generate"], stats["verify"], dedup_stats, decontaminate_stats],
        )

    def _llm_chunk(self, tasks: pl.DataFrame):
        if self.llm is None:
            from augment.llm.generator import LLMGenerator

            self.llm = LLMGenerator(self.config.llm, self.sources, self.excluded)
        stage = Stage("generate", self.llm.generate_stage, inputs=("task", "source_index", "method", "seed"))
        candidates, failed, generate_stats = apply_stage(stage, tasks)
        kept, rejected, verify_stats = apply_stage(verify_stage(self.policy), candidates)
        dropped = [failed.with_columns(pl.lit("generate").alias("stage")),
                   rejected.with_columns(pl.lit("verify").alias("stage"))]  # fmt: skip
        return kept, dropped, [generate_stats, verify_stats]

    def totals(self) -> list[StageStats]:
        return [self.stats.get(name, StageStats(name)) for name in ("generate", "verify", "dedup", "decontaminate")]

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()


def dedup_texts(frame: pl.DataFrame) -> list[str]:
    """What the dedup index compares: the question, plus the solution for methods that keep the train
    question (a new solution to a train problem is new, its question is not)."""
    keeps = pl.col("method").is_in([name for name, method in REGISTRY.items() if method.keeps_question])
    return frame.select(pl.when(keeps).then(pl.concat_str("question", pl.lit("\n"), "answer"))
                        .otherwise("question"))["question"].to_list()  # fmt: skip


def dedup_stage(index: DuplicateIndex) -> Stage:
    def run(frame: pl.DataFrame) -> pl.DataFrame:
        matches = index.check(dedup_texts(frame), frame["id"].to_list(),
                              exempt_reference=(frame["method"] == ORIGINAL.name).to_list())  # fmt: skip
        return with_drops(frame, [m.reason if m else None for m in matches],
                          [f"duplicate of {m.cluster} (ratio {m.ratio:.0f})" if m else None for m in matches])

    return Stage("dedup", run, inputs=("id", "question", "answer", "method"))


def _main_drops(funnel: list[StageStats], top: int = 3) -> str:
    drops = Counter()
    for stage in funnel:
        drops.update(stage.drops)
    return ", ".join(f"{reason} {count:,}" for reason, count in drops.most_common(top)) or "none"


def _early_drops(funnel: list[StageStats], excluded: dict[int, str], skipped: dict[int, str]) -> pl.DataFrame:
    """The drops before the chunks (malformed source rows, broken sources, sources without a template), one row each."""
    malformed = [(None, "load", reason) for reason, n in funnel[0].drops.items() for _ in range(n)]
    broken = [(index, "sources", reason) for index, reason in excluded.items()]
    untemplated = [(index, "template", f"template:{reason}") for index, reason in skipped.items() if index not in excluded]
    return pl.DataFrame(malformed + broken + untemplated, schema={"source_index": pl.Int64, "stage": pl.String,
                                                                  "reason": pl.String}, orient="row")  # fmt: skip


def _drop_report(frames: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [f.select(pl.col("task"), pl.col("source_index"), pl.col("method"), pl.col("stage"),
                      pl.col(DROP).alias("reason"), pl.col(DETAIL).alias("detail"), pl.col("question"))
             for f in frames if f.height]  # fmt: skip
    schema = {"task": pl.Int64, "source_index": pl.Int64, "method": pl.String, "stage": pl.String,
              "reason": pl.String, "detail": pl.String, "question": pl.String}  # fmt: skip
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat([p.cast(schema) for p in parts]).sort("task")
