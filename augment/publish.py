"""Versioned, checksummed releases: `<out>/<name>/v<K>/` with parquet shards, manifest and card.

A version is assembled in a temporary directory beside the versions and renamed into
place; `os.rename` refuses to replace a non-empty directory, so two runs publishing at
the same moment get different versions and neither writes into the other's. An
existing version is never written to.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import uuid
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from augment import __version__
from augment.config import RunConfig
from augment.schema import SCHEMA
from augment.stages import StageStats
from data_cards.card import render_card

MAX_SHARD_BYTES = 250 * 1024**2
ROW_GROUP_ROWS = 10_000
_VERSION_RE = re.compile(r"^v(\d+)$")


def versions(dataset_dir: Path) -> list[int]:
    if not dataset_dir.exists():
        return []
    return sorted(int(m.group(1)) for p in dataset_dir.iterdir() if p.is_dir() and (m := _VERSION_RE.match(p.name)))


def find_published(dataset_dir: Path, run_id: str, n: int) -> Path | None:
    """The version a run with this id and size already published, if any."""
    for version in reversed(versions(dataset_dir)):
        manifest = dataset_dir / f"v{version}" / "manifest.json"
        try:
            data = json.loads(manifest.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("run_id") == run_id and data.get("config", {}).get("n") == n:
            return manifest.parent
    return None


def code_version() -> dict:
    """The package version and, when run from a git checkout, the commit and whether it was modified."""
    info = {"package": __version__, "commit": None, "modified": None}
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=5)  # fmt: skip
            info |= {"commit": commit.stdout.strip(), "modified": bool(status.stdout.strip())}
    except (OSError, subprocess.TimeoutExpired):
        pass
    return info


def _sha256(path: Path) -> str:
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
        described.append({"path": f"data/{path.name}", "rows": part.num_rows, "bytes": path.stat().st_size,
                          "sha256": _sha256(path)})  # fmt: skip
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


def publish_version(dataset_dir: Path, rows: pl.DataFrame, drops: pl.DataFrame, config: RunConfig, source: dict,
                    run_id: str, funnel: list[StageStats]) -> Path:  # fmt: skip
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
            "reports": [{"path": "reports/drops.parquet", "rows": drops.height,
                         "sha256": _sha256(staging / "reports" / "drops.parquet")}],  # fmt: skip
            "methods": method_counts(rows),
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
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
            (staging / "README.md").write_text(render_card(manifest))
            target = dataset_dir / f"v{version}"
            if target.exists():
                continue
            try:
                os.rename(staging, target)
                return target
            except OSError:  # another run took this version number between our check and rename
                continue
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def method_counts(rows: pl.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in rows["method"].value_counts(sort=True).iter_rows()}


def verify_release(version_dir: Path) -> list[str]:
    """Problems found comparing a version's files with its manifest; empty when it is intact."""
    manifest_path = version_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return [f"{manifest_path}: unreadable manifest ({exc.__class__.__name__})"]
    problems, total = [], 0
    listed = {shard["path"] for shard in manifest.get("shards", [])}
    for extra in sorted((version_dir / "data").glob("*.parquet")):
        if f"data/{extra.name}" not in listed:
            problems.append(f"{extra}: shard not listed in the manifest")
    for entry in manifest.get("shards", []) + manifest.get("reports", []):
        path = version_dir / entry["path"]
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        if _sha256(path) != entry["sha256"]:
            problems.append(f"{path}: sha256 differs from the manifest")
            continue
        try:
            metadata = pq.read_metadata(path)
        except (OSError, pa.ArrowException) as exc:
            problems.append(f"{path}: not readable as parquet ({exc})")
            continue
        if metadata.num_rows != entry["rows"]:
            problems.append(f"{path}: {metadata.num_rows} rows, manifest says {entry['rows']}")
        if entry in manifest.get("shards", []):
            total += metadata.num_rows
            if schema_description(pq.read_schema(path)) != manifest["schema"]:
                problems.append(f"{path}: schema differs from the manifest")
    if not problems and total != manifest.get("rows"):
        problems.append(f"{manifest_path}: shards hold {total} rows, manifest says {manifest.get('rows')}")
    return problems
