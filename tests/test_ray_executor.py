"""`augment run --executor ray` on a local Ray: the rows of a local run, with a worker or the driver killed
on the way, for the symbolic generator (2 workers) and for the LLM generator (tiny model, 1 worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import CPU_ENV, augment_cli, write_jsonl
from test_pipeline import rows_of, wait_for
from test_pipeline_llm import llm_run_args, run_drops

pytest.importorskip("ray", reason="the ray extra is not installed: pip install '.[ray]'")
pytestmark = pytest.mark.slow
RAY = ("--executor", "ray")


def run_args(source: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--n",
        "2000",
        "--source",
        str(source),
        "--max-per-source",
        "4",
        "--chunk-size",
        "256",
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        "--out",
        str(out),
        *extra,
    ]


@pytest.fixture(scope="module")
def source(tmp_path_factory, train_rows) -> Path:
    """The first 1,000 train problems: 2,000 rows take about ten chunks of 256 tasks."""
    return write_jsonl(tmp_path_factory.mktemp("ray-source") / "train.jsonl", train_rows[:1000])


@pytest.fixture(scope="module")
def local_rows(source, tmp_path_factory) -> pl.DataFrame:
    """The reference: the same run with the local executor."""
    workdir = tmp_path_factory.mktemp("local")
    result = augment_cli(*run_args(source, workdir / "out"), cwd=workdir)
    assert result.returncode == 0, result.stderr
    return rows_of(next((workdir / "out" / "tester-gsm8k-aug").glob("v*")))


def committed(out: Path) -> int:
    return len([p for p in out.glob("*/.runs/*/chunks/*") if p.name.isdigit()])


def descendants(pid: int) -> dict[int, str]:
    """{pid: command line} of every process under `pid` (Ray's actors are the raylet's children)."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError):
            continue
        parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child]
                todo.append(child)
    return found


def shard_actors(driver: int) -> set[int]:
    """The pids of the run's symbolic actors (Ray titles an actor's process `ray::<class>[.<method>]`)."""
    return {pid for pid, command in descendants(driver).items() if command.startswith("ray::SymbolicShard")}


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "augment.cli", *args],
        cwd=cwd,
        env=os.environ | {"AUGMENT_AGENT_ID": "tester"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_two_ray_workers_publish_the_local_rows_though_one_is_killed_mid_run(source, local_rows, tmp_path):
    """One run proves both: 2 actors make the rows of a local run, and when an actor's process is killed
    after the first chunk, Ray restarts it and retries its call, and the rows do not change."""
    out = tmp_path / "out"
    process = start(run_args(source, out, *RAY), tmp_path)
    assert wait_for(lambda: committed(out) >= 1, process), process.communicate()[1][-3000:]
    before = shard_actors(process.pid)
    assert len(before) == 2, before
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: len(shard_actors(process.pid) - before) == 1, process), "the actor was not restarted"
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    assert victim not in shard_actors(process.pid)
    rows = rows_of(next((out / "tester-gsm8k-aug").glob("v*")))
    assert rows.height == 2000 and rows.equals(local_rows)


def test_a_killed_ray_driver_resumes_to_the_local_rows(source, local_rows, tmp_path):
    """SIGKILL to the driver after its first checkpoint takes its local Ray down with it; the same command
    then resumes from the checkpoints and publishes the rows of an uninterrupted run."""
    out = tmp_path / "out"
    process = start(run_args(source, out, *RAY), tmp_path)
    assert wait_for(lambda: committed(out) >= 1, process), process.communicate()[1][-3000:]
    ray_processes = descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not list((out / "tester-gsm8k-aug").glob("v*")), "killed before publishing"
    resumed = augment_cli(*run_args(source, out, *RAY), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming run" in resumed.stdout
    assert rows_of(next((out / "tester-gsm8k-aug").glob("v*"))).equals(local_rows)
    left = [pid for pid in ray_processes if Path(f"/proc/{pid}").exists()]
    assert not left, f"Ray processes outlived their driver: {left}"


def test_one_ray_llm_worker_samples_what_the_local_engine_samples(tiny_model, train_rows, tmp_path):
    """The tiny random model writes nothing acceptable, so the rows to compare are the drops: every task's
    reason and detail (the sampled text) are the same from an engine actor as from this process."""
    source = tmp_path / "train.jsonl"
    write_jsonl(source, train_rows[:40])
    runs = {}
    for executor in ("local", "ray"):
        out = tmp_path / executor
        result = augment_cli(
            *llm_run_args(tiny_model, source, out), "--workers", "1", "--executor", executor, cwd=tmp_path, env=CPU_ENV
        )
        assert result.stderr.strip().splitlines()[-1].startswith("error: nothing accepted"), result.stderr[-3000:]
        runs[executor] = run_drops(out)
    assert runs["ray"].height > 0 and runs["ray"].equals(runs["local"])


def test_ctrl_c_takes_the_run_s_ray_workers_down_with_it(source, tmp_path):
    """SIGINT (Ctrl-C) mid-run: the driver kills its actors and stops its local Ray before it exits."""
    out = tmp_path / "out"
    process = start(run_args(source, out, *RAY), tmp_path)
    assert wait_for(lambda: committed(out) >= 1, process), process.communicate()[1][-3000:]
    ray_processes = descendants(process.pid)
    assert len(shard_actors(process.pid)) == 2
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    assert process.returncode == 130
    assert not list((out / "tester-gsm8k-aug").glob("v*"))
    left = {pid: command for pid, command in ray_processes.items() if Path(f"/proc/{pid}").exists()}
    assert not left, f"Ray processes outlived Ctrl-C: {left}"
