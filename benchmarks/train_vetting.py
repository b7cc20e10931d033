"""Vet the train sources that seed variants with blind solvers (issue 10: a source whose own solution is
wrong, ambiguous or incoherent passes every arithmetic check, and its variants inherit the fault).

A pass is a folder of `questions-<part>.jsonl` ({"qid", "question"}, handed to solvers) and `key.json`
(qid -> train row, never handed out). Solvers write `verdicts-<part>.jsonl` with the blind audit's rubric
({"qid", "answer", "verdict", "note"}).
- `sample` writes every templated train question not yet flagged, shuffled (seeded).
- `sample-variants` writes published rows of a release instead, a few per source not yet flagged, of
  different methods: a template that breaks its story (a coincidence, an implausible band, a count that no
  longer fits its list) breaks it again in the next run, so its source is vetted through its variants.
`flags` scores every pass given (and blind audits, whose verdicts are of the same kind) against the answer it
was made from (the source's `####` line, or the variant's published answer) and writes `filters/data/gsm8k_train_vetting.jsonl`: the sources whose solver
answer differs (`solver-disagrees`) or that the solver judged incoherent or implausible (`judged-...`),
prefixed `variant-` when a variant was judged. A flagged source seeds nothing.

    python -m benchmarks.train_vetting sample benchmarks/audits/DIR --seed S --parts 8
    python -m benchmarks.train_vetting sample-variants RELEASE benchmarks/audits/DIR --seed S --parts 6
        [--changed-since REV]  # after a template change: only the sources whose template changed
    python -m benchmarks.train_vetting flags benchmarks/audits/DIR [benchmarks/audits/DIR2 ...]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
from collections import Counter
from pathlib import Path

import polars as pl

from augment.sources import load_embedded
from augment.symbolic.generator import SHIPPED, shipped_records
from benchmarks.blind_audit import _number, audit_key, solver_verdicts
from filters.label_errors import question_key
from filters.vetting import VETTING_FILE, vetting_flag


def _value(text) -> object:
    """The number an answer states ("9 a.m." is 9)."""
    value = _number(text)
    if value is None and (match := re.search(r"-?\d[\d,]*(?:\.\d+)?", str(text))):
        value = _number(match.group(0))
    return value


def _write_parts(out: Path, questions: list[str], key: list[dict], parts: int, about: dict) -> None:
    """Parts of {"qid", "question"} for solvers; `key` rows get their qid and go to key.json."""
    out.mkdir(parents=True, exist_ok=True)
    for part in range(parts):
        with open(out / f"questions-{part + 1}.jsonl", "w") as handle:
            for k, index in enumerate(range(part, len(questions), parts)):
                key[index]["qid"] = (part + 1) * 10000 + k
                handle.write(json.dumps({"qid": key[index]["qid"], "question": questions[index]}) + "\n")
    (out / "key.json").write_text(json.dumps(key))
    (out / "sample.json").write_text(json.dumps({**about, "parts": parts, "n": len(key)}, indent=2) + "\n")
    print(f"{len(key)} questions in {parts} parts under {out} (seed {about['seed']})")


def sample(out: Path, seed: int, parts: int) -> None:
    questions = load_embedded("train").frame["question"]
    rows = [r["row"] for r in shipped_records() if r["skipped"] is None and vetting_flag(questions[r["row"]]) is None]
    random.Random(seed).shuffle(rows)
    key = [{"source_index": row} for row in rows]
    _write_parts(out, [questions[row] for row in rows], key, parts, {"seed": seed})


def changed_since(revision: str) -> set[int]:
    """The sources whose shipped template differs from the one at a git revision: what a new pass must vet."""
    shipped = SHIPPED.relative_to(Path(__file__).resolve().parents[1]).as_posix()
    old = subprocess.run(["git", "show", f"{revision}:{shipped}"], capture_output=True, check=True).stdout
    before = {r["row"]: r for r in shipped_records(old)}
    fields = ("question_annotated", "answer_annotated", "skipped")
    return {
        r["row"]
        for r in shipped_records()
        if r["skipped"] is None and tuple(map(before.get(r["row"], {}).get, fields)) != tuple(map(r.get, fields))
    }


def sample_variants(
    release: Path, out: Path, seed: int, parts: int, per_source: int, changed_since_revision: str | None = None
) -> None:
    rows = pl.read_parquet(release / "data" / "*.parquet").filter(pl.col("method") != "original")
    if changed_since_revision:
        rows = rows.filter(pl.col("source_index").is_in(sorted(changed_since(changed_since_revision))))
    questions = load_embedded("train").frame["question"]
    unflagged = [vetting_flag(questions[row]) is None for row in rows["source_index"]]
    drawn = (
        rows.filter(pl.Series(unflagged, dtype=pl.Boolean))
        .sample(fraction=1.0, seed=seed, shuffle=True)
        .unique(["source_index", "method"], keep="first", maintain_order=True)
        .filter(pl.int_range(pl.len()).over("source_index") < per_source)
        .sample(fraction=1.0, seed=seed + 1, shuffle=True)
    )
    key = drawn.select("source_index", "id", "method", "final_answer").to_dicts()
    about = {"seed": seed, "release": str(release), "per_source": per_source, "changed_since": changed_since_revision}
    _write_parts(out, drawn["question"].to_list(), key, parts, about)


def _verdicts(folder: Path) -> list[tuple[dict, dict]]:
    """(key row, verdict) for every verdict line of one pass, or of a blind audit (`benchmarks/blind_audit.py`:
    key.jsonl, its GSM8K controls judged as sources)."""
    if (folder / "key.json").exists():
        key = {k["qid"]: k for k in json.loads((folder / "key.json").read_text())}
    else:
        key = audit_key(folder)
    return [(key[verdict["qid"]], verdict) for verdict in solver_verdicts(folder)]


def flags(folders: list[Path]) -> None:
    frame = load_embedded("train").frame
    verdicts = [pair for folder in folders for pair in _verdicts(folder)]
    flagged, counts = {}, Counter()
    for key, verdict in verdicts:
        row = key["source_index"]
        variant = key.get("id") is not None
        gold = key["final_answer"] if variant else frame["answer"][row].rsplit("####", 1)[1].strip()
        counts[verdict["verdict"]] += 1
        if _value(verdict["answer"]) != _value(gold):
            flag = "solver-disagrees"
        elif verdict["verdict"] in ("incoherent", "implausible"):
            flag = f"judged-{verdict['verdict']}"
        else:
            continue
        flagged.setdefault(
            row,
            {
                "source_index": row,
                "question_sha256": question_key(frame["question"][row]),
                "flag": f"variant-{flag}" if variant else flag,
                "solver_answer": verdict["answer"],
                "gold": gold,
                "verdict": verdict["verdict"],
                "note": verdict["note"],
                **({"variant_id": key["id"], "method": key["method"]} if variant else {}),
            },
        )
    records = [flagged[row] for row in sorted(flagged)]
    VETTING_FILE.write_text("".join(json.dumps(r) + "\n" for r in records))
    print(
        f"{len(verdicts)} verdicts ({dict(counts)}); flagged {len(records)}:", dict(Counter(r["flag"] for r in records))
    )
    print(f"wrote {VETTING_FILE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("sample")
    make.add_argument("out", type=Path)
    make.add_argument("--seed", type=int, required=True)
    make.add_argument("--parts", type=int, default=8)
    variants = commands.add_parser("sample-variants")
    variants.add_argument("release", type=Path, help="a published release folder (.../NAME/vK)")
    variants.add_argument("out", type=Path)
    variants.add_argument("--seed", type=int, required=True)
    variants.add_argument("--parts", type=int, default=6)
    variants.add_argument("--per-source", type=int, default=2)
    variants.add_argument("--changed-since", metavar="REV", help="only sources whose template differs from REV's")
    score = commands.add_parser("flags")
    score.add_argument("folders", type=Path, nargs="+", help="one folder per pass, oldest first")
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.out, args.seed, args.parts)
    elif args.command == "sample-variants":
        sample_variants(args.release, args.out, args.seed, args.parts, args.per_source, args.changed_since)
    else:
        flags(args.folders)


if __name__ == "__main__":
    main()
