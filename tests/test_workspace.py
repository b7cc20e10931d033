"""Two agents in one workspace: proposals and collisions, list, get, and a shared bucket that refuses overwrites."""

import json
import re
from datetime import datetime, timedelta, timezone

import datasets
import polars as pl
import pytest
from conftest import ROOT, augment_cli
from hub_fake import FakeHfApi
from releases import make_rows

from augment.announce import announce, config_fingerprint, read_notes
from augment.config import RunConfig
from augment.hub import push
from augment.publish import publish_version, verify_release
from augment.stages import StageStats
from augment.workspace import WorkspaceCollision, check_collision, get, list_releases, post_proposal

SOURCE = {"kind": "path", "path": "/somewhere/train.jsonl", "split": "train", "files": [{"sha256": "ab", "rows": 9}]}


def agent_release(workspace, agent, count=30, seed=0):
    """A real release and its results note in `workspace`, made the way `augment run` makes them."""
    config = RunConfig(n=count, seed=seed, out=str(workspace / "artifacts" / "data"), agent_id=agent)
    funnel = [StageStats("generate", count, count), StageStats("publish", count, count)]
    drops = pl.DataFrame(schema={"task": pl.Int64, "reason": pl.String})
    post_proposal(config, SOURCE, f"run-{agent}")
    version = publish_version(
        workspace / "artifacts" / "data" / config.name, make_rows(count), drops, config, SOURCE, f"run-{agent}", funnel
    )
    return version, announce(config, version, count, funnel)


def run_args(source, *extra):
    return [
        "run",
        "--n",
        "20",
        "--source",
        str(source),
        "--max-per-source",
        "2",
        "--chunk-size",
        "64",
        "--embeddings",
        "off",
        "--quiet",
        *extra,
    ]


def test_two_agents_in_one_folder_collide_on_the_config_not_on_the_agent(small_source, tmp_path):
    alice = augment_cli(*run_args(small_source, "--workers", "1"), cwd=tmp_path, env={"AUGMENT_AGENT_ID": "alice"})
    assert alice.returncode == 0, alice.stderr
    board = tmp_path / "message_board"
    proposal = next(board.glob("alice_*_proposal.md"))
    notes = {n.kind: n for n in read_notes(board)}
    manifest = json.loads((tmp_path / "artifacts/data/alice-gsm8k-aug/v1/manifest.json").read_text())
    fingerprint = config_fingerprint(manifest["config"], manifest["source"])
    assert notes["proposal"].fields | {"created": "-"} == {
        "agent": "alice",
        "config fingerprint": fingerprint,
        "run id": manifest["run_id"],
        "expected rows": "20",
        "output": "artifacts/data/alice-gsm8k-aug/",
        "created": "-",
    }
    assert '"max_per_source": 2' in proposal.read_text()  # the whole config, for a reader
    results = notes["results"].fields
    assert results["release"] == "artifacts/data/alice-gsm8k-aug/v1/" and results["config fingerprint"] == fingerprint
    assert results["proposal"] == f"message_board/{proposal.name}"
    assert "`artifacts/data/alice-gsm8k-aug/v1/README.md`" in notes["results"].path.read_text()  # the card
    # bob, same config with another worker count: one line, exit 3, nothing written
    bob = augment_cli(*run_args(small_source, "--workers", "2"), cwd=tmp_path, env={"AUGMENT_AGENT_ID": "bob"})
    assert bob.returncode == 3 and bob.stdout == ""
    assert bob.stderr.strip().splitlines() == [
        (
            f"error: alice already published this config (fingerprint {fingerprint}) in "
            "artifacts/data/alice-gsm8k-aug/v1; use theirs (augment list, augment get) or pass --anyway"
        )
    ]
    assert sorted(p.name.split("_")[0] for p in board.iterdir()) == ["alice", "alice"]
    assert not (tmp_path / "artifacts/data/bob-gsm8k-aug").exists()
    # alice again: her own run, already published; bob with --anyway runs and announces both notes
    again = augment_cli(*run_args(small_source), cwd=tmp_path, env={"AUGMENT_AGENT_ID": "alice"})
    assert again.returncode == 0 and "already published" in again.stdout
    anyway = augment_cli(*run_args(small_source, "--anyway"), cwd=tmp_path, env={"AUGMENT_AGENT_ID": "bob"})
    assert anyway.returncode == 0, anyway.stderr
    assert "--anyway: 3 other claim(s) on config" in anyway.stdout  # alice: release, results note, proposal
    assert len(list(board.glob("bob_*_proposal.md"))) == len(list(board.glob("bob_*_dataset.md"))) == 1
    listed = augment_cli("list", cwd=tmp_path)
    assert listed.returncode == 0
    lines = listed.stdout.strip().splitlines()
    assert [line.split(" | ")[:3] for line in lines] == [
        ["alice-gsm8k-aug v1", "alice", "20 rows"],
        ["bob-gsm8k-aug v1", "bob", "20 rows"],
    ]
    assert all(line.endswith("verify ok") and "run " + manifest["run_id"] in line for line in lines)
    as_json = json.loads(augment_cli("list", str(tmp_path), "--json", cwd=ROOT).stdout)
    assert [(r["agent"], r["verified"], r["check"]) for r in as_json] == [
        ("alice", True, "sha256"),
        ("bob", True, "sha256"),
    ]
    assert sum(as_json[0]["methods"].values()) == 20 and abs(sum(as_json[0]["mix"].values()) - 1) < 1e-3


def test_proposals_block_for_24_hours_and_an_agents_own_run_is_not_a_collision(tmp_path):
    out = str(tmp_path / "artifacts" / "data")
    alice, bob = RunConfig(n=40, out=out, agent_id="alice"), RunConfig(n=40, out=out, agent_id="bob", workers=7)
    fingerprint = config_fingerprint(alice.to_dict(), SOURCE)
    assert fingerprint == config_fingerprint(bob.to_dict(), SOURCE | {"path": "/elsewhere/train.jsonl"})
    assert fingerprint != config_fingerprint(RunConfig(n=41, out=out, agent_id="bob").to_dict(), SOURCE)
    check_collision(alice, SOURCE, anyway=False)
    note = post_proposal(alice, SOURCE, "run-a")
    assert note.name.startswith("alice_") and note.name.endswith("_proposal.md")
    with pytest.raises(WorkspaceCollision, match=f"alice already proposed this config \\(fingerprint {fingerprint}\\)"):
        check_collision(bob, SOURCE, anyway=False)
    bob.announce = False  # --no-announce: no note, but it still looks
    with pytest.raises(WorkspaceCollision):
        check_collision(bob, SOURCE, anyway=False)
    assert post_proposal(bob, SOURCE, "run-b") is None
    # alice resuming: no collision with herself, and no second proposal for the same open run
    check_collision(alice, SOURCE, anyway=False)
    assert post_proposal(alice, SOURCE, "run-a") is None and len(list(note.parent.iterdir())) == 1
    # a day-old proposal with no results note blocks nobody
    old = (datetime.now(timezone.utc) - timedelta(hours=25)).isoformat(timespec="seconds")
    note.write_text(re.sub(r"- created: .*", f"- created: {old}", note.read_text()))
    check_collision(bob, SOURCE, anyway=False)
    bob.announce = True
    assert post_proposal(bob, SOURCE, "run-b").name.startswith("bob_")
    # a different config passes; the same one passes with --anyway, saying so
    check_collision(RunConfig(n=40, seed=1, out=out, agent_id="carol"), SOURCE, anyway=False)
    said = []
    check_collision(RunConfig(n=40, out=out, agent_id="dave"), SOURCE, anyway=True, log=said.append)
    assert len(said) == 1 and said[0].startswith(
        f"--anyway: 1 other claim(s) on config {fingerprint}, e.g. message_board/bob_"
    )


def test_two_agents_share_a_bucket_list_get_and_refusal_to_overwrite(tmp_path):
    hub = FakeHfApi()  # one Hub, two agents' workspaces
    alice_version, alice_note = agent_release(tmp_path / "alice", "alice")
    bob_version, _ = agent_release(tmp_path / "bob", "bob", count=12, seed=3)
    assert "uploaded 6 files" in push(alice_version, "hf://buckets/team/ws", api=hub)
    assert "uploaded 6 files" in push(bob_version, "hf://buckets/team/ws", api=hub)
    board = sorted(p for p in hub.buckets["team/ws"] if p.startswith("message_board/"))
    assert sorted(p.rsplit("_", 1)[1] for p in board) == ["dataset.md"] * 2 + ["proposal.md"] * 2  # two notes each
    assert f"message_board/{alice_note.name}" in board
    releases = list_releases("hf://buckets/team/ws", api=hub)
    assert [(r.name, r.version, r.agent, r.rows, r.check, r.problem) for r in releases] == [
        ("alice-gsm8k-aug", 1, "alice", 30, "sizes", None),
        ("bob-gsm8k-aug", 1, "bob", 12, "sizes", None),
    ]
    assert releases[1].location == "hf://buckets/team/ws/artifacts/data/bob-gsm8k-aug/v1/"
    # bob fetches alice's release, alice fetches bob's: every checksum verified, loadable
    fetched, message = get("alice-gsm8k-aug", "hf://buckets/team/ws", tmp_path / "bob" / "artifacts" / "data", api=hub)
    assert message.startswith("fetched alice-gsm8k-aug v1") and verify_release(fetched) == []
    assert datasets.load_dataset(str(fetched), split="train", cache_dir=str(tmp_path / "cache")).num_rows == 30
    again, message = get("alice-gsm8k-aug@v1", "hf://buckets/team/ws", tmp_path / "bob" / "artifacts" / "data", api=hub)
    assert again == fetched and "already here" in message
    assert get("bob-gsm8k-aug", "hf://buckets/team/ws", tmp_path / "alice" / "dl", api=hub)[0].name == "v1"
    assert [r.name for r in list_releases(str(tmp_path / "bob"))] == ["alice-gsm8k-aug", "bob-gsm8k-aug"]
    # a second "alice-gsm8k-aug v1" made elsewhere differs: refused, and the bucket is unchanged
    impostor, _ = agent_release(tmp_path / "impostor", "alice", count=7)
    before = dict(hub.buckets["team/ws"])
    with pytest.raises(ValueError, match="exists with different content; refusing to overwrite"):
        push(impostor, "hf://buckets/team/ws", api=hub)
    assert hub.buckets["team/ws"] == before
    with pytest.raises(ValueError, match="exists and differs from alice-gsm8k-aug v1 .*refusing to replace it"):
        get("alice-gsm8k-aug", "hf://buckets/team/ws", tmp_path / "impostor" / "artifacts" / "data", api=hub)
    assert verify_release(impostor) == [] and [p.name for p in impostor.parent.iterdir()] == ["v1"]
    # a corrupted remote shard fails `get` and leaves neither the version nor a staging folder
    shard = "artifacts/data/bob-gsm8k-aug/v1/data/train-00000-of-00001.parquet"
    hub.buckets["team/ws"][shard] = hub.buckets["team/ws"][shard][:-1] + b"X"
    with pytest.raises(ValueError, match="fails verification: .*train-00000-of-00001.parquet: sha256 differs"):
        get("bob-gsm8k-aug", "hf://buckets/team/ws", tmp_path / "carol", api=hub)
    assert list((tmp_path / "carol" / "bob-gsm8k-aug").iterdir()) == []
    assert list_releases("hf://buckets/team/ws", api=hub)[1].problem is None  # same size: only get can tell
    del hub.buckets["team/ws"][shard]
    assert list_releases("hf://buckets/team/ws", api=hub)[1].problem == "data/train-00000-of-00001.parquet: missing"
    hub.buckets["team/ws"]["artifacts/data/bob-gsm8k-aug/v2/manifest.json"] = (
        b'{"rows": 1, "shards": [{"path": "../x"}]}'
    )
    with pytest.raises(
        ValueError, match="bob-gsm8k-aug v2 in hf://buckets/team/ws: manifest.json is missing or malformed"
    ):
        get("bob-gsm8k-aug", "hf://buckets/team/ws", tmp_path / "carol", api=hub)  # the latest, v2, is refused
    del hub.buckets["team/ws"]["artifacts/data/bob-gsm8k-aug/v2/manifest.json"]
    with pytest.raises(ValueError, match="bob-gsm8k-aug has v1, not v2"):
        get("bob-gsm8k-aug@v2", "hf://buckets/team/ws", tmp_path / "carol", api=hub)


def test_get_and_list_from_a_local_folder_in_one_line_each(tmp_path):
    version, _ = agent_release(tmp_path / "ws", "alice")
    killed = tmp_path / "mine" / "alice-gsm8k-aug" / "v1.tmp-999999"  # a killed fetch's staging folder
    (killed / "data").mkdir(parents=True)
    result = augment_cli(
        "get", "alice-gsm8k-aug", "--from", str(tmp_path / "ws"), "--to", str(tmp_path / "mine"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "mine" / "alice-gsm8k-aug" / "v1"
    assert result.stdout.strip() == f'datasets.load_dataset("{target.resolve()}", split="train")'
    assert [p.name for p in target.parent.iterdir()] == ["v1"]
    shard = next((version / "data").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[:-1] + b"X")
    for version_number, manifest in (
        (1, {"config": {"mix": 3, "agent_id": 5}, "source": {}, "rows": "many", "methods": {"a": "b"}}),
        (2, []),
    ):
        (tmp_path / "ws/artifacts/data/evil" / f"v{version_number}").mkdir(parents=True)
        (tmp_path / "ws/artifacts/data/evil" / f"v{version_number}/manifest.json").write_text(json.dumps(manifest))
    check_collision(RunConfig(out=str(tmp_path / "ws/artifacts/data"), agent_id="bob", seed=5), SOURCE, anyway=False)
    listed = augment_cli("list", str(tmp_path / "ws"), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 3 and all("verify FAILED: " in line for line in lines) and "sha256 differs" in lines[0]
    assert lines[1].startswith("evil v1 | ? | ? rows | - | run ? | ? | verify FAILED: ")
    bad = augment_cli(
        "get", "alice-gsm8k-aug", "--from", str(tmp_path / "ws"), "--to", str(tmp_path / "other"), cwd=tmp_path
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "fails verification" in bad.stderr
    assert list((tmp_path / "other" / "alice-gsm8k-aug").iterdir()) == []
    for args, message in (
        (["get", "nobody"], "nobody has no version"),
        (["get", "x@v1@v2"], "expected NAME or NAME@vK"),
        (["list", str(tmp_path / "missing")], "is not a directory"),
        (["get", "x", "--from", str(tmp_path / "missing")], "is not a directory"),
    ):
        result = augment_cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
