"""The run store on a real filesystem: chunks exist whole or not at all, and resume sees only a done prefix."""

import json
from collections import Counter

import polars as pl

from augment.checkpoint import Chunk, RunStore, lock_path
from augment.stages import StageStats


def chunk(start: int, rows: int) -> Chunk:
    frame = pl.DataFrame({"question": [f"q{start + i}" for i in range(rows)], "answer": ["#### 1"] * rows})
    drops = pl.DataFrame({"task": [start], "stage": ["verify"], "reason": ["verify:mismatch"]})
    indexed = pl.DataFrame({"label": [start], "question": [f"q{start}"]})
    stats = [StageStats("verify", rows + 1, rows, Counter({"verify:mismatch": 1}), 0.5)]
    return Chunk((start, start + rows + 1), frame, drops, indexed, stats)


def test_a_committed_chunk_reads_back_whole(tmp_path):
    store = RunStore(tmp_path / ".runs" / "abc")
    assert store.open({"run_id": "abc"}) is False
    written = chunk(0, 3)
    store.commit(0, written)
    assert store.completed() == [0]
    for part in ("rows", "drops", "indexed"):
        assert store.load(0, part).equals(getattr(written, part))
    assert store.task_range(0) == (0, 4)
    assert [s.to_dict() for s in store.stats(0)] == [s.to_dict() for s in written.stats]


def test_resume_sees_the_done_prefix_and_forgets_partial_chunks(tmp_path):
    root = tmp_path / ".runs" / "abc"
    store = RunStore(root)
    store.open({"run_id": "abc", "try": 1})
    store.commit(0, chunk(0, 2))
    store.commit(2, chunk(6, 2))  # chunk 1 missing: chunk 2 is not part of the prefix
    (store.chunks / "000001.tmp-4242").mkdir()  # what a killed writer leaves
    (store.chunks / "000001.tmp-4242" / "rows.parquet").write_bytes(b"half")
    reopened = RunStore(root)
    assert reopened.open({"run_id": "abc", "try": 2}) is True
    assert reopened.completed() == [0]
    assert not list(store.chunks.glob("*.tmp-*"))
    assert json.loads((root / "run.json").read_text()) == {"run_id": "abc", "try": 1}  # the first description stays


def test_published_record_and_discard_keep_the_lock_beside_the_store(tmp_path):
    dataset = tmp_path / "name"
    store = RunStore(dataset / ".runs" / "abc")
    store.open({"run_id": "abc"})
    assert store.published() is None
    store.mark_published({"version": "v1", "rows": 3})
    assert store.published() == {"version": "v1", "rows": 3}
    assert lock_path(dataset, "abc") == dataset / ".runs" / "abc.lock"
    lock_path(dataset, "abc").touch()
    store.discard()
    assert not store.root.exists() and lock_path(dataset, "abc").exists()
