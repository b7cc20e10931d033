"""Load GSM8K-format problems: the embedded pinned copy, the Hugging Face Hub, or local files.

Whatever the source, the result is a frame of (source_index, question, answer) plus an
identity for the manifest (name and revision, or sha256 of the bytes read) and a count
of malformed rows by reason. Unreadable sources raise `SourceError` with one line that
names the file; malformed rows are dropped and counted, never silently.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl

from augment.errors import SourceError
from augment.symbolic.limits import oversized

EMBEDDED_SHA256 = {
    "train": "17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465",
    "test": "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14",
}
HUB_DATASET, HUB_CONFIG = "openai/gsm8k", "main"
EMBEDDED_DIR = resources.files("augment") / "data" / "gsm8k"  # the pinned copy and data derived from it


@dataclass
class SourceData:
    """Problems of one split, where they came from, and what was dropped while reading them."""

    frame: pl.DataFrame  # source_index (int64), question, answer
    identity: dict
    malformed: Counter = field(default_factory=Counter)
    malformed_examples: list[str] = field(default_factory=list)

    @property
    def questions(self) -> list[str]:
        return self.frame["question"].to_list()


def load_source(spec: str, split: str = "train") -> SourceData:
    """`spec` is "embedded", "hf[:<dataset>][@revision]", or a jsonl/parquet file or directory."""
    if spec == "embedded":
        return load_embedded(split)
    if spec == "hf" or spec.startswith(("hf:", "hf@")):
        name, _, revision = spec[2:].lstrip(":").partition("@")
        return load_hub(name or HUB_DATASET, split, revision or None)
    return load_path(Path(spec), split)


def load_embedded(split: str = "train") -> SourceData:
    """The pinned GSM8K copy shipped in the package, checked against its sha256."""
    if split not in EMBEDDED_SHA256:
        raise SourceError(f"the embedded GSM8K copy has no split {split!r} (train, test)")
    resource = EMBEDDED_DIR / f"{split}.jsonl.xz"
    try:
        raw = lzma.decompress(resource.read_bytes())
    except (OSError, lzma.LZMAError) as exc:
        raise SourceError(f"embedded GSM8K {split} copy {resource} is unreadable: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EMBEDDED_SHA256[split]:
        raise SourceError(
            f"embedded GSM8K {split} copy is corrupt: sha256 {digest[:16]}..., expected "
            f"{EMBEDDED_SHA256[split][:16]}...; reinstall gsm8k-augment"
        )
    data = _rows_from_jsonl(raw, f"embedded {split}.jsonl")
    data.identity = {"kind": "embedded", "name": HUB_DATASET, "config": HUB_CONFIG, "split": split, "sha256": digest}
    return data


def load_hub(name: str, split: str = "train", revision: str | None = None) -> SourceData:
    """`openai/gsm8k` (config main) or another GSM8K-format dataset from the Hub, via `datasets`."""
    import datasets  # heavy import, only for this source

    config = HUB_CONFIG if name == HUB_DATASET else None
    try:
        dataset = datasets.load_dataset(name, config, split=split, revision=revision)
    except Exception as exc:  # datasets raises many kinds when offline or when the name is wrong
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(
            f"cannot load {name} ({split}) from the Hugging Face Hub: {first_line[:200]}; "
            "use --source embedded or --source PATH"
        ) from exc
    resolved = revision
    try:
        from huggingface_hub import HfApi

        resolved = HfApi().dataset_info(name, revision=revision).sha
    except Exception:  # the revision is informative; loading already succeeded
        pass
    data = _rows_from_frame(pl.from_arrow(dataset.data.table), f"hf:{name}")
    data.identity = {
        "kind": "hub",
        "name": name,
        "config": config,
        "split": split,
        "revision": resolved,
        "fingerprint": getattr(dataset, "_fingerprint", None),
    }
    return data


def load_path(path: Path, split: str = "train") -> SourceData:
    """A .jsonl or .parquet file, or a directory of them (files named after `split` preferred)."""
    if not path.exists():
        raise SourceError(f"source {path} does not exist")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".jsonl", ".parquet") and p.is_file())
        named = [p for p in files if p.name.startswith(split)]
        files = named or files
        if not files:
            raise SourceError(f"source directory {path} holds no .jsonl or .parquet file")
    else:
        files = [path]
    parts, malformed, examples, described, offset = [], Counter(), [], [], 0
    for file in files:
        if file.suffix not in (".jsonl", ".parquet", ".json"):
            raise SourceError(f"source {file} is neither .jsonl nor .parquet")
        raw = file.read_bytes()
        if not raw.strip():
            raise SourceError(f"source {file} is empty")
        if file.suffix == ".parquet":
            try:
                data = _rows_from_frame(pl.read_parquet(file), str(file))
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise SourceError(f"cannot read parquet {file}: {str(exc).splitlines()[0][:160]}") from exc
        else:
            data = _rows_from_jsonl(raw, str(file))
        parts.append(data.frame.with_columns(pl.col("source_index") + offset))
        offset += data.frame.height + sum(data.malformed.values())
        malformed.update(data.malformed)
        examples.extend(data.malformed_examples)
        described.append({"file": file.name, "sha256": hashlib.sha256(raw).hexdigest(), "rows": data.frame.height})
    frame = pl.concat(parts)
    identity = {"kind": "path", "path": str(path.resolve()), "split": split, "files": described}
    return _nonempty(SourceData(frame, identity, malformed, examples[:20]), str(path))


def _rows_from_jsonl(raw: bytes, name: str) -> SourceData:
    """Parse JSON lines one by one so a bad line is a counted drop, not the end of the file."""
    questions, answers, indices, malformed, examples = [], [], [], Counter(), []
    for line_no, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            reason = "not UTF-8"
        except json.JSONDecodeError:
            reason = "not JSON"
        except RecursionError:
            reason = "JSON nested too deeply"
        else:
            reason = _row_problem(record) if isinstance(record, dict) else "not a JSON object"
        if reason:
            malformed[reason] += 1
            found = f" (found: {', '.join(list(record)[:8])})" if reason == "no question/answer field" else ""
            examples.append(f"{name} line {line_no}: {reason}{found}")
            continue
        questions.append(record["question"])
        answers.append(record["answer"])
        indices.append(len(indices) + sum(malformed.values()))
    frame = pl.DataFrame(
        {"source_index": indices, "question": questions, "answer": answers},
        schema={"source_index": pl.Int64, "question": pl.String, "answer": pl.String},
    )
    return _nonempty(SourceData(frame, {}, malformed, examples[:20]), name)


def _rows_from_frame(frame: pl.DataFrame, name: str) -> SourceData:
    missing = [f for f in ("question", "answer") if f not in frame.columns]
    if missing:
        raise SourceError(f"{name}: no {'/'.join(missing)} column (found: {', '.join(frame.columns[:8])})")
    malformed, examples, keep = Counter(), [], []
    for i, record in enumerate(frame.select("question", "answer").iter_rows(named=True)):
        reason = _row_problem(record)
        if reason:
            malformed[reason] += 1
            examples.append(f"{name} row {i}: {reason}")
        keep.append(reason is None)
    kept = (
        frame.with_row_index("source_index")
        .filter(pl.Series(keep, dtype=pl.Boolean))
        .select(
            pl.col("source_index").cast(pl.Int64), pl.col("question").cast(pl.String), pl.col("answer").cast(pl.String)
        )
    )
    return _nonempty(SourceData(kept, {}, malformed, examples[:20]), name)


def _row_problem(record: dict) -> str | None:
    if "question" not in record or "answer" not in record:
        return "no question/answer field"
    question, answer = record["question"], record["answer"]
    if not isinstance(question, str) or not isinstance(answer, str):
        return "question or answer is not a string"
    if not question.strip():
        return "empty question"
    if "####" not in answer:
        return "answer has no #### line"
    return oversized(question, answer)


def _nonempty(data: SourceData, name: str) -> SourceData:
    if data.frame.height == 0:
        counts = ", ".join(f"{reason}: {n}" for reason, n in data.malformed.most_common()) or "no rows"
        first = f"; first: {data.malformed_examples[0]}" if data.malformed_examples else ""
        raise SourceError(f"{name} has no usable rows ({counts}){first}")
    return data
