"""Overhead of the LLM generator over bare vLLM, with the tiny random model on CPU.

The generator runs one chunk of tasks (all five methods); every request it sends is recorded.
Then the same prompts, rendered by the same chat template, go to a bare `LLM.generate` with the
same sampling parameters, in the same process and engine. Prints both wall times, their ratio,
and tokens/s (best of two alternating rounds, after a warm-up). The tiny model is built here
exactly as in the tests.

    VLLM_CPU_KVCACHE_SPACE=1 VLLM_ENABLE_V1_MULTIPROCESSING=0 python -m benchmarks.bench_llm_overhead
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tiny_model import build_tiny_model  # noqa: E402

from augment.config import LLMConfig  # noqa: E402
from augment.llm.engines import VLLMEngine  # noqa: E402
from augment.llm.generator import LLMGenerator  # noqa: E402
from augment.methods import names  # noqa: E402
from augment.plan import TASK_SCHEMA  # noqa: E402
from augment.sources import load_embedded  # noqa: E402


class Recording:
    """The engine, recording each batch it is asked for."""

    def __init__(self, engine):
        self.engine, self.model_name, self.batches = engine, engine.model_name, []

    def generate(self, requests):
        self.batches.append(requests)
        return self.engine.generate(requests)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    train = load_embedded("train").frame
    with tempfile.TemporaryDirectory() as directory:
        model = build_tiny_model(Path(directory), (train["question"] + " " + train["answer"]).to_list()[:3000])
        config = LLMConfig(
            model=str(model),
            dtype="float32",
            enforce_eager=True,
            max_model_len=2048,
            max_tokens=args.max_tokens,
            samples=4,
            min_votes=3,
        )
        engine = VLLMEngine(config)
        recording = Recording(engine)
        generator = LLMGenerator(config, train, {}, engine=recording)
        tasks = pl.DataFrame(
            [(i, i, 0, names("llm")[i % len(names("llm"))], 1000 + i) for i in range(args.tasks)],
            schema=TASK_SCHEMA,
            orient="row",
        )
        generator.generate_stage(tasks.head(20).with_columns(pl.col("seed") + 7))  # warm-up: grammar compiled once
        recording.batches.clear()
        tokenizer = engine.llm.get_tokenizer()

        def through_generator() -> float:
            recording.batches.clear()
            started = time.perf_counter()
            generator.generate_stage(tasks)
            return time.perf_counter() - started

        def bare() -> tuple[float, int]:
            started, tokens = time.perf_counter(), 0
            for batch in recording.batches:
                prompts = [
                    tokenizer.apply_chat_template(r.messages, add_generation_prompt=True, tokenize=False) for r in batch
                ]
                outputs = engine.llm.generate(prompts, [VLLMEngine.sampling_params(r) for r in batch], use_tqdm=False)
                tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
            return time.perf_counter() - started, tokens

        rounds = [(through_generator(), *bare()) for _ in range(2)]  # alternate, keep the best of each
        ours = min(r[0] for r in rounds)
        bare_seconds, tokens = min(r[1] for r in rounds), rounds[0][2]
    print(f"{args.tasks} tasks, {sum(len(b) for b in recording.batches):,} requests, {tokens:,} generated tokens")
    print(
        f"generator {ours:.2f} s, bare LLM.generate {bare_seconds:.2f} s: ratio {ours / bare_seconds:.3f}; "
        f"{tokens / bare_seconds:,.0f} tokens/s bare, {tokens / ours:,.0f} tokens/s through the generator"
    )
