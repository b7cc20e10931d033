"""Vet the train sources that seed variants with blind solvers (issue 10: a source whose own solution is
wrong, ambiguous or incoherent passes every arithmetic check, and its variants inherit the fault).

`sample` writes every templated train question, shuffled (seeded), into parts of `{"qid", "question"}`
for solvers, and `key.json` (qid -> train row) beside them. Solvers write `verdicts-<part>.jsonl` with the
blind audit's rubric ({"qid", "answer", "verdict", "note"}). `flags` scores them against each source's
`####` line and writes `filters/data/gsm8k_train_vetting.jsonl`: the sources whose solver answer differs
(`solver-disagrees`) or that the solver judged incoherent or implausible. A flagged source seeds nothing.

    python -m benchmarks.train_vetting sample benchmarks/audits/DIR --seed S --parts 8
    python -m benchmarks.train_vetting flags benchmarks/audits/DIR
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
from filters.vetting import VETTING_FILE


def _value(text) -> object:
    """The number an answer states ("9 a.m." is 9)."""
    value = _number(text)
    if value is None and (match := re.search(r"-?\d[\d,]*(?:\.\d+)?", str(text))):
        value = _number(match.group(0))
    return value


def sample(out: Path, seed: int, parts: int) -> None:
    records = (json.loads(line) for line in lzma.decompress(SHIPPED.read_bytes()).decode().splitlines() if line)
    rows = [r["row"] for r in records if r["skipped"] is None]
    random.Random(seed).shuffle(rows)
    questions = load_embedded("train").frame["question"]
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


def flags(folder: Path) -> None:
    key = {k["qid"]: k["source_index"] for k in json.loads((folder / "key.json").read_text())}
    frame = load_embedded("train").frame
    verdicts = [json.loads(line) for path in sorted(folder.glob("verdicts-*.jsonl")) for line in open(path) if line]
    flagged, counts = [], Counter()
    for verdict in verdicts:
        row = key[verdict["qid"]]
        question, answer = frame["question"][row], frame["answer"][row]
        gold = answer.rsplit("####", 1)[1].strip()
        counts[verdict["verdict"]] += 1
        if _value(verdict["answer"]) != _value(gold):
            flag = "solver-disagrees"
        elif verdict["verdict"] in ("incoherent", "implausible"):
            flag = f"judged-{verdict['verdict']}"
        else:
            continue
        flagged.append(
            {
                "source_index": row,
                "question_sha256": question_key(question),
                "flag": flag,
                "solver_answer": verdict["answer"],
                "gold": gold,
                "verdict": verdict["verdict"],
                "note": verdict["note"],
            }
        )
    flagged.sort(key=lambda r: r["source_index"])
    VETTING_FILE.write_text("".join(json.dumps(r) + "\n" for r in flagged))
    print(
        f"{len(verdicts)} verdicts ({dict(counts)}); flagged {len(flagged)}:", dict(Counter(r["flag"] for r in flagged))
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
    score.add_argument("folder", type=Path)
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.out, args.seed, args.parts)
    else:
        flags(args.folder)


if __name__ == "__main__":
    main()
