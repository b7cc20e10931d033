"""Versioned, checksummed releases: `<out>/<name>/v<K>/` with parquet shards, manifest and card.

A version is assembled in a temporary directory beside the versions and renamed into
place; `os.rename` refuses to replace a non-empty directory, so two runs publishing at
the same moment get different versions and neither writes into the other's. An
existing version is never written to. The manifest lists every other file of the version
with its sha256 (shards, reports, and the card under `files`): `verify` rejects anything else.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from augment import __version__
from augment.checkpoint import lock_path
from augment.config import RunConfig
from augment.lifetime import remove, run_lock
from augment.schema import SCHEMA
from augment.stages import StageStats
from data_cards.card import render_card

MAX_SHARD_BYTES = 250 * 1024**2
ROW_GROUP_ROWS = 10_000
_VERSION_RE = re.compile(r"v([0-9]+)")


def versions(dataset_dir: Path) -> list[int]:
    if not dataset_dir.exists():
        return []
    return sorted(int(m.group(1)) for p in dataset_dir.iterdir() if p.is_dir() and (m := _VERSION_RE.fullmatch(p.name)))


def find_published(dataset_dir: Path, run_id: str, n: int) -> Path | None:
    """The version a run with this id and size already published, if any."""
    for version in reversed(versions(dataset_dir)):
        data = read_manifest(dataset_dir / f"v{version}")
        config = data.get("config") if isinstance(data, dict) else None  # a tampered manifest is not ours
        if isinstance(config, dict) and data.get("run_id") == run_id and config.get("n") == n:
            return dataset_dir / f"v{version}"
    return None


def read_manifest(version_dir: Path) -> object:
    """The parsed manifest, or the exception that kept it from being read."""
    try:
        return json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return exc


def remove_abandoned_staging(dataset_dir: Path, run_id: str) -> None:
    """Remove staging directories of killed publishes: this run's (the caller holds its lock) and
    those of runs whose lock nobody holds."""
    for staging in dataset_dir.glob(".publish-*"):
        owner = staging.name.removeprefix(".publish-").rpartition("-")[0]
        if owner == run_id or not lock_path(dataset_dir, owner).exists():
            remove(staging)
            continue
        with run_lock(lock_path(dataset_dir, owner), wait=False) as free:
            if free:
                remove(staging)


def code_version() -> dict:
    """The package version and, when run from a git checkout, the commit and whether it was modified."""
    info = {"package": __version__, "commit": None, "modified": None}
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], check=False, capture_output=True, text=True, timeout=5
        )
        if commit.returncode == 0:
            status = subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                check=False,
                capture_output=True,
                text=True,
                timeout=5,
            )
            info |= {"commit": commit.stdout.strip(), "modified": bool(status.stdout.strip())}
    except (OSError, subprocess.TimeoutExpired):
        pass
    return info


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_shards(rows: pl.DataFrame, data_dir: Path) -> list[dict]:
    """zstd parquet shards of at most ~250 MB (estimated uncompressed), row groups of 10k rows."""
    table = rows.to_arrow().cast(SCHEMA)
    shards = max(1, math.ceil(table.nbytes / MAX_SHARD_BYTES))
    per_shard = math.ceil(table.num_rows / shards) if table.num_rows else 0
    data_dir.mkdir(parents=True)
    described = []
    for i in range(shards):
        path = data_dir / f"train-{i:05d}-of-{shards:05d}.parquet"
        part = table.slice(i * per_shard, per_shard)
        pq.write_table(part, path, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        # num_bytes: the Arrow size `datasets` computes on load (the card's dataset_size), not the file size
        described.append(
            {
                "path": f"data/{path.name}",
                "rows": part.num_rows,
                "bytes": path.stat().st_size,
                "num_bytes": pq.read_table(path).nbytes,
                "sha256": file_sha256(path),
            }
        )
    return described


def type_name(field_type: pa.DataType) -> str:
    """A type's name with list item names left out: parquet calls them "element", arrow "item"."""
    if pa.types.is_list(field_type) or pa.types.is_large_list(field_type):
        return f"list<{type_name(field_type.value_type)}>"
    if pa.types.is_struct(field_type):
        return "struct<" + ", ".join(f"{f.name}: {type_name(f.type)}" for f in field_type) + ">"
    return str(field_type)


def schema_description(schema: pa.Schema = SCHEMA) -> list[dict]:
    return [{"name": f.name, "type": type_name(f.type)} for f in schema]


def publish_version(
    dataset_dir: Path,
    rows: pl.DataFrame,
    drops: pl.DataFrame,
    config: RunConfig,
    source: dict,
    run_id: str,
    funnel: list[StageStats],
) -> Path:
    """Write a new version of the dataset and return its directory."""
    dataset_dir.mkdir(parents=True, exist_ok=True)
    staging = dataset_dir / f".publish-{run_id}-{uuid.uuid4().hex[:8]}"
    try:
        shards = write_shards(rows, staging / "data")
        (staging / "reports").mkdir()
        drops.write_parquet(staging / "reports" / "drops.parquet", compression="zstd")
        manifest = {
            "name": config.name,
            "version": None,
            "parent_version": None,
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "run_id": run_id,
            "rows": rows.height,
            "schema": schema_description(),
            "shards": shards,
            "reports": [
                {
                    "path": "reports/drops.parquet",
                    "rows": drops.height,
                    "sha256": file_sha256(staging / "reports" / "drops.parquet"),
                }
            ],
            "files": [],
            "methods": method_counts(rows),
            "distinct_sources": rows["source_index"].n_unique(),
            "source": source,
            "config": config.to_dict(),
            "code_version": code_version(),
            "funnel": [s.to_dict() for s in funnel],
            "seconds_per_stage": {s.name: round(s.seconds, 3) for s in funnel},
        }
        while True:
            existing = versions(dataset_dir)
            version = (existing[-1] + 1) if existing else 1
            manifest |= {"version": version, "parent_version": existing[-1] if existing else None}
            card = staging / "README.md"
            card.write_text(render_card(manifest, example=rows.row(0, named=True) if rows.height else None))
            manifest["files"] = [{"path": card.name, "bytes": card.stat().st_size, "sha256": file_sha256(card)}]
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
            target = dataset_dir / f"v{version}"
            if target.exists():
                continue
            try:
                os.rename(staging, target)
                return target
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                continue  # another run took this version number between our check and rename
    finally:
        remove(staging)


def method_counts(rows: pl.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in rows["method"].value_counts(sort=True).iter_rows()}


def verify_release(version_dir: Path) -> list[str]:
    """Problems found comparing a version's files with its manifest; empty when it is intact."""
    manifest_path = version_dir / "manifest.json"
    manifest = read_manifest(version_dir)
    if isinstance(manifest, Exception):
        return [f"{manifest_path}: unreadable manifest ({type(manifest).__name__})"]
    malformed = manifest_problem(manifest)
    if malformed:
        return [f"{manifest_path}: {malformed}"]
    listed = {entry["path"] for entry in listed_entries(manifest)}
    problems, total = [], 0
    for path in sorted(version_dir.rglob("*")):
        relative = path.relative_to(version_dir).as_posix()
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            problems.append(f"{path}: not a regular file")
        elif path.is_file() and relative != "manifest.json" and relative not in listed:
            problems.append(f"{path}: not listed in the manifest")
    for key in ("shards", "reports", "files"):
        for entry in manifest[key]:
            path = version_dir / entry["path"]
            if not path.is_file():
                problems.append(f"{path}: missing")
            elif file_sha256(path) != entry["sha256"]:
                problems.append(f"{path}: sha256 differs from the manifest")
            elif key != "files":
                problems += _parquet_problems(path, entry, manifest["schema"] if key == "shards" else None)
                total += entry["rows"] if key == "shards" else 0
    if not problems and total != manifest["rows"]:
        problems.append(f"{manifest_path}: shards hold {total} rows, manifest says {manifest['rows']}")
    return problems


def _parquet_problems(path: Path, entry: dict, schema: list | None) -> list[str]:
    try:
        metadata = pq.read_metadata(path)
        same_schema = schema is None or schema_description(pq.read_schema(path)) == schema
    except (OSError, pa.ArrowException) as exc:
        return [f"{path}: not readable as parquet ({str(exc).splitlines()[0][:160]})"]
    problems = [] if same_schema else [f"{path}: schema differs from the manifest"]
    if metadata.num_rows != entry["rows"]:
        problems.append(f"{path}: {metadata.num_rows} rows, manifest says {entry['rows']}")
    return problems


def listed_entries(manifest: dict) -> list[dict]:
    """Every file of a version the manifest vouches for, except the manifest itself."""
    return manifest["shards"] + manifest["reports"] + manifest["files"]


def manifest_problem(manifest: object) -> str | None:
    """Why a manifest cannot be checked against (None when it can): every entry a file inside the version."""
    if not isinstance(manifest, dict):
        return f"not a JSON object but {type(manifest).__name__}"
    for key, kind in (("rows", int), ("schema", list), ("shards", list), ("reports", list), ("files", list)):
        if not isinstance(manifest.get(key), kind):
            return f"{key!r} is missing or not a {kind.__name__}"
    for key in ("shards", "reports", "files"):
        for i, entry in enumerate(manifest[key]):
            where = f"{key}[{i}]"
            if not isinstance(entry, dict):
                return f"{where} is not an object"
            for field, kind in (("path", str), ("sha256", str), *((("rows", int),) if key != "files" else ())):
                if not isinstance(entry.get(field), kind):
                    return f"{where} lacks {field!r} (or it is not a {kind.__name__})"
            parts = PurePosixPath(entry["path"]).parts
            if not parts or parts[0] == "/" or ".." in parts or entry["path"] == "manifest.json":
                return f"{where} path {entry['path']!r} is not a file inside the version"
    return None
