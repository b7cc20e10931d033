"""The task stream of a run: which source, which variant, which method, which seed.

The whole stream is fixed by the config before anything is generated: `--include-original`
rows first, then rounds; round r visits every eligible source once, in an order shuffled
by (seed, r), and gives it a method drawn from the mix among the methods that source
supports (symbolic methods need a template, rename needs people's names). A chunk is a
slice of this stream, so chunk k is the same in a fresh run and in a resumed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from augment.config import LLM_METHODS, RunConfig

TASK_SCHEMA = {"task": pl.Int64, "source_index": pl.Int64, "variant": pl.Int64, "method": pl.String, "seed": pl.Int64}


@dataclass
class Eligibility:
    """Which sources each kind of method can use."""

    sources: list[int]  # every usable source (label errors excluded)
    templated: set[int] = field(default_factory=set)
    named: set[int] = field(default_factory=set)

    def allowed(self, method: str, source: int) -> bool:
        if method in LLM_METHODS:
            return True
        if method == "rename":
            return source in self.named
        return source in self.templated


def plan_tasks(config: RunConfig, eligibility: Eligibility) -> pl.DataFrame:
    """Every task of the run, in order."""
    parts = []
    if config.include_original:
        sources = np.array(eligibility.sources, dtype=np.int64)
        parts.append(_frame(sources, np.zeros_like(sources), ["original"] * len(sources),
                            np.random.default_rng([config.seed, 0, 7]).integers(0, 2**62, len(sources))))  # fmt: skip
    methods = list(config.mix)
    shares = np.array([config.mix[m] for m in methods])
    allowed = np.array([[eligibility.allowed(m, s) for m in methods] for s in eligibility.sources], dtype=bool)
    weights = allowed * shares
    usable = weights.sum(axis=1) > 0
    sources = np.array(eligibility.sources, dtype=np.int64)[usable]
    cumulative = np.cumsum(weights[usable] / weights[usable].sum(axis=1, keepdims=True), axis=1)
    for round_ in range(config.max_per_source):
        rng = np.random.default_rng([config.seed, round_ + 1])
        order = rng.permutation(len(sources))
        draws = rng.random(len(sources))
        chosen = (draws[:, None] > cumulative[order]).sum(axis=1).clip(max=len(methods) - 1)
        seeds = rng.integers(0, 2**62, len(sources))
        parts.append(_frame(sources[order], np.full(len(sources), round_), [methods[i] for i in chosen], seeds))
    tasks = pl.concat(parts) if parts else pl.DataFrame(schema=TASK_SCHEMA)
    return tasks.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("task")).select(list(TASK_SCHEMA))


def _frame(sources, variants, methods, seeds) -> pl.DataFrame:
    return pl.DataFrame(
        {"task": np.zeros(len(sources), dtype=np.int64), "source_index": sources, "variant": variants,
         "method": methods, "seed": seeds},
        schema=TASK_SCHEMA,
    )  # fmt: skip
