"""The command line as a shell user meets it, in real subprocesses: help, version, completion, config files."""

import json
import subprocess
import sys

import polars as pl
import pytest
from conftest import ROOT, augment_cli


def test_help_is_verbatim_and_option_names_are_whole_at_80_columns():
    result = augment_cli("run", "-h", cwd=ROOT, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "hf:DATASET@REV" in text and "$AUGMENT_AGENT_ID" in text and "<agent-id>-gsm8k-aug" in text
    for option in ("--gpu-memory-utilization", "--include-original / --no-include-original", "--config", "--quiet"):
        assert option in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_version_module_entry_point_and_completion():
    from augment import __version__

    result = subprocess.run(
        [sys.executable, "-m", "augment", "--version"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == f"gsm8k-augment {__version__}"
    assert (
        "Usage:"
        in subprocess.run(
            [sys.executable, "-m", "augment", "-h"], cwd=ROOT, capture_output=True, check=False, text=True
        ).stdout
    )
    completion = augment_cli("--show-completion", "bash", cwd=ROOT)
    assert completion.returncode == 0 and "complete" in completion.stdout


def test_bad_log_level_and_bad_config_are_one_line(tmp_path):
    result = augment_cli("--log-level", "loud", "verify", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "--log-level" in result.stderr and "Traceback" not in result.stderr
    settings = tmp_path / "run.yaml"
    settings.write_text("n: 10\nflavour: mint\n")
    result = augment_cli("run", "--config", str(settings), cwd=tmp_path)
    assert result.returncode == 2 and "unknown setting 'flavour'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_config_file_runs_and_a_manifest_replays_the_run_with_flags_overriding(small_source, tmp_path):
    settings = tmp_path / "run.yaml"
    settings.write_text(
        f"n: 60\nsource: {small_source}\nmax_per_source: 4\nchunk_size: 96\nout: {tmp_path / 'a'}\n"
        "mix: {renumber: 0.5, rename: 0.2, backward: 0.2}\ncontamination: {embeddings: 'off'}\n"
    )
    first = augment_cli("run", "--config", str(settings), "--no-announce", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "warning: mix shares sum to 0.9; renormalised" in first.stderr
    assert "generate, verify, dedup, decontaminate" in first.stderr  # progress names its stages, on stderr
    assert "rows kept" not in first.stdout
    version = next((tmp_path / "a" / "tester-gsm8k-aug").glob("v*"))
    manifest = version / "manifest.json"
    assert json.loads(manifest.read_text())["config"]["max_per_source"] == 4
    replay = augment_cli(
        "run", "--config", str(manifest), "--out", str(tmp_path / "b"), "--quiet", "--no-announce", cwd=tmp_path
    )
    assert replay.returncode == 0, replay.stderr
    assert "rows kept" not in replay.stderr and "renormalised" not in replay.stderr
    again = next((tmp_path / "b" / "tester-gsm8k-aug").glob("v*"))
    assert (
        pl.read_parquet(again / "data" / "*.parquet")["id"].to_list()
        == pl.read_parquet(version / "data" / "*.parquet")["id"].to_list()
    )
    fewer = augment_cli(
        "run",
        "--config",
        str(manifest),
        "--out",
        str(tmp_path / "c"),
        "--n",
        "20",
        "--quiet",
        "--no-announce",
        cwd=tmp_path,
    )
    assert fewer.returncode == 0, fewer.stderr
    assert pl.read_parquet(next((tmp_path / "c" / "tester-gsm8k-aug").glob("v*/data/*.parquet"))).height == 20
