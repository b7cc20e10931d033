"""`verify` vouches for every file of a version, the card and reports included; `push` sends only
what the manifest lists; malformed manifests are one line, never a traceback."""

import json

import pytest
from conftest import ROOT, augment_cli
from hub_fake import FakeHfApi
from releases import release

from augment.hub import push
from augment.publish import find_published, verify_release


def verify_cli(version):
    result = augment_cli("verify", str(version), cwd=ROOT)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_manifest_lists_the_card(tmp_path):
    version = release(tmp_path)
    manifest = json.loads((version / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["files"]] == ["README.md"]
    assert verify_cli(version).returncode == 0


@pytest.mark.parametrize(
    "tamper, named",
    [
        (lambda v: (v / "extra.bin").write_bytes(b"\0"), "extra.bin: not listed"),
        (lambda v: (v / "reports" / "notes.txt").write_text("x"), "notes.txt: not listed"),
        (lambda v: (v / "README.md").write_text((v / "README.md").read_text() + "\nEdited.\n"), "README.md: sha256"),
        (lambda v: (v / "README.md").unlink(), "README.md: missing"),
        (lambda v: (v / "reports" / "drops.parquet").write_bytes(b"PAR1"), "drops.parquet: sha256"),
        (lambda v: (v / "link").symlink_to("/etc/hostname"), "link: not a regular file"),
    ],
    ids=["extra-file", "extra-report", "edited-card", "missing-card", "changed-report", "symlink"],
)
def test_verify_rejects_unlisted_and_changed_files_and_push_sends_nothing(tmp_path, tamper, named):
    version = release(tmp_path)
    tamper(version)
    result = verify_cli(version)
    assert result.returncode == 1 and named in result.stderr
    pushed = augment_cli("push", str(version), "--to", "hf://datasets/a/b", cwd=ROOT, env={"HF_HUB_OFFLINE": "1"})
    assert pushed.returncode == 2 and "does not match its manifest" in pushed.stderr
    assert len(pushed.stderr.strip().splitlines()) == 1 and "Traceback" not in pushed.stderr


@pytest.mark.parametrize(
    "manifest, problem",
    [
        ([1, 2], "not a JSON object but list"),
        ("[" * 100_000, "unreadable manifest"),
        (lambda m: m["shards"][0].pop("sha256"), "shards[0] lacks 'sha256'"),
        (lambda m: m["files"][0].pop("sha256"), "files[0] lacks 'sha256'"),
        (lambda m: m.pop("files"), "'files' is missing"),
        (lambda m: m["reports"].__setitem__(0, "drops"), "reports[0] is not an object"),
        (lambda m: m["files"][0].__setitem__("path", "../../outside.txt"), "not a file inside the version"),
        (lambda m: m["files"][0].__setitem__("path", "/etc/hostname"), "not a file inside the version"),
    ],
    ids=[
        "list",
        "nested",
        "shard-without-sha256",
        "card-without-sha256",
        "no-files",
        "report-not-object",
        "path-traversal",
        "absolute-path",
    ],
)
def test_malformed_manifests_are_one_line(tmp_path, manifest, problem):
    version = release(tmp_path)
    path = version / "manifest.json"
    if callable(manifest):
        data = json.loads(path.read_text())
        manifest(data)
        manifest = data
    path.write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    result = verify_cli(version)
    assert result.returncode == 1 and problem in result.stderr and "manifest.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    found = find_published(version.parent, "testrun", 50)  # what `run` reads first: no crash either
    assert found is None if isinstance(manifest, (list, str)) else found == version


def test_push_sends_the_manifest_and_the_files_it_lists(tmp_path):
    version = release(tmp_path)
    listed = ["README.md", "data/train-00000-of-00001.parquet", "manifest.json", "reports/drops.parquet"]

    api = FakeHfApi()
    push(version, "hf://datasets/my-org/gsm8k-aug", api=api)
    assert dict(api.calls)["upload_folder"]["allow_patterns"] == listed
    assert sorted(api.repos["my-org/gsm8k-aug"]) == listed
    api = FakeHfApi()
    push(version, "hf://buckets/me/store", api=api)
    assert sorted(path.split("/v1/", 1)[1] for path in api.buckets["me/store"]) == listed
    assert verify_release(version) == []
