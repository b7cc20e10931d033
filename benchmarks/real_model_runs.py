"""`augment run --generator llm` with SmolLM2-135M-Instruct, once per LLM method and once for their mix.

Through the offline engine, or (`--engine openai`) through `--endpoint` against an api_server this
script starts and stops. Each run gets a fresh workspace and a source file of the first train rows
(one task per source, so a run that accepts little still ends). Per run it keeps the command, the
wall time, the exit code, the output and every drop with its reason, in `--record`.

    python -m benchmarks.real_model_runs --engine vllm
    python -m benchmarks.real_model_runs --engine openai
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import polars as pl

from augment.config import LLM_METHODS
from augment.sources import load_embedded

DEFAULT_MODEL = Path.home() / ".cache" / "gsm8k-augment" / "smollm2-135m-instruct"
RECORD = Path(__file__).parent / "data" / "real-model" / "runs"
ENVIRONMENT = os.environ | {"VLLM_CPU_KVCACHE_SPACE": "1", "AUGMENT_AGENT_ID": "real-model-runs"}


def start_server(model: str, port: int) -> subprocess.Popen:
    """vLLM's OpenAI-compatible server on `port`, once it answers /v1/models."""
    command = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        model,
        "--port",
        str(port),
        "--enforce-eager",
        "--max-model-len",
        "2048",
    ]
    server = subprocess.Popen(command, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the api_server exited with code {server.returncode}") from None
            time.sleep(1)
    server.terminate()
    raise SystemExit("the api_server did not answer within 10 minutes")


def drops_of(workspace: Path) -> pl.DataFrame:
    """Every drop of the run: the published report if there is one, else the checkpointed chunks'."""
    published = sorted(workspace.glob("out/*/v*/reports/drops.parquet"))
    parts = published or sorted(workspace.glob("out/**/chunks/*/drops.parquet"))
    frames = [pl.read_parquet(p) for p in parts]
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def run_one(label: str, mix: str, engine_flags: list[str], source: Path, args) -> dict:
    workspace = Path(tempfile.mkdtemp(prefix=f"real-{label}-"))
    command = [
        "augment",
        "run",
        "--generator",
        "llm",
        *engine_flags,
        "--mix",
        mix,
        "--n",
        str(args.n),
        "--allow-fewer",
        "--source",
        str(source),
        "--max-per-source",
        "1",
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        "--out",
        "out",
    ]
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "augment", *command[1:]],
        cwd=workspace,
        env=ENVIRONMENT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    folder = args.record / label
    folder.mkdir(parents=True, exist_ok=True)
    drops = drops_of(workspace)
    keep = [c for c in ("source_index", "method", "stage", "reason", "detail", "question") if c in drops.columns]
    with (folder / "drops.jsonl").open("w", encoding="utf-8") as handle:
        for row in drops.select(keep).iter_rows(named=True):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    rows = sorted(workspace.glob("out/*/v*/data/*.parquet"))
    if rows:
        pl.read_parquet(rows[0]).select("question", "answer", "method", "source_index").write_ndjson(
            folder / "rows.jsonl"
        )
    record = {
        "label": label,
        "command": shlex.join(command),
        "seconds": round(seconds, 1),
        "exit": result.returncode,
        "stdout": result.stdout[-4000:],
        "stderr": result.stderr[-2000:],
    }
    (folder / "run.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    ours = [line for line in result.stderr.splitlines() if line.startswith("error:")]  # vLLM logs after it
    print(
        f"{label}: exit {result.returncode} in {seconds:.0f} s; {drops.height} drops; "
        + (ours or result.stdout.strip().splitlines()[:1] or ["(no output)"])[-1][:300],
        flush=True,
    )
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=("vllm", "openai"), default="vllm")
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--sources", type=int, default=8, help="first train rows in the source file")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--methods", default=",".join([*LLM_METHODS, "mix"]))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--record", type=Path, default=RECORD)
    args = parser.parse_args()
    source = Path(tempfile.mkdtemp(prefix="real-source-")) / "train.jsonl"
    load_embedded("train").frame.head(args.sources).select("question", "answer").write_ndjson(source)
    server = start_server(args.model, args.port) if args.engine == "openai" else None
    flags = ["--endpoint", f"http://127.0.0.1:{args.port}"] if server else ["--model", args.model, "--enforce-eager"]
    try:
        for method in args.methods.split(","):
            mix = ",".join(f"{m}=1" for m in LLM_METHODS) if method == "mix" else f"{method}=1"
            run_one(f"{args.engine}-{method}", mix, flags, source, args)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=60)
