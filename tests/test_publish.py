"""Versioned releases: layout, manifest, loading back, shards, versions, concurrency and verification."""

import json
import subprocess
import sys
import textwrap

import datasets
import polars as pl
import pyarrow.parquet as pq
import yaml
from conftest import ROOT, augment_cli
from releases import release

import augment.publish as publish
from augment.publish import verify_release
from augment.schema import SCHEMA


def test_layout_manifest_card_and_loading(tmp_path):
    version = release(tmp_path)
    assert version.name == "v1"
    assert sorted(p.relative_to(version).as_posix() for p in version.rglob("*") if p.is_file()) == [
        "README.md",
        "data/train-00000-of-00001.parquet",
        "manifest.json",
        "reports/drops.parquet",
    ]
    manifest = json.loads((version / "manifest.json").read_text())
    for key in (
        "rows",
        "schema",
        "shards",
        "config",
        "source",
        "code_version",
        "funnel",
        "seconds_per_stage",
        "parent_version",
        "run_id",
        "methods",
    ):
        assert key in manifest
    assert manifest["rows"] == 50 and manifest["parent_version"] is None and manifest["methods"] == {"renumber": 50}
    front = yaml.safe_load((version / "README.md").read_text().split("---")[1])
    assert front["license"] == "mit" and front["source_datasets"] == ["openai/gsm8k"]
    assert front["configs"][0]["data_files"][0]["path"] == "data/train-*.parquet"
    assert [f["name"] for f in front["dataset_info"]["features"]] == SCHEMA.names
    by_dir = datasets.load_dataset(str(version), split="train")
    by_parquet = datasets.load_dataset("parquet", data_files=str(version / "data" / "*.parquet"), split="train")
    by_polars = pl.scan_parquet(version / "data" / "*.parquet").collect()
    assert len(by_dir) == len(by_parquet) == by_polars.height == 50
    assert by_dir[7]["messages"][1]["content"].endswith("#### 10")
    assert verify_release(version) == []


def test_shards_and_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "MAX_SHARD_BYTES", 2_000_000)
    version = release(tmp_path, count=25_000)
    shards = sorted((version / "data").glob("*.parquet"))
    assert len(shards) > 1 and shards[0].name.endswith(f"-of-{len(shards):05d}.parquet")
    for shard in shards:
        metadata = pq.read_metadata(shard)
        assert all(metadata.row_group(i).num_rows <= 10_000 for i in range(metadata.num_row_groups))
        assert metadata.row_group(0).column(0).compression == "ZSTD"
    assert sum(pq.read_metadata(s).num_rows for s in shards) == 25_000


def test_versions_increment_and_old_versions_are_untouched(tmp_path):
    first = release(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in first.rglob("*")}
    second = release(tmp_path)
    assert second.name == "v2" and json.loads((second / "manifest.json").read_text())["parent_version"] == 1
    assert {p: p.stat().st_mtime_ns for p in first.rglob("*")} == before


def test_concurrent_publishing_never_shares_a_version(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time, pathlib
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from releases import release
        start = pathlib.Path({str(tmp_path / "go")!r})
        while not start.exists():
            time.sleep(0.01)
        print(release(pathlib.Path({str(tmp_path)!r})))
    """)
    processes = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(3)
    ]
    (tmp_path / "go").touch()
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in processes)
    assert all(p.returncode == 0 for p in processes)
    assert [o.rsplit("/", 1)[1] for o in outputs] == ["v1", "v2", "v3"]
    for output in outputs:
        from pathlib import Path

        assert verify_release(Path(output)) == []


def test_verify_names_the_bad_file(tmp_path):
    version = release(tmp_path)
    assert augment_cli("verify", str(version), cwd=ROOT).returncode == 0
    shard = next((version / "data").glob("*.parquet"))
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    result = augment_cli("verify", str(version), cwd=ROOT)
    assert result.returncode == 1 and shard.name in result.stderr and "sha256" in result.stderr
    shard.unlink()
    assert any("missing" in p for p in verify_release(version))
    extra = release(tmp_path)
    (extra / "data" / "train-00009-of-00010.parquet").write_bytes(b"x")
    assert any("not listed" in p for p in verify_release(extra))
