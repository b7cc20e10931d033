"""Rebuild what the package ships besides GSM8K itself, derived from it:

- the symbolic templates of the train split (`train.templates.jsonl.xz`, keyed by the engine's
  code and the rows: a stale copy is never used);
- the MiniLM embeddings of the test split (`test.minilm.npy`, float16, keyed by the model).

Run after changing the symbolic engine or the embedding model; tests say when a copy is stale.

    python scripts/refresh_embedded_data.py
"""

import json
import lzma
from pathlib import Path

import numpy as np

from augment.sources import load_embedded
from augment.symbolic.generator import annotation_records, cache_key
from filters import embeddings

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "augment" / "data" / "gsm8k"
    frame = load_embedded("train").frame
    records = annotation_records(frame, workers=2)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (target / "train.templates.jsonl.xz").write_bytes(lzma.compress(text.encode(), preset=9))
    (target / "train.templates.key").write_text(cache_key(frame) + "\n")
    templated = sum(r["skipped"] is None for r in records)
    print(f"{templated:,} of {len(records):,} train problems templated")
    vectors = embeddings.embed(load_embedded("test").questions)
    np.save(target / "test.minilm.npy", vectors.astype(np.float16))
    (target / "test.minilm.key").write_text(embeddings.model_key() + "\n")
    print(f"embedded {len(vectors):,} test questions; wrote {target}")
