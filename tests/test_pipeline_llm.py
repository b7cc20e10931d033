"""`augment run --generator llm` end to end: the funnel, dry run, a killed run, the real instruct model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import polars as pl
import pytest
from conftest import CPU_ENV, augment_cli, write_jsonl

from augment.source_stages import source_reason
from filters.vetting import vetting_flag

pytestmark = pytest.mark.slow


def llm_run_args(tiny_model, small_source, out) -> list[str]:
    return [
        "run",
        "--generator",
        "llm",
        "--model",
        str(tiny_model),
        "--dtype",
        "float32",
        "--enforce-eager",
        "--max-tokens",
        "48",
        "--samples",
        "3",
        "--n",
        "5",
        "--source",
        str(small_source),
        "--max-per-source",
        "1",
        "--chunk-size",
        "16",
        "--embeddings",
        "off",
        "--quiet",
        "--allow-fewer",
        "--no-announce",
        "--out",
        str(out),
    ]


@pytest.fixture(scope="module")
def llm_run(tiny_model, small_source, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("llm-run")
    result = augment_cli(
        *llm_run_args(tiny_model, small_source, tmp_path / "out"), cwd=tmp_path, env=CPU_ENV, timeout=900
    )
    return tmp_path, result


def run_drops(out) -> pl.DataFrame:
    """Every dropped task of a run, from its run store (a run that accepts nothing has no release)."""
    return pl.concat([pl.read_parquet(p) for p in sorted(out.glob("*/.runs/*/chunks/*/drops.parquet"))])


def test_full_run_with_the_llm_generator(llm_run, train_rows):
    """The random-weight model writes nothing acceptable: every usable source is a task dropped with a
    reason, and the run ends in one line without a release or an announcement (--allow-fewer is no excuse)."""
    tmp_path, result = llm_run
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    planned = re.match(r"error: nothing accepted: no row survived (\d+) planned tasks", last)
    assert planned and "llm:" in last, last
    assert not list((tmp_path / "out").glob("*/v*"))
    drops = run_drops(tmp_path / "out")
    # the 2 known label errors among the 400, and the sources vetting flagged, seed nothing
    vetted = sum(vetting_flag(row["question"]) is not None for row in train_rows[:400])
    assert int(planned.group(1)) == drops.height == 398 - vetted and drops["reason"].null_count() == 0


def test_dry_run_prints_the_first_prompt_of_each_method(small_source, tmp_path):
    result = augment_cli(
        "run",
        "--generator",
        "llm",
        "--model",
        "any",
        "--source",
        str(small_source),
        "--dry-run",
        "--mix",
        "rephrase=1,renumber=1,harder=1",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    for header in (
        "=== rephrase",
        "=== renumber: symbolic, no prompt",
        "=== harder",
        "=== harder (program of thought)",
        "=== solve",
    ):
        assert header in result.stdout
    assert "Natalia sold clips to 48" in result.stdout


def test_a_killed_llm_run_loses_at_most_the_batch_in_flight(llm_run, tiny_model, small_source, tmp_path):
    """Kill -9 after two chunks; the same command resumes, and every sampled text is the same as in
    the uninterrupted run (per-request seeds), so the drops report is identical."""
    import signal

    reference_dir, _ = llm_run  # nothing accepted, so the run store's drops are what both runs leave
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "augment.cli", *llm_run_args(tiny_model, small_source, out)],
        cwd=tmp_path,
        env=os.environ | CPU_ENV | {"AUGMENT_AGENT_ID": "tester"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        if len([p for p in out.glob("*/.runs/*/chunks/*") if p.name.isdigit()]) >= 2:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    resumed = augment_cli(*llm_run_args(tiny_model, small_source, out), cwd=tmp_path, env=CPU_ENV, timeout=900)
    assert "resuming run" in resumed.stdout, resumed.stderr[-2000:]
    assert resumed.stderr.strip().splitlines()[-1].startswith("error: nothing accepted")
    assert run_drops(out).equals(run_drops(reference_dir / "out"))


def test_a_real_instruct_model_through_augment_run(smollm2, tmp_path, train_rows):
    """Real model text on a handful of prompts: parsed, verified or rejected with reasons, never a crash.
    The run ends with the funnel, or in the one-line "nothing accepted" exit."""
    folder, digest = smollm2
    source = tmp_path / "train.jsonl"
    seeding = [row for row in train_rows if source_reason(row["question"], row["answer"]) is None]
    write_jsonl(source, seeding[:3])
    result = augment_cli(
        "run",
        "--generator",
        "llm",
        "--model",
        str(folder),
        "--enforce-eager",
        "--n",
        "5",
        "--allow-fewer",
        "--source",
        str(source),
        "--mix",
        "rephrase=1,resolve=1,harder=1",
        "--max-per-source",
        "1",
        "--samples",
        "2",
        "--max-tokens",
        "160",
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
        env=CPU_ENV,
        timeout=1200,
    )
    if result.returncode == 1:
        assert result.stderr.strip().splitlines()[-1].startswith("error: nothing accepted: no row survived 3 planned")
        assert not list((tmp_path / "out").glob("*/v*"))
        return
    assert result.returncode == 0, result.stderr[-3000:]
    assert "generate" in result.stdout and "dedup" in result.stdout  # the funnel
    rows = pl.read_parquet(next((tmp_path / "out").glob("*/v1/data/*.parquet")))
    assert rows.height >= 1
    assert all(json.loads(g["params"])["model_sha256"] == digest for g in rows["generator"].to_list())
