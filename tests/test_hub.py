"""`augment push`: a version to a dataset repo (root plus tag) or a bucket (absent files only), against
a recording fake of the Hub bound to the real HfApi signatures."""

import json

import pytest
from conftest import ROOT, augment_cli
from hub_fake import FakeHfApi
from releases import release

from augment.hub import parse_target, push


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
