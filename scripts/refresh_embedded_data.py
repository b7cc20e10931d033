"""Rebuild what the package ships besides GSM8K itself, derived from it:

the symbolic templates of the train split (`train.templates.jsonl.xz`, keyed by the engine's
code and the rows: a stale copy is never used). Run after changing the symbolic engine.

    python scripts/refresh_embedded_data.py
"""

import json
import lzma
from pathlib import Path

from augment.sources import load_embedded
from augment.symbolic.generator import annotation_records, cache_key

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "augment" / "data" / "gsm8k"
    frame = load_embedded("train").frame
    records = annotation_records(frame, workers=2)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (target / "train.templates.jsonl.xz").write_bytes(lzma.compress(text.encode(), preset=9))
    (target / "train.templates.key").write_text(cache_key(frame) + "\n")
    templated = sum(r["skipped"] is None for r in records)
    print(f"{templated:,} of {len(records):,} train problems templated")
    print(f"wrote {target}")
