"""Blind audits of a published release (the rubric: ../shared/audit/blind-solver-rubric.md).

`sample` draws a fresh stratified sample (per method, seeded) and writes two kinds of file into the
audit folder: `questions-<part>.jsonl` (qid and question only, handed to solvers) and `key.jsonl`
(the published answers, never handed out). Solvers write `verdicts-<part>.jsonl`, one line per
question: {"qid", "answer", "verdict", "note"}. `score` joins verdicts with the key, prints the
per-method table (sound = ok + cosmetic) and writes every disagreement to `disagreements.jsonl`
for reading by hand.

    python -m benchmarks.blind_audit sample artifacts/data/NAME/v1 benchmarks/audits/DIR --per-method 100 --seed S
    python -m benchmarks.blind_audit score benchmarks/audits/DIR
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

import polars as pl

from augment.sources import load_embedded


def sample(release: Path, out: Path, per_method: int, seed: int, parts: int, controls: int, judged: list[Path]) -> None:
    """`controls` GSM8K train problems are mixed in unmarked (method "gsm8k-control"): they measure
    how strict the solvers are, against the about 0.98 sound the rubric expects of GSM8K. Rows a vetting
    pass already judged (`judged`: its key.json) are left out, so the audit never scores them twice."""
    rows = pl.read_parquet(release / "data" / "*.parquet").filter(pl.col("method") != "original")
    seen = {k.get("id") for folder in judged for k in json.loads((folder / "key.json").read_text())}
    rows = rows.filter(~pl.col("id").is_in(list(seen - {None})))
    train = load_embedded("train").frame.sample(controls, seed=seed, shuffle=True)
    train = train.with_columns(
        method=pl.lit("gsm8k-control"),
        id=pl.lit(None, pl.String),
        final_answer=pl.col("answer").str.extract(r"####\s*(.+)$").str.strip_chars(),
    )
    drawn = pl.concat(
        [
            group.sample(min(per_method, group.height), seed=seed, shuffle=True)
            for _, group in rows.group_by("method", maintain_order=True)
        ]
        + [train.select(rows.select("id", "question", "method", "source_index", "final_answer").columns)],
        how="diagonal_relaxed",
    )
    drawn = drawn.sample(fraction=1.0, seed=seed + 1, shuffle=True).with_row_index("qid", offset=1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sample.json").write_text(
        json.dumps(
            {
                "release": str(release),
                "seed": seed,
                "per_method": per_method,
                "n": drawn.height,
                "left_out_judged_by": [str(folder) for folder in judged],
            },
            indent=2,
        )
        + "\n"
    )
    drawn.select("qid", "id", "method", "source_index", "final_answer").write_ndjson(out / "key.jsonl")
    for part in range(parts):
        drawn.filter(pl.col("qid") % parts == part).select("qid", "question").write_ndjson(
            out / f"questions-{part + 1}.jsonl"
        )
    print(f"{drawn.height} questions in {parts} parts under {out} (seed {seed})")


def _number(text) -> Fraction | None:
    try:
        return Fraction(str(text).replace(",", "").replace("$", "").strip())
    except (ValueError, ZeroDivisionError):
        return None


def audit_key(out: Path) -> dict[int, dict]:
    """The audit's key (never handed out), by qid."""
    return {row["qid"]: row for row in map(json.loads, (out / "key.jsonl").read_text().splitlines())}


def solver_verdicts(out: Path) -> list[dict]:
    """Every line the solvers wrote to `verdicts-<part>.jsonl` (audits and vetting passes alike)."""
    return [json.loads(line) for path in sorted(out.glob("verdicts-*.jsonl")) for line in open(path) if line.strip()]


def score(out: Path) -> None:
    key = audit_key(out)
    verdicts = {int(record["qid"]): record for record in solver_verdicts(out)}
    counts, agree, n = defaultdict(Counter), Counter(), Counter()
    disagreements = []
    for qid, row in sorted(key.items()):
        record = verdicts.get(qid)
        if record is None:
            continue
        method = row["method"]
        n[method] += 1
        counts[method][record["verdict"]] += 1
        same = _number(record["answer"]) is not None and _number(record["answer"]) == _number(row["final_answer"])
        agree[method] += same
        if not same:
            disagreements.append(
                {**row, "solver_answer": record["answer"], "verdict": record["verdict"], "note": record.get("note", "")}
            )
    (out / "disagreements.jsonl").write_text("".join(json.dumps(d) + "\n" for d in disagreements))
    print("| method | n | sound | cosmetic | implausible | incoherent | answers agree |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for method in [*sorted(n), "all"]:
        c = sum(counts.values(), Counter()) if method == "all" else counts[method]
        total = sum(n.values()) if method == "all" else n[method]
        agreed = sum(agree.values()) if method == "all" else agree[method]
        print(
            f"| {method} | {total} | {(c['ok'] + c['cosmetic']) / total:.3f} | {c['cosmetic']} | {c['implausible']} "
            f"| {c['incoherent']} | {agreed}/{total} |"
        )
    missing = sorted(set(key) - set(verdicts))
    print(
        f"{len(disagreements)} disagreements in {out / 'disagreements.jsonl'}; {len(missing)} questions without a verdict"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    drawing = commands.add_parser("sample")
    drawing.add_argument("release", type=Path)
    drawing.add_argument("out", type=Path)
    drawing.add_argument("--per-method", type=int, default=100)
    drawing.add_argument("--seed", type=int, required=True)
    drawing.add_argument("--parts", type=int, default=3)
    drawing.add_argument("--controls", type=int, default=30, help="GSM8K train problems mixed in unmarked")
    drawing.add_argument("--judged", type=Path, nargs="*", default=[], help="vetting passes whose rows to leave out")
    scoring = commands.add_parser("score")
    scoring.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.release, args.out, args.per_method, args.seed, args.parts, args.controls, args.judged)
    else:
        score(args.out)


if __name__ == "__main__":
    main()
