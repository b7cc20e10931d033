"""Notes on the shared message board: a proposal before a run's work, a results note after it publishes.

The board is `message_board/` beside the `artifacts/` directory that holds the output
(or beside the output directory when it is not under an `artifacts/`); the folder holding
both is the workspace. Files are created exclusively: an existing note is never overwritten.
Every note carries `- key: value` lines (agent, config fingerprint, run id) so that the next
run can tell, from the board alone, that another agent is already making the same rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from augment.config import RunConfig, without_unused_blocks
from augment.stages import StageStats

# ruling 6: who runs it, where it writes and with how many workers do not change what is made;
# the source path and the templates path are covered by the source identity (content hashes)
NOT_IN_FINGERPRINT = ("out", "agent_id", "name", "announce", "workers", "source", "templates")
_FIELD_RE = re.compile(r"^- ([a-z][a-z ]*): `?([^`\n]*)`?$", re.MULTILINE)


def message_board(out: Path) -> Path:
    out = out.resolve()
    for parent in (out, *out.parents):
        if parent.name == "artifacts":
            return parent.parent / "message_board"
    return out.parent / "message_board"


def config_fingerprint(settings: dict, source: dict) -> str:
    """The workspace identity of a run: what it makes (settings, source content), without the code
    version, the agent, the output path or the worker count (unlike the run id, which resumes runs)."""
    kept = without_unused_blocks({k: v for k, v in settings.items() if k not in NOT_IN_FINGERPRINT})
    identity = {k: v for k, v in source.items() if k != "path"}
    blob = json.dumps({"settings": kept, "source": identity}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Note:
    path: Path
    kind: str  # "proposal" or "results"
    fields: dict[str, str]

    @property
    def created(self) -> datetime:
        """The note's own `created` line, else the file's modification time."""
        try:
            return datetime.fromisoformat(self.fields["created"])
        except (KeyError, ValueError):
            return datetime.fromtimestamp(self.path.stat().st_mtime, timezone.utc)


def read_notes(board: Path) -> list[Note]:
    """The proposals and results notes on a board; other files (and unreadable ones) are not ours to judge."""
    notes = []
    for path in sorted(board.glob("*.md")) if board.is_dir() else []:
        kind = (
            "proposal"
            if path.name.endswith("_proposal.md")
            else "results"
            if path.name.endswith("_dataset.md")
            else None
        )
        if kind is None:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        notes.append(Note(path, kind, dict(_FIELD_RE.findall(text))))
    return notes


def workspace_path(path: Path, root: Path) -> str:
    """A path as the workspace names it (relative to its root), so a note stays valid once pushed."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def propose(config: RunConfig, fingerprint: str, run_id: str) -> Path:
    board = message_board(Path(config.out))
    root = board.parent
    now = datetime.now(timezone.utc)
    settings = {k: v for k, v in config.to_dict().items() if k not in ("out", "announce")}
    expected = f"{config.n:,}" + (" at most (--allow-fewer)" if config.allow_fewer else "")
    text = "\n".join(
        [
            f"# proposal: {config.agent_id} will publish {config.name} ({config.n:,} rows)",
            "",
            f"- agent: {config.agent_id}",
            f"- config fingerprint: `{fingerprint}`",
            f"- run id: `{run_id}`",
            f"- expected rows: {expected}",
            f"- output: `{workspace_path(Path(config.out) / config.name, root)}/`",
            f"- created: {now.isoformat(timespec='seconds')}",
            "",
            "```json",
            json.dumps(settings, sort_keys=True, default=str),
            "```",
        ]
    )
    return _write_note(board, config.agent_id, now, "proposal", text + "\n")


def announce(config: RunConfig, version_dir: Path, rows: int, funnel: list[StageStats]) -> Path:
    board = message_board(Path(config.out))
    root = board.parent
    now = datetime.now(timezone.utc)
    manifest = json.loads((version_dir / "manifest.json").read_text())
    methods = manifest["methods"]
    proposal = next(
        (
            n
            for n in reversed(read_notes(board))
            if n.kind == "proposal"
            and n.fields.get("agent") == config.agent_id
            and n.fields.get("run id") == manifest["run_id"]
        ),
        None,
    )
    lines = [
        f"# {version_dir.parent.name} {version_dir.name}: {rows:,} verified GSM8K-style problems",
        "",
        f"- agent: {config.agent_id}",
        f"- release: `{workspace_path(version_dir, root)}/`",
        (
            f"- card: `{workspace_path(version_dir / 'README.md', root)}`; licence: MIT, as GSM8K's "
            "(https://github.com/openai/grade-school-math/blob/master/LICENSE)"
        ),
        f"- path: `{version_dir.resolve()}`",
        f"- config fingerprint: `{config_fingerprint(manifest['config'], manifest['source'])}`",
        f"- run id: `{manifest['run_id']}`",
        *([f"- proposal: `{workspace_path(proposal.path, root)}`"] if proposal else []),
        f"- created: {now.isoformat(timespec='seconds')}",
        f"- version: {version_dir.name}, rows: {rows:,}, seed {config.seed}, actual mix: "
        + ", ".join(f"{m} {n / max(rows, 1):.1%}" for m, n in methods.items()),
        (
            '- load: `datasets.load_dataset("<path>", split="train")`; check: `augment verify <path>`; '
            f"fetch: `augment get {version_dir.parent.name}@{version_dir.name} --from <workspace>`"
        ),
        "",
        "| stage | in | out | main drops |",
        "| --- | ---: | ---: | --- |",
    ]
    for s in funnel:
        drops = ", ".join(f"{r} {n:,}" for r, n in s.drops.most_common(2)) or "-"
        lines.append(f"| {s.name} | {s.rows_in:,} | {s.rows_out:,} | {drops} |")
    return _write_note(board, config.agent_id, now, "dataset", "\n".join(lines) + "\n")


def _write_note(board: Path, agent_id: str, now: datetime, kind: str, text: str) -> Path:
    board.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        path = board / f"{agent_id}_{stamp}{suffix}_{kind}.md"
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(text)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a new note in {board}")
