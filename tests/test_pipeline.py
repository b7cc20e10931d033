"""`augment run` end to end in real subprocesses: exact N, determinism, kill -9 and resume, bad input."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from conftest import augment_cli

pytestmark = pytest.mark.slow


def run_args(source: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--n",
        "500",
        "--source",
        str(source),
        "--max-per-source",
        "4",
        "--chunk-size",
        "96",
        "--out",
        str(out),
        "--embeddings",
        "off",
        "--quiet",
        *extra,
    ]


def rows_of(version: Path) -> pl.DataFrame:
    return pl.read_parquet(version / "data" / "*.parquet")


@pytest.fixture(scope="module")
def uninterrupted(small_source, tmp_path_factory):
    """One complete run, the reference the others are compared with."""
    workdir = tmp_path_factory.mktemp("reference")
    result = augment_cli(*run_args(small_source, workdir / "artifacts" / "data"), cwd=workdir)
    assert result.returncode == 0, result.stderr
    versions = list((workdir / "artifacts" / "data" / "tester-gsm8k-aug").glob("v*"))
    assert len(versions) == 1
    return workdir, versions[0], result


def test_run_publishes_exactly_n_verified_rows_with_manifest_card_and_note(uninterrupted):
    workdir, version, result = uninterrupted
    rows = rows_of(version)
    assert rows.height == 500 and rows["id"].n_unique() == 500
    assert set(rows["method"]) <= {"renumber", "rename", "backward"}
    assert all("re-execution" in checks for checks in rows["verification"].struct.field("checks").to_list())
    manifest = json.loads((version / "manifest.json").read_text())
    stages = [s["name"] for s in manifest["funnel"]]
    assert stages == ["load", "sources", "template", "generate", "verify", "dedup", "decontaminate", "publish"]
    assert manifest["funnel"][-1]["rows_out"] == 500 and manifest["rows"] == 500
    assert manifest["config"]["n"] == 500 and manifest["source"]["kind"] == "path"
    assert "## Funnel" in (version / "README.md").read_text()
    notes = list((workdir / "message_board").glob("tester_*_dataset.md"))
    assert len(notes) == 1 and str(version.resolve()) in notes[0].read_text()
    note = notes[0].read_text()
    actual = ", ".join(f"{m} {n / 500:.1%}" for m, n in manifest["methods"].items())
    assert f"actual mix: {actual}" in note and "README.md" in note and "LICENSE" in note
    drops = pl.read_parquet(version / "reports" / "drops.parquet")
    assert drops.height == sum(sum(s["drops"].values()) for s in manifest["funnel"])
    for stage in manifest["funnel"]:
        assert drops.filter(pl.col("stage") == stage["name"]).height == sum(stage["drops"].values()), stage["name"]
    for line in ("generate", "verify", "dedup", "decontaminate", "published 500 rows"):
        assert line in result.stdout
    assert augment_cli("verify", str(version), cwd=workdir).returncode == 0


def test_same_seed_same_rows_in_the_same_order(uninterrupted, small_source, tmp_path):
    _, reference, _ = uninterrupted
    result = augment_cli(*run_args(small_source, tmp_path / "artifacts" / "data", "--no-announce"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    again = rows_of(next((tmp_path / "artifacts" / "data" / "tester-gsm8k-aug").glob("v*")))
    assert again.equals(rows_of(reference))
    assert not (tmp_path / "message_board").exists()
    other = augment_cli(*run_args(small_source, tmp_path / "other", "--seed", "1", "--no-announce"), cwd=tmp_path)
    assert other.returncode == 0
    assert not rows_of(next((tmp_path / "other" / "tester-gsm8k-aug").glob("v*")))["id"].equals(again["id"])


def wait_for(predicate, process, limit=300.0):
    deadline = time.time() + limit
    while time.time() < deadline and process.poll() is None:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("kill_point", ["first-chunk", "third-chunk", "early", "late"])
def test_kill_9_then_the_same_command_finishes_with_the_same_rows(uninterrupted, small_source, tmp_path, kill_point):
    _, reference, _ = uninterrupted
    out = tmp_path / "artifacts" / "data"
    args = [sys.executable, "-m", "augment.cli", *run_args(small_source, out, "--no-announce")]
    env = os.environ | {"AUGMENT_AGENT_ID": "tester"}
    process = subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    chunks = out / "tester-gsm8k-aug" / ".runs"

    def committed() -> int:
        return len([p for p in chunks.glob("*/chunks/*") if p.name.isdigit()])

    if kill_point == "early":
        time.sleep(1.5)
    elif kill_point == "late":
        wait_for(lambda: committed() >= 5, process)
    else:
        wait_for(lambda: committed() >= (1 if kill_point == "first-chunk" else 3), process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not list((out / "tester-gsm8k-aug").glob("v*")), "killed before publishing"
    resumed = augment_cli(*run_args(small_source, out, "--no-announce"), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    versions = list((out / "tester-gsm8k-aug").glob("v*"))
    assert len(versions) == 1
    assert rows_of(versions[0]).equals(rows_of(reference))
    if kill_point != "early":
        assert "resuming run" in resumed.stdout


def test_the_same_command_after_publishing_does_nothing(uninterrupted, small_source):
    workdir, version, _ = uninterrupted
    before = sorted(p.name for p in version.parent.iterdir())
    again = augment_cli(*run_args(small_source, workdir / "artifacts" / "data"), cwd=workdir)
    assert again.returncode == 0 and "already published" in again.stdout
    assert sorted(p.name for p in version.parent.iterdir()) == before


def test_an_exhausted_source_says_why_and_publishes_nothing(small_source, tmp_path):
    args = [
        "run",
        "--n",
        "100000",
        "--source",
        str(small_source),
        "--max-per-source",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
    ]
    result = augment_cli(*args, cwd=tmp_path)
    assert result.returncode == 1 and "source is exhausted" in result.stderr and "Traceback" not in result.stderr
    assert not list((tmp_path / "out" / "tester-gsm8k-aug").glob("v*"))
    partial = augment_cli(*args, "--allow-fewer", cwd=tmp_path)
    assert partial.returncode == 0, partial.stderr
    rows = rows_of(next((tmp_path / "out" / "tester-gsm8k-aug").glob("v*")))
    assert 0 < rows.height < 400


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--source", "does/not/exist.jsonl"], "does not exist"),
        (["--mix", "renumber=0.5,teleport=0.5"], "unknown method(s) in mix: teleport"),
        (["--agent-id", "bad id!"], "agent id"),
        (["--mix", "rephrase=1"], "need --model or --endpoint"),
    ],
    ids=["missing-source", "unknown-method", "bad-agent-id", "llm-without-model"],
)
def test_bad_input_is_one_line_and_touches_nothing(uninterrupted, extra, message):
    workdir, version, _ = uninterrupted
    before = {p: p.stat().st_mtime_ns for p in version.rglob("*")}
    result = augment_cli("run", "--n", "10", "--out", str(workdir / "artifacts" / "data"), *extra, cwd=workdir)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert {p: p.stat().st_mtime_ns for p in version.rglob("*")} == before


def test_malformed_source_rows_are_counted_in_the_funnel(tmp_path, train_rows):
    source = tmp_path / "train.jsonl"
    lines = [json.dumps(r) for r in train_rows[:200]] + ["{broken", json.dumps({"question": "Why?", "answer": "x"})]
    source.write_text("\n".join(lines) + "\n")
    result = augment_cli(
        "run",
        "--n",
        "50",
        "--source",
        str(source),
        "--out",
        str(tmp_path / "out"),
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads(next((tmp_path / "out" / "tester-gsm8k-aug").glob("v*/manifest.json")).read_text())
    load = manifest["funnel"][0]
    assert load["rows_in"] == 202 and load["rows_out"] == 200
    assert load["drops"] == {"load:not JSON": 1, "load:answer has no #### line": 1}
