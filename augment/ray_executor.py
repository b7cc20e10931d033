"""`augment run --executor ray`: the workers of a run as Ray actors, on a local Ray or a cluster.

Only where a generator lives changes. Symbolic shards (`SymbolicShard`, source_index % workers)
and LLM engines (`LLMGenerator`, one per worker, `--num-gpus-per-worker` GPUs each) become actors;
this process still plans, deduplicates, decontaminates, checkpoints and publishes, so the chunk
contract (checkpoints, resume, one atomic publish) and the rows are those of a local run. Actors
are restarted when their process dies, and the call they were running is retried: every call is
a pure function of the actor's arguments and the tasks' seeds, so a retry returns the same rows.
Ray is imported only here, and only for `--executor ray`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl

import augment
import dedup
import filters
from augment.config import ExecutorConfig, LLMConfig
from augment.errors import MissingExtra, UserError
from augment.llm.generator import LLMGenerator
from augment.symbolic.generator import read_records
from augment.workers import ShardSpec, SymbolicShard, SymbolicWorkers

RESTARTS = 3  # an actor whose process dies more often than this fails the run (one line)
FORWARDED_ENV = ("VLLM_", "TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY")


class WorkerLost(UserError):
    """A Ray actor died more often than it may be restarted, or its node left the cluster."""


def require_ray():
    try:
        import ray
    except ImportError:
        raise MissingExtra("--executor ray needs Ray: pip install 'gsm8k-augment[ray]'") from None
    return ray


class RayCluster:
    """The Ray session of one run: it makes the actors, and kills every one of them when the run ends
    (Ctrl-C included), so no cluster work outlives the driver."""

    def __init__(self, executor: ExecutorConfig, workers: int):
        self.executor, self.workers = executor, workers
        self.actors: list = []
        self._held: list = []

    def symbolic_workers(self, *arguments) -> RayWorkers:
        """`SymbolicWorkers` (same arguments) with Ray actors for processes."""
        return RayWorkers(self, *arguments)

    def llm_generator(self, config: LLMConfig, sources: pl.DataFrame, excluded: dict[int, str]) -> RayLLM:
        return RayLLM(self, config, sources, excluded)

    def start(self, cls, *arguments, num_gpus: float = 0):
        """An actor of `cls`, restarted (and its running call retried) when its process dies. Its arguments
        go to the object store once and stay held here: a restart reads them again, and Ray frees what the
        driver does not hold (Ray logs a line about this, ray-project/ray#53727)."""
        ray = require_ray()
        held = [ray.put(argument) for argument in arguments]
        self._held.append(held)
        remote = ray.remote(num_cpus=1, num_gpus=num_gpus, max_restarts=RESTARTS, max_task_retries=RESTARTS)(cls)
        actor = remote.remote(*held)
        self.actors.append(actor)
        return actor

    def get(self, handles: list) -> list:
        """The calls' results; an error of ours raised inside an actor is raised here as itself."""
        ray = require_ray()
        try:
            return ray.get(handles)
        except ray.exceptions.RayTaskError as exc:
            if isinstance(exc.cause, UserError):
                raise exc.cause from None
            raise
        except ray.exceptions.RayActorError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            if exc.actor_init_failed:  # the last line of the creation task's traceback: the error itself
                raise WorkerLost(f"a Ray worker could not start: {lines[-1][:300] if lines else exc}") from None
            raise WorkerLost(
                f"a Ray worker died more than {RESTARTS} times or lost its node; run the same command again to resume"
            ) from None

    def close(self) -> None:
        ray = require_ray()
        for actor in self.actors:  # kills their running calls too
            ray.kill(actor, no_restart=True)
        self.actors.clear()
        self._held.clear()


@contextmanager
def ray_cluster(executor: ExecutorConfig, workers: int, kinds: int, show_progress: bool) -> Iterator[RayCluster]:
    """Connect to `--ray-address`, or start a local Ray with a CPU for each of the `workers` actors of each
    of `kinds` (symbolic, LLM); the package travels to the workers in the runtime environment, so the
    cluster runs this very code (the run id hashes it)."""
    ray = require_ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # `augment run` talks to no one it was not told to
    runtime_env = {
        "py_modules": [augment, filters, dedup],
        "excludes": ["__pycache__", "*.pyc"],
        "env_vars": {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_ENV)},
    }
    level = logging.WARNING if show_progress else logging.ERROR
    options = {"runtime_env": runtime_env, "log_to_driver": show_progress, "logging_level": level}
    try:
        if executor.ray_address:
            ray.init(address=executor.ray_address, **options)
        else:
            ray.init(num_cpus=workers * kinds, include_dashboard=False, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = executor.ray_address or "a local Ray"
        raise UserError(f"cannot start Ray at {where}: {' '.join(str(exc).split())[:200]}") from None
    cluster = RayCluster(executor, workers)
    try:
        yield cluster
    finally:
        cluster.close()
        ray.shutdown()


class RayWorkers(SymbolicWorkers):
    """`SymbolicWorkers` whose shards are Ray actors (one CPU each)."""

    def __init__(self, cluster: RayCluster, *arguments) -> None:
        self._cluster = cluster
        super().__init__(*arguments)

    def _launch(self, specs: list[ShardSpec], records_file: str | None) -> None:
        # each actor is sent its shard's records, not a path: a worker node has no such file
        records = read_records(records_file) if records_file else None
        self._actors = [self._cluster.start(SymbolicShard, spec, _shard_records(records, spec)) for spec in specs]

    def _call(self, method: str, arguments: list[tuple]) -> list:
        return [getattr(actor, method).remote(*args) for actor, args in zip(self._actors, arguments)]

    def _results(self, handles: list) -> list:
        return self._cluster.get(handles)

    def close(self) -> None:
        """The actors go with the cluster session (`RayCluster.close`)."""


def _shard_records(records: list[dict] | None, spec: ShardSpec) -> list[dict] | None:
    if records is None:
        return None
    rows = set(spec.frame["source_index"].to_list())
    return [record for record in records if record["row"] in rows]


class RayLLM:
    """The LLM generate stage across one engine actor per worker, started on first use. A chunk's
    tasks are cut into contiguous blocks in task order, one per actor: with one worker the engine sees
    the very batch a local run sends, so the sampled texts, and the rows, are the same."""

    def __init__(self, cluster: RayCluster, config: LLMConfig, sources: pl.DataFrame, excluded: dict[int, str]):
        self._cluster, self._arguments = cluster, (config, sources, excluded)
        self._actors: list = []

    def generate_stage(self, tasks: pl.DataFrame) -> pl.DataFrame:
        if not self._actors:
            gpus = self._cluster.executor.num_gpus_per_worker
            self._actors = [
                self._cluster.start(LLMGenerator, *self._arguments, num_gpus=gpus) for _ in range(self._cluster.workers)
            ]
        size = -(-tasks.height // len(self._actors))
        blocks = [(actor, tasks.slice(i * size, size)) for i, actor in enumerate(self._actors)]
        handles = [actor.generate_stage.remote(block) for actor, block in blocks if block.height]
        return pl.concat(self._cluster.get(handles), how="diagonal_relaxed")
