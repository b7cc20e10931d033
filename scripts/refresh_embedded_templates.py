"""Re-derive the templates of the embedded GSM8K train split and ship them with the package.

Run after changing the symbolic engine (tests/test_symbolic.py says when the shipped copy is
stale). A stale copy is never used: its key must equal the current engine code and rows.

    python scripts/refresh_embedded_templates.py
"""

import json
import lzma
from pathlib import Path

from augment.sources import load_embedded
from augment.symbolic.generator import annotation_records, cache_key

if __name__ == "__main__":
    frame = load_embedded("train").frame
    records = annotation_records(frame, workers=2)
    target = Path(__file__).resolve().parent.parent / "augment" / "data" / "gsm8k"
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (target / "train.templates.jsonl.xz").write_bytes(lzma.compress(text.encode(), preset=9))
    (target / "train.templates.key").write_text(cache_key(frame) + "\n")
    templated = sum(r["skipped"] is None for r in records)
    print(f"{templated:,} of {len(records):,} train problems templated; wrote {target}")
