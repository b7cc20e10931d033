"""The task stream of a run: which source, which variant, which method, which seed.

The whole stream is fixed by the config before anything is generated: `--include-original`
rows first, then rounds; round r visits every eligible source once, in an order shuffled
by (seed, r), and gives it a method drawn from the mix among the methods that source
supports (each registered method says which: symbolic ones need a template, rename needs
people's names). A chunk is a slice of this stream, so chunk k is the same in a fresh run
and in a resumed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from augment.config import RunConfig
from augment.methods import ORIGINAL, REGISTRY

SEED_BOUND = 2**53  # task seeds stay exact in JSON and JavaScript numbers
TASK_SCHEMA = {"task": pl.Int64, "source_index": pl.Int64, "variant": pl.Int64, "method": pl.String, "seed": pl.Int64}


@dataclass
class Eligibility:
    """Which sources each kind of method can use."""

    sources: list[int]  # every usable source (label errors excluded)
    templated: set[int] = field(default_factory=set)
    named: set[int] = field(default_factory=set)
    invertible: set[int] | None = None  # sources backward can hide a number of; None: every templated one

    def allowed(self, method: str, source: int) -> bool:
        return REGISTRY[method].eligible(self, source)


def plan_tasks(config: RunConfig, eligibility: Eligibility) -> TaskPlan:
    """Every task of the run, in order (made a round at a time, when a slice asks for it)."""
    return TaskPlan(config, eligibility)


class TaskPlan:
    """The task stream, `height` tasks long, built lazily: round r depends only on (seed, r), so a
    slice makes just the rounds it covers and memory stays flat in `--max-per-source`."""

    def __init__(self, config: RunConfig, eligibility: Eligibility):
        self.seed, self.methods = config.seed, list(config.mix)
        self.originals = np.array(eligibility.sources if config.include_original else [], dtype=np.int64)
        shares = np.array([config.mix[m] for m in self.methods])
        allowed = np.array([[eligibility.allowed(m, s) for m in self.methods] for s in eligibility.sources], dtype=bool)
        allowed = allowed.reshape(len(eligibility.sources), len(self.methods))
        weights = allowed * balanced_shares(allowed, shares)
        usable = weights.sum(axis=1) > 0
        self.sources = np.array(eligibility.sources, dtype=np.int64)[usable]
        self.cumulative = np.cumsum(weights[usable] / weights[usable].sum(axis=1, keepdims=True), axis=1)
        self.rounds = config.max_per_source if len(self.sources) else 0
        self.height = len(self.originals) + self.rounds * len(self.sources)

    def slice(self, offset: int, length: int) -> pl.DataFrame:
        """Tasks [offset, offset + length), numbered by their place in the whole stream."""
        end = min(offset + length, self.height)
        parts, first = [], len(self.originals)
        if offset < first:
            seeds = np.random.default_rng([self.seed, 0, 7]).integers(0, SEED_BOUND, first)
            parts.append(_frame(self.originals, np.zeros_like(self.originals), [ORIGINAL.name] * first, seeds, 0))
        width = len(self.sources)
        if width and end > first:
            for round_ in range(max(offset - first, 0) // width, (end - first - 1) // width + 1):
                parts.append(self._round(round_, first + round_ * width))
        tasks = pl.concat(parts) if parts else pl.DataFrame(schema=TASK_SCHEMA)
        return tasks.filter(pl.col("task").is_between(offset, end - 1)) if offset < end else tasks.clear()

    def head(self, length: int) -> pl.DataFrame:
        return self.slice(0, length)

    def _round(self, round_: int, start: int) -> pl.DataFrame:
        """Round r visits every usable source once, in an order and with methods drawn from (seed, r)."""
        rng = np.random.default_rng([self.seed, round_ + 1])
        order = rng.permutation(len(self.sources))
        draws = rng.random(len(self.sources))
        chosen = (draws[:, None] > self.cumulative[order]).sum(axis=1).clip(max=len(self.methods) - 1)
        seeds = rng.integers(0, SEED_BOUND, len(self.sources))
        return _frame(
            self.sources[order], np.full(len(self.sources), round_), [self.methods[i] for i in chosen], seeds, start
        )


def balanced_shares(allowed: np.ndarray, shares: np.ndarray, rounds: int = 200) -> np.ndarray:
    """Per-method weights such that, drawing each source's method among those it allows, the expected
    shares over all sources equal `shares` where that is possible: a method few sources allow (rename
    needs names) is drawn more often where it is allowed. A fixed number of rounds, so plans never
    depend on time; where the mix cannot be met the run's actual-mix warning says so."""
    usable = allowed[allowed.any(axis=1)]
    weights = np.where((shares > 0) & allowed.any(axis=0), shares, 0.0).astype(float)
    if not len(usable) or not weights.any():
        return shares
    target = weights / weights.sum()
    for _ in range(rounds):
        probabilities = usable * weights
        probabilities = probabilities / np.maximum(probabilities.sum(axis=1, keepdims=True), 1e-300)
        achieved = probabilities.mean(axis=0)
        weights = np.where(achieved > 0, weights * target / np.maximum(achieved, 1e-300), weights)
        weights = weights / weights.sum()
    return weights


def _frame(sources, variants, methods, seeds, start: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "task": np.arange(start, start + len(sources), dtype=np.int64),
            "source_index": sources,
            "variant": variants,
            "method": methods,
            "seed": seeds,
        },
        schema=TASK_SCHEMA,
    )
