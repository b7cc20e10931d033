"""Where a run keeps its finished chunks, so a killed run resumes where it stopped.

`<dataset>/.runs/<run_id>/chunks/000007/` holds one chunk's published rows, its dropped
rows with reasons, the questions it added to the dedup index, its counters and the slice
of the task stream it covered (chunks shrink near the end of a run). A chunk
is written into a temporary directory and renamed into place: it exists whole or not at
all, whatever moment the process is killed. Only the holder of `<dataset>/.runs/<run_id>.lock`
writes here, so whatever temporary it finds was left by a killed run.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from augment.lifetime import remove, temporary_for, writing
from augment.stages import StageStats


def lock_path(dataset_dir: Path, run_id: str) -> Path:
    """Beside the run's store, so that discarding the store keeps the lock."""
    return dataset_dir / ".runs" / f"{run_id}.lock"


@dataclass
class Chunk:
    tasks: tuple[int, int]  # the slice [start, end) of the run's task stream it covers
    rows: pl.DataFrame  # finished rows in schema order
    drops: pl.DataFrame  # task, source_index, method, stage, reason, detail, question
    indexed: pl.DataFrame  # label, question: rows that entered the dedup index, in order
    stats: list[StageStats]


class RunStore:
    def __init__(self, root: Path):
        self.root = root
        self.chunks = root / "chunks"

    def open(self, description: dict) -> bool:
        """Create or reopen the store; True when it already holds work to resume."""
        self.chunks.mkdir(parents=True, exist_ok=True)
        for partial in (*self.chunks.glob("*.tmp-*"), *self.root.glob("*.tmp-*")):
            remove(partial)
        path = self.root / "run.json"
        if not path.exists():
            _write_json_atomic(path, description)
        return bool(self.completed())

    def completed(self) -> list[int]:
        """Indices 0..k-1 of the chunks finished so far."""
        done = {int(p.name) for p in self.chunks.iterdir() if p.is_dir() and p.name.isdigit()}
        count = 0
        while count in done:
            count += 1
        return list(range(count))

    def commit(self, index: int, chunk: Chunk) -> None:
        final = self.chunks / f"{index:06d}"
        temporary = self.chunks / f"{index:06d}.tmp-{os.getpid()}"
        try:
            with writing(final):
                temporary.mkdir(parents=True, exist_ok=True)
                chunk.rows.write_parquet(temporary / "rows.parquet")
                chunk.drops.write_parquet(temporary / "drops.parquet")
                chunk.indexed.write_parquet(temporary / "indexed.parquet")
                (temporary / "stats.json").write_text(json.dumps([s.to_dict() for s in chunk.stats]))
                (temporary / "tasks.json").write_text(json.dumps(list(chunk.tasks)))
                os.rename(temporary, final)
        finally:
            remove(temporary)  # after a failed write; a no-op after the rename

    def load(self, index: int, part: str) -> pl.DataFrame:
        return pl.read_parquet(self.chunks / f"{index:06d}" / f"{part}.parquet")

    def task_range(self, index: int) -> tuple[int, int]:
        start, end = json.loads((self.chunks / f"{index:06d}" / "tasks.json").read_text())
        return start, end

    def stats(self, index: int) -> list[StageStats]:
        return [StageStats.from_dict(d) for d in json.loads((self.chunks / f"{index:06d}" / "stats.json").read_text())]

    def mark_published(self, record: dict) -> None:
        _write_json_atomic(self.root / "published.json", record)

    def published(self) -> dict | None:
        path = self.root / "published.json"
        return json.loads(path.read_text()) if path.exists() else None

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _write_json_atomic(path: Path, data: dict) -> None:
    temporary = temporary_for(path)
    try:
        with writing(path):
            temporary.write_text(json.dumps(data, indent=2, default=str))
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
