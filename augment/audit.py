"""`augment audit`: find GSM8K test contamination in any dataset.

Input: a jsonl, csv or parquet file, a directory of them, or a Hugging Face Hub dataset
id. Output: one JSON object per input row, in input order, a printed summary, and an
optional HTML page showing each flagged row beside its test question with differences
highlighted, for a person to review.
"""

from __future__ import annotations

import difflib
import html
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from augment.decontamination import make_detector
from augment.sources import SourceError, load_embedded
from filters.contamination import Verdict


@dataclass
class AuditResult:
    verdicts: list[Verdict]
    texts: list
    rows: int

    @property
    def flagged(self) -> int:
        return sum(v.contaminated for v in self.verdicts)

    def by_reason(self) -> Counter:
        return Counter(
            v.reason.split(":")[0] for v in self.verdicts if v.contaminated or v.reason.startswith("invalid")
        )


def load_field(source: str, field: str) -> list:
    """The `field` column of a local file/directory or a Hub dataset, as Python values (None where missing)."""
    path = Path(source)
    if path.exists():
        files = (
            sorted(p for p in path.iterdir() if p.suffix in (".jsonl", ".csv", ".parquet")) if path.is_dir() else [path]
        )
        if not files:
            raise SourceError(f"{source}: no .jsonl, .csv or .parquet file")
        values = []
        for file in files:
            values += _read_column(file, field)
        return values
    if "/" in source and not source.startswith((".", "/")):
        return _hub_column(source, field)
    raise SourceError(f"{source}: no such file, directory or Hub dataset id")


def _read_column(file: Path, field: str) -> list:
    try:
        if file.suffix == ".parquet":
            frame = pl.read_parquet(file)
        elif file.suffix == ".csv":
            frame = pl.read_csv(file, infer_schema=False)
        elif file.suffix == ".jsonl":
            return _jsonl_column(file, field)
        else:
            raise SourceError(f"{file}: not .jsonl, .csv or .parquet")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {file}: {str(exc).splitlines()[0][:160]}") from exc
    if field not in frame.columns:
        raise SourceError(f"{file} has no field {field!r} (fields: {', '.join(frame.columns[:10])})")
    return frame[field].to_list()


def _jsonl_column(file: Path, field: str) -> list:
    """Line by line, so one bad line is one invalid row, not an unreadable file."""
    values, seen_field = [], False
    for line in file.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            values.append(None)
            continue
        seen_field = seen_field or (isinstance(record, dict) and field in record)
        values.append(record.get(field) if isinstance(record, dict) else None)
    if values and not seen_field:
        raise SourceError(f"{file} has no field {field!r} in any row")
    return values


def _hub_column(dataset_id: str, field: str) -> list:
    import datasets

    try:
        data = datasets.load_dataset(dataset_id, split="train")
    except Exception as exc:  # offline, unknown id, ...
        raise SourceError(
            f"cannot load {dataset_id} from the Hugging Face Hub: {str(exc).splitlines()[0][:160]}"
        ) from exc
    if field not in data.column_names:
        raise SourceError(f"{dataset_id} has no field {field!r} (fields: {', '.join(data.column_names[:10])})")
    return data[field]


def audit(
    values: list,
    embeddings: str = "auto",
    on_progress=None,
    block: int = 4096,
    judge_engine=None,
) -> AuditResult:
    """Verdicts for every value, in blocks; `on_progress(done)` is called after each block. With a judge
    engine, an LLM decides the undecided pairs (`augment.judge`)."""
    detector = make_detector(embeddings, load_embedded("train").questions)
    verdicts = []
    for start in range(0, len(values), block):
        verdicts += detector.detect(values[start : start + block])
        if on_progress:
            on_progress(len(verdicts))
    if judge_engine is not None:
        from augment.judge import judge

        verdicts = judge(detector, values, verdicts, judge_engine)
    return AuditResult(verdicts, values, len(values))


def write_report(result: AuditResult, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row, verdict in enumerate(result.verdicts):
            handle.write(
                json.dumps(
                    {
                        "row": row,
                        "contaminated": verdict.contaminated,
                        "test_index": verdict.test_index if verdict.contaminated else None,
                        "score": round(verdict.score, 4),
                        "reason": verdict.reason,
                    }
                )
                + "\n"
            )


def _highlight(a: str, b: str) -> tuple[str, str]:
    """Word-level diff: words only in `a` are <del>, only in `b` are <ins>."""
    left, right = a.split(), b.split()
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes():
        chunk_a, chunk_b = html.escape(" ".join(left[i1:i2])), html.escape(" ".join(right[j1:j2]))
        if op == "equal":
            out_a.append(chunk_a)
            out_b.append(chunk_b)
        else:
            if chunk_a:
                out_a.append(f"<del>{chunk_a}</del>")
            if chunk_b:
                out_b.append(f"<ins>{chunk_b}</ins>")
    return " ".join(out_a), " ".join(out_b)


def write_html(result: AuditResult, path: Path, title: str) -> None:
    test = load_embedded("test").questions
    rows = []
    for row, (verdict, text) in enumerate(zip(result.verdicts, result.texts)):
        if not verdict.contaminated:
            continue
        theirs, ours = _highlight(test[verdict.test_index], str(text))
        rows.append(
            f"<tr><td>{row}</td><td>{html.escape(verdict.reason)}<br>{verdict.score:.2f}</td>"
            f"<td>{ours}</td><td>#{verdict.test_index}<br>{theirs}</td></tr>"
        )
    summary = ", ".join(f"{reason}: {count}" for reason, count in result.by_reason().most_common())
    path.write_text(
        "<!doctype html><meta charset='utf-8'><title>GSM8K contamination audit</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{vertical-align:top;padding:.4em;border-bottom:1px solid #ddd}"
        "del{background:#fdd;text-decoration:none}ins{background:#dfd;text-decoration:none}</style>"
        f"<h1>Contamination audit of {html.escape(title)}</h1>"
        f"<p>{result.rows:,} rows, {result.flagged:,} flagged ({html.escape(summary) or 'none'}). "
        "Green: words only in the audited row; red: words only in the GSM8K test question.</p>"
        "<table><tr><th>row</th><th>reason, score</th><th>audited question</th><th>GSM8K test question</th></tr>"
        + "".join(rows)
        + "</table>",
        encoding="utf-8",
    )
