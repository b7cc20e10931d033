"""Vet the train sources that seed variants with blind solvers (issue 10: a source whose own solution is
wrong, ambiguous or incoherent passes every arithmetic check, and its variants inherit the fault).

`sample` writes every templated train question not yet flagged, shuffled (seeded), into parts of `{"qid", "question"}`
for solvers, and `key.json` (qid -> train row) beside them. Solvers write `verdicts-<part>.jsonl` with the
blind audit's rubric ({"qid", "answer", "verdict", "note"}). `flags` scores them against each source's
`####` line and writes `filters/data/gsm8k_train_vetting.jsonl`: the sources whose solver answer differs
(`solver-disagrees`) or that the solver judged incoherent or implausible, in any of the passes given (each
pass is a folder; a later pass solves only what earlier passes left unflagged). A flagged source seeds nothing.

    python -m benchmarks.train_vetting sample benchmarks/audits/DIR --seed S --parts 8
    python -m benchmarks.train_vetting flags benchmarks/audits/DIR [benchmarks/audits/DIR2 ...]
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import re
from collections import Counter
from pathlib import Path

from augment.sources import load_embedded
from augment.symbolic.generator import SHIPPED
from benchmarks.blind_audit import _number
from filters.label_errors import question_key
from filters.vetting import VETTING_FILE, vetting_flag


def _value(text) -> object:
    """The number an answer states ("9 a.m." is 9)."""
    value = _number(text)
    if value is None and (match := re.search(r"-?\d[\d,]*(?:\.\d+)?", str(text))):
        value = _number(match.group(0))
    return value


def sample(out: Path, seed: int, parts: int) -> None:
    records = (json.loads(line) for line in lzma.decompress(SHIPPED.read_bytes()).decode().split("\n") if line)
    questions = load_embedded("train").frame["question"]
    rows = [r["row"] for r in records if r["skipped"] is None and vetting_flag(questions[r["row"]]) is None]
    random.Random(seed).shuffle(rows)
    out.mkdir(parents=True, exist_ok=True)
    key = []
    for part in range(parts):
        with open(out / f"questions-{part + 1}.jsonl", "w") as handle:
            for k, row in enumerate(rows[part::parts]):
                qid = (part + 1) * 10000 + k
                handle.write(json.dumps({"qid": qid, "question": questions[row]}) + "\n")
                key.append({"qid": qid, "source_index": row})
    (out / "key.json").write_text(json.dumps(key))
    (out / "sample.json").write_text(json.dumps({"seed": seed, "parts": parts, "n": len(rows)}, indent=2) + "\n")
    print(f"{len(rows)} templated train questions in {parts} parts under {out} (seed {seed})")


def _verdicts(folder: Path) -> list[tuple[int, dict]]:
    """(train row, verdict) for every verdict line of one pass."""
    key = {k["qid"]: k["source_index"] for k in json.loads((folder / "key.json").read_text())}
    lines = (
        json.loads(line) for path in sorted(folder.glob("verdicts-*.jsonl")) for line in open(path) if line.strip()
    )
    return [(key[verdict["qid"]], verdict) for verdict in lines]


def flags(folders: list[Path]) -> None:
    frame = load_embedded("train").frame
    verdicts = [pair for folder in folders for pair in _verdicts(folder)]
    flagged, counts = {}, Counter()
    for row, verdict in verdicts:
        question, answer = frame["question"][row], frame["answer"][row]
        gold = answer.rsplit("####", 1)[1].strip()
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
                "question_sha256": question_key(question),
                "flag": flag,
                "solver_answer": verdict["answer"],
                "gold": gold,
                "verdict": verdict["verdict"],
                "note": verdict["note"],
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
    score = commands.add_parser("flags")
    score.add_argument("folders", type=Path, nargs="+", help="one folder per pass, oldest first")
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.out, args.seed, args.parts)
    else:
        flags(args.folders)


if __name__ == "__main__":
    main()
