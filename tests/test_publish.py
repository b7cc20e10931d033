"""Versioned releases: layout, card, loading back, verification, concurrency, and Hub push."""

import json
import subprocess
import sys
import textwrap

import datasets
import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, augment_cli
from hub_fake import FakeHfApi

import augment.publish as publish
from augment.config import RunConfig
from augment.hub import parse_target, push
from augment.publish import publish_version, verify_release
from augment.schema import SCHEMA, finalize_rows, verification
from augment.stages import StageStats


def make_rows(count: int) -> pl.DataFrame:
    candidates = pl.DataFrame(
        {
            "question": [f"Tom has {i} apples and buys 3 more. How many apples does he have?" for i in range(count)],
            "answer": [f"He has {i}+3=<<{i}+3={i + 3}>>{i + 3} apples.\n#### {i + 3}" for i in range(count)],
            "final_answer": [str(i + 3) for i in range(count)],
            "method": ["renumber"] * count,
            "source_split": ["train"] * count,
            "source_index": list(range(count)),
            "verification": [verification("re-execution", ["quality", "re-execution"])] * count,
            "generator": [{"engine": "symbolic", "model": None, "params": "{}"}] * count,
            "seed": list(range(count)),
        }
    )
    return finalize_rows(candidates, "testrun")


def release(tmp_path, count=50):
    config = RunConfig(n=count, out=str(tmp_path / "artifacts" / "data"), agent_id="tester")
    funnel = [StageStats("generate", count, count), StageStats("publish", count, count)]
    drops = pl.DataFrame(schema={"task": pl.Int64, "reason": pl.String})
    return publish_version(
        tmp_path / "artifacts" / "data" / config.name,
        make_rows(count),
        drops,
        config,
        {"kind": "test"},
        "testrun",
        funnel,
    )


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
        from test_publish import release
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


def test_push_to_a_dataset_repo_puts_each_version_at_the_root_with_a_tag(tmp_path):
    """The Hub is unreachable here: a recording fake, bound to the real HfApi signatures, keeps the repo."""
    api = FakeHfApi()
    first = release(tmp_path)
    plan = push(first, "hf://datasets/my-org/gsm8k-aug", api=api, dry_run=True)
    assert "nothing sent" in plan and "add data/train-00000-of-00001.parquet" in plan and "tag v1" in plan
    assert api.names() == ["list_repo_refs"] and api.repos == {}
    message = push(first, "hf://datasets/my-org/gsm8k-aug", api=api)
    assert message.endswith("https://huggingface.co/datasets/my-org/gsm8k-aug/tree/v1")
    upload = dict(api.calls)["upload_folder"]
    assert upload["repo_type"] == "dataset" and upload.get("path_in_repo") is None
    assert upload["delete_patterns"] == ["data/*", "reports/*"]
    assert upload["commit_message"] == "Add tester-gsm8k-aug v1 (50 rows, run testrun)"
    assert sorted(api.repos["my-org/gsm8k-aug"]) == [
        "README.md",
        "data/train-00000-of-00001.parquet",
        "manifest.json",
        "reports/drops.parquet",
    ]
    # v2 with another shard name: the old shard is gone from the root, v1 stays reachable by its tag
    second = release(tmp_path)
    (second / "data" / "train-00000-of-00001.parquet").rename(second / "data" / "train-00000-of-00002.parquet")
    manifest = json.loads((second / "manifest.json").read_text())
    manifest["shards"][0]["path"] = "data/train-00000-of-00002.parquet"
    (second / "manifest.json").write_text(json.dumps(manifest))
    plan = push(second, "hf://datasets/my-org/gsm8k-aug", api=api, dry_run=True)
    assert "delete data/train-00000-of-00001.parquet" in plan and "add data/train-00000-of-00002.parquet" in plan
    push(second, "hf://datasets/my-org/gsm8k-aug", api=api)
    assert "data/train-00000-of-00001.parquet" not in api.repos["my-org/gsm8k-aug"]
    assert set(api.tags["my-org/gsm8k-aug"]) == {"v1", "v2"}
    assert "data/train-00000-of-00001.parquet" in api.commits[api.tags["my-org/gsm8k-aug"]["v1"]]
    # the same version again is a no-op; a different v1 is refused in one line
    assert "already on the Hub, identical" in push(first, "hf://datasets/my-org/gsm8k-aug", api=api)
    other = FakeHfApi()
    push(release(tmp_path / "elsewhere"), "hf://datasets/my-org/gsm8k-aug", api=other)
    other.commits[other.tags["my-org/gsm8k-aug"]["v1"]]["manifest.json"] = b"{}"
    with pytest.raises(ValueError, match="already has tag v1 with different files"):
        push(first, "hf://datasets/my-org/gsm8k-aug", api=other)


def test_push_as_a_pull_request_prints_its_url(tmp_path):
    api = FakeHfApi()
    message = push(release(tmp_path), "hf://datasets/my-org/gsm8k-aug", api=api, create_pr=True)
    assert message.endswith("https://huggingface.co/datasets/my-org/gsm8k-aug/discussions/1")
    assert dict(api.calls)["upload_folder"]["create_pr"] is True and api.repos["my-org/gsm8k-aug"] == {}


def test_push_to_a_bucket_adds_only_what_is_absent_and_refuses_to_overwrite(tmp_path):
    version = release(tmp_path)
    board = tmp_path / "message_board"
    board.mkdir()
    (board / "tester_20261129T000000Z_dataset.md").write_text("# tester-gsm8k-aug v1: 50 verified\n")
    (board / "someone_else.md").write_text("# other v1: 3 rows\n")
    api = FakeHfApi()
    plan = push(version, "hf://buckets/me/store", api=api, dry_run=True)
    assert "nothing sent" in plan and api.buckets == {}
    push(version, "hf://buckets/me/store", api=api)
    release_dir = "artifacts/data/tester-gsm8k-aug/v1/"
    assert sorted(api.buckets["me/store"]) == [
        release_dir + "README.md",
        release_dir + "data/train-00000-of-00001.parquet",
        release_dir + "manifest.json",
        release_dir + "reports/drops.parquet",
        "message_board/tester_20261129T000000Z_dataset.md",
    ]
    api.calls.clear()
    message = push(version, "hf://buckets/me/store", api=api)
    assert "uploaded 0 files, skipped 5 identical" in message and "batch_bucket_files" not in api.names()
    api.buckets["me/store"][release_dir + "README.md"] = b"changed"
    with pytest.raises(ValueError, match="README.md exists with different content"):
        push(version, "hf://buckets/me/store", api=api)
    with pytest.raises(ValueError, match="not under a sub-path"):
        parse_target("hf://datasets/my-org/gsm8k-aug/v1")


def test_push_refuses_bad_targets_and_corrupt_versions_and_hides_the_token(tmp_path):
    with pytest.raises(ValueError):
        parse_target("s3://bucket/key")
    version = release(tmp_path)
    (version / "manifest.json").write_text(
        json.dumps({"shards": [{"path": "data/x.parquet", "rows": 1, "sha256": "0"}]})
    )
    with pytest.raises(ValueError, match="does not match its manifest"):
        push(version, "hf://datasets/a/b", api=object())
    good = release(tmp_path)
    secret = "hf_" + "S3cr3tT0k3n" * 3
    result = augment_cli(
        "push",
        str(good),
        "--to",
        "hf://datasets/a/b",
        cwd=ROOT,
        env={"HF_TOKEN": secret, "HF_HUB_OFFLINE": "1"},
        timeout=120,
    )
    assert result.returncode == 1 and "push failed" in result.stderr
    assert secret not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_the_card_states_true_sizes_yaml_fields_example_citations_and_recall(tmp_path):
    version = release(tmp_path, count=300)
    text = (version / "README.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert front["annotations_creators"] == ["machine-generated"] and front["multilinguality"] == ["monolingual"]
    assert front["language_creators"] == ["machine-generated"] and front["task_ids"] == ["closed-domain-qa"]
    loaded = datasets.load_dataset(str(version), split="train", cache_dir=str(tmp_path / "cache"))
    assert front["dataset_info"]["dataset_size"] == loaded.info.dataset_size
    assert front["dataset_info"]["splits"][0]["num_bytes"] == loaded.info.splits["train"].num_bytes
    assert front["dataset_info"]["download_size"] == sum(p.stat().st_size for p in (version / "data").iterdir())
    assert "## Example row" in text and "Tom has 0 apples" in text and "<<expr=value>>" in text
    assert "@article{cobbe2021gsm8k" in text and "@software{gsm8k_augment" in text
    assert "split by `source_index`" in text and "about 1.0 variants each" in text
    from filters import embeddings
    from filters.contamination import held_out_figures

    recall = held_out_figures(embeddings.available())["all-positives"]
    assert f"{recall['flagged']:.1%} of {recall['n']:,} test-derived questions flagged" in text
    assert "The previous detector, checked independently on 7,537" in text and "0.747" in text
    assert "| renumber | 300 | 100.0% | 60.0% |" in text  # actual versus requested, in one table


def test_trainer_views_load_by_config_name(tmp_path):
    version = release(tmp_path, count=20)
    cache = str(tmp_path / "cache")
    full = datasets.load_dataset(str(version), split="train", cache_dir=cache)
    row = full[3]
    assert row["prompt"] == row["question"] and row["completion"] == row["answer"]
    assert row["answer_plain"] == "He has 3+3=6 apples.\n#### 6" and "<<" in row["answer"]
    pairs = datasets.load_dataset(str(version), "prompt_completion", split="train", cache_dir=cache)
    assert pairs.column_names == ["id", "prompt", "completion"] and pairs[3]["completion"] == row["answer"]
    plain = datasets.load_dataset(str(version), "plain", split="train", cache_dir=cache)
    assert set(plain.column_names) == {"id", "question", "answer_plain", "final_answer"} and plain.num_rows == 20
