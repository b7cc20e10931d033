"""SmolLM2-135M-Instruct through the LLM generator on CPU: acceptance per method, tokens/s, overhead.

A fixed sample of train sources (seeded) goes through every LLM method, one task per source and
method, in one generate stage and the verify stage. Every request the generator sends is recorded
and replayed through a bare `LLM.generate` on the same engine with the same sampling parameters,
so the two wall times compare the same work (after a warm-up task per method). Each task's raw model text and its outcome are
written to a JSONL file, for reading by hand.

    python scripts/smollm2.py && python -m benchmarks.bench_real_model
"""

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl

os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")

from augment.config import LLM_METHODS, LLMConfig
from augment.llm.engines import VLLMEngine
from augment.llm.generator import LLMGenerator
from augment.plan import TASK_SCHEMA
from augment.sources import load_embedded
from augment.stages import DETAIL, DROP, Stage, apply_stage
from augment.verification import VerifyPolicy, verify_stage

DEFAULT_MODEL = Path.home() / ".cache" / "gsm8k-augment" / "smollm2-135m-instruct"
OUTPUTS = Path(__file__).parent / "data" / "real-model" / "bench-outputs.jsonl"


class Recording:
    """The engine, recording each request with the texts it got back, by seed."""

    def __init__(self, engine):
        self.engine, self.model_name, self.batches, self.texts = engine, engine.model_name, [], {}

    def generate(self, requests):
        self.batches.append(requests)
        outputs = self.engine.generate(requests)
        self.texts.update({r.seed: texts for r, texts in zip(requests, outputs)})
        return outputs


def sample_tasks(sources: pl.DataFrame, count: int, seed: int) -> pl.DataFrame:
    """One task per (sampled source, LLM method); task seeds 10 apart so each request's seed names its task."""
    picked = sorted(np.random.default_rng(seed).choice(sources.height, count, replace=False).tolist())
    rows = [
        (len(picked) * m + i, int(sources["source_index"][s]), 0, method, 10_000 + 10 * (len(picked) * m + i))
        for m, method in enumerate(LLM_METHODS)
        for i, s in enumerate(picked)
    ]
    return pl.DataFrame(rows, schema=TASK_SCHEMA, orient="row")


def table(tasks: pl.DataFrame, kept: pl.DataFrame, dropped: pl.DataFrame) -> list[str]:
    lines = ["| method | candidates | accepted | acceptance | top rejection reasons |", "|---|---:|---:|---:|---|"]
    for method in LLM_METHODS:
        planned = tasks.filter(pl.col("method") == method).height
        accepted = kept.filter(pl.col("method") == method).height
        reasons = Counter(dropped.filter(pl.col("method") == method)[DROP].to_list()).most_common(3)
        lines.append(
            f"| {method} | {planned} | {accepted} | {accepted / planned:.1%} | "
            + ", ".join(f"`{r}` {c}" for r, c in reasons)
            + " |"
        )
    return lines


def write_outputs(path: Path, tasks, kept, dropped, recording: Recording, sources: pl.DataFrame) -> None:
    """Per task: the source, the raw text of each request (question, solutions, program) and the outcome."""
    questions = dict(zip(sources["source_index"].to_list(), sources["question"].to_list()))
    outcome = {t: ("accepted", None, None, q, a) for t, q, a in kept.select("task", "question", "answer").iter_rows()}
    for t, reason, detail, q, a in dropped.select("task", DROP, DETAIL, "question", "answer").iter_rows():
        outcome[t] = ("rejected", reason, detail, q, a)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for task, source_index, method, seed in tasks.select("task", "source_index", "method", "seed").iter_rows():
            verdict, reason, detail, question, answer = outcome[task]
            record = {
                "task": task,
                "method": method,
                "source_index": source_index,
                "source_question": questions[source_index],
                "written": recording.texts.get(seed, [None])[0],
                "solutions": recording.texts.get(seed + 1),
                "program": recording.texts.get(seed + 2, [None])[0],
                "outcome": verdict,
                "reason": reason,
                "detail": detail,
                "question": question,
                "answer": answer,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--sources", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026112914)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--out", type=Path, default=OUTPUTS)
    args = parser.parse_args()
    train = load_embedded("train").frame
    config = LLMConfig(
        model=args.model,
        enforce_eager=True,
        max_model_len=2048,
        max_tokens=args.max_tokens,
        samples=args.samples,
        min_votes=min(3, args.samples),
    )
    started = time.perf_counter()
    engine = VLLMEngine(config)
    print(f"engine ready in {time.perf_counter() - started:.1f} s")
    recording = Recording(engine)
    generator = LLMGenerator(config, train, {}, engine=recording)
    tasks = sample_tasks(train, args.sources, args.seed)
    warm_up = sample_tasks(train.filter(~pl.col("source_index").is_in(tasks["source_index"].implode())), 1, args.seed)
    generator.generate_stage(warm_up.with_columns(pl.col("seed") + 7))  # the solution grammar compiled once
    recording.batches.clear()
    recording.texts.clear()

    started = time.perf_counter()
    candidates, failed, _ = apply_stage(Stage("generate", generator.generate_stage, ("task",)), tasks)
    generator_seconds = time.perf_counter() - started
    kept, rejected, _ = apply_stage(verify_stage(VerifyPolicy.from_config(VerifyPolicy().quality, config)), candidates)
    dropped = pl.concat([failed, rejected], how="diagonal_relaxed")
    write_outputs(args.out, tasks, kept, dropped, recording, train)  # before the replay, which takes as long
    print("\n".join(table(tasks, kept, dropped)), flush=True)

    tokenizer = engine.llm.get_tokenizer()
    started, tokens = time.perf_counter(), 0
    for batch in recording.batches:  # the same prompts, rendered by the same template, same sampling
        prompts = [tokenizer.apply_chat_template(r.messages, add_generation_prompt=True, tokenize=False) for r in batch]
        outputs = engine.llm.generate(prompts, [VLLMEngine.sampling_params(r) for r in batch], use_tqdm=False)
        tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
    bare_seconds = time.perf_counter() - started

    requests = sum(len(b) for b in recording.batches)
    print(
        f"{args.sources} sources (seed {args.seed}) x {len(LLM_METHODS)} methods = {tasks.height} tasks; "
        f"{requests} requests, {tokens:,} generated tokens; samples {args.samples}, max_tokens {args.max_tokens}"
    )
    print(f"all methods: {kept.height} of {tasks.height} accepted ({kept.height / tasks.height:.1%})")
    print(
        f"generator {generator_seconds:.1f} s ({tokens / generator_seconds:,.1f} tokens/s), bare LLM.generate "
        f"{bare_seconds:.1f} s ({tokens / bare_seconds:,.1f} tokens/s): ratio {generator_seconds / bare_seconds:.3f}"
    )
    print(f"raw outputs: {args.out}")
