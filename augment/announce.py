"""A short note on the shared message board after a release, named after the agent who made it.

The board is `message_board/` beside the `artifacts/` directory that holds the output
(or beside the output directory when it is not under an `artifacts/`). Files are
created exclusively: an existing note is never overwritten.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from augment.config import RunConfig
from augment.stages import StageStats


def message_board(out: Path) -> Path:
    out = out.resolve()
    for parent in (out, *out.parents):
        if parent.name == "artifacts":
            return parent.parent / "message_board"
    return out.parent / "message_board"


def announce(config: RunConfig, version_dir: Path, rows: int, funnel: list[StageStats]) -> Path:
    board = message_board(Path(config.out))
    board.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    methods = json.loads((version_dir / "manifest.json").read_text())["methods"]
    lines = [
        f"# {version_dir.parent.name} {version_dir.name}: {rows:,} verified GSM8K-style problems",
        "",
        f"- path: `{version_dir.resolve()}`",
        f"- card: `{(version_dir / 'README.md').resolve()}`; licence: MIT, as GSM8K's "
        "(https://github.com/openai/grade-school-math/blob/master/LICENSE)",
        f"- version: {version_dir.name}, rows: {rows:,}, seed {config.seed}, actual mix: "
        + ", ".join(f"{m} {n / max(rows, 1):.1%}" for m, n in methods.items()),
        "- load: `datasets.load_dataset(\"<path>\", split=\"train\")`; check: `augment verify <path>`",
        "",
        "| stage | in | out | main drops |",
        "| --- | ---: | ---: | --- |",
    ]
    for s in funnel:
        drops = ", ".join(f"{r} {n:,}" for r, n in s.drops.most_common(2)) or "-"
        lines.append(f"| {s.name} | {s.rows_in:,} | {s.rows_out:,} | {drops} |")
    text = "\n".join(lines) + "\n"
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        path = board / f"{config.agent_id}_{stamp}{suffix}_dataset.md"
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(text)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a new note in {board}")
