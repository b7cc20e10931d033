"""Shared inputs for the benchmarks: 50,000 generated questions, made once and cached."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gsm8k-augment" / "bench"


def symbolic_workers():
    """(sources, ready workers, planned tasks) of a default run on the embedded train split, without
    decontamination: the symbolic engine alone."""
    from augment.config import ContaminationConfig, RunConfig
    from augment.plan import Eligibility, plan_tasks
    from augment.sources import load_embedded
    from augment.verification import VerifyPolicy
    from augment.workers import SymbolicWorkers

    sources = load_embedded("train").frame
    workers = SymbolicWorkers(sources, 0, 16, None, VerifyPolicy(), 2, ContaminationConfig(enabled=False))
    workers.ready()
    tasks = plan_tasks(RunConfig(), Eligibility(sources["source_index"].to_list(), workers.templated, workers.named))
    return sources, workers, tasks


def generated_questions(count: int = 50_000) -> list[str]:
    """Questions from the symbolic engine (seed 0), verified; cached as parquet."""
    path = CACHE / f"symbolic-{count}.parquet"
    if not path.exists():
        _, workers, tasks = symbolic_workers()
        kept = workers.submit(tasks.head(int(count * 1.2)))().stages.kept
        workers.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        kept.select("question").head(count).write_parquet(path)
    return pl.read_parquet(path)["question"].to_list()
