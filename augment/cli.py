"""The `augment` command line: run, verify, push, list, get, audit, templates."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from augment.config import build_run_config
from augment.errors import UserError
from augment.lifetime import describe, remove_dead_temporaries, writing
from augment.run_flags import MIX_HELP, mix_drift_warning, renormalised_mix_warning, settings_from_flags

# rich_markup_mode=None: help text is shown verbatim (no markup eating `[...]`) and option names are never cut
app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Verified synthetic grade-school math from GSM8K.",
)


def show_version(value: bool) -> None:
    if value:
        from augment import __version__

        typer.echo(f"gsm8k-augment {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="print the version and exit")
    ] = False,
    log_level: Annotated[str, typer.Option(help="logging level on stderr: debug, info, warning, error")] = "warning",
) -> None:
    import logging

    level = getattr(logging, log_level.upper(), None)
    if not isinstance(level, int):
        fail(f"--log-level {log_level!r}: expected debug, info, warning or error")
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


def silence_progress_bars() -> None:
    """--quiet: no bar from this tool nor from the libraries it loads (model downloads, tqdm), here or in workers."""
    os.environ.update(
        {
            "TQDM_DISABLE": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
            "TRANSFORMERS_VERBOSITY": "error",
            "VLLM_CONFIGURE_LOGGING": "0",
        }
    )


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def hub_failure(what: str, exc: Exception) -> None:
    """Network, auth, ...: one line naming the error, no traceback, no token."""
    fail(f"{what} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}", code=1)


@app.command()
def run(
    ctx: typer.Context,
    config_file: Annotated[
        Optional[Path],
        typer.Option("--config", help="settings file, YAML or JSON (a manifest replays its run); flags override it"),
    ] = None,
    n: Annotated[int, typer.Option(help="rows to publish")] = 50_000,
    seed: Annotated[int, typer.Option(help="seed of the whole run")] = 0,
    source: Annotated[
        str, typer.Option(help="embedded, hf, hf:DATASET, hf:DATASET@REV, or a jsonl/parquet path")
    ] = "embedded",
    generator: Annotated[str, typer.Option(help="symbolic (CPU) or llm (vLLM)")] = "symbolic",
    mix: Annotated[Optional[str], typer.Option(help=MIX_HELP)] = None,
    max_per_source: Annotated[int, typer.Option(help="variants at most per source problem")] = 16,
    include_original: Annotated[bool, typer.Option(help="also publish the verified train rows")] = False,
    templates: Annotated[Optional[Path], typer.Option(help="an `augment templates` file to generate from")] = None,
    out: Annotated[Path, typer.Option(help="output root")] = Path("artifacts/data"),
    name: Annotated[Optional[str], typer.Option(help="dataset name (default: <agent-id>-gsm8k-aug)")] = None,
    agent_id: Annotated[
        Optional[str], typer.Option(help="your agent id (default: $AUGMENT_AGENT_ID, else the login name)")
    ] = None,
    announce: Annotated[
        bool, typer.Option(help="post a proposal to message_board/ before the work and a results note after it")
    ] = True,
    anyway: Annotated[
        bool, typer.Option(help="run even if another agent in this workspace published or proposed the same config")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(help="continue an interrupted run with the same settings; --no-resume discards its checkpoints"),
    ] = True,
    allow_fewer: Annotated[bool, typer.Option(help="publish what survived when the source runs out")] = False,
    chunk_size: Annotated[int, typer.Option(help="tasks per checkpointed chunk")] = 4096,
    workers: Annotated[
        int, typer.Option(help="symbolic worker processes; with --executor ray, actors (and LLM engine actors)")
    ] = 2,
    executor: Annotated[str, typer.Option(help="where the workers run: local (processes) or ray (actors)")] = "local",
    ray_address: Annotated[
        Optional[str], typer.Option(help="ray: the cluster to join (ray://HOST:PORT, auto); default: a local Ray")
    ] = None,
    num_gpus_per_worker: Annotated[float, typer.Option(help="ray: GPUs of each LLM engine actor")] = 0.0,
    embeddings: Annotated[str, typer.Option(help="contamination embeddings: auto, on, off")] = "auto",
    decontaminate: Annotated[bool, typer.Option(help="drop rows derived from GSM8K test")] = True,
    judge: Annotated[
        bool, typer.Option(help="the model (--model/--endpoint) decides the pairs the test check leaves undecided")
    ] = False,
    solver_check: Annotated[
        bool, typer.Option(help="the model (--model/--endpoint) re-solves each symbolic row; keep it on a majority")
    ] = False,
    solver_samples: Annotated[int, typer.Option(help="solver check: solutions sampled per symbolic row")] = 4,
    model: Annotated[Optional[str], typer.Option(help="LLM: model name or path (vLLM)")] = None,
    endpoint: Annotated[Optional[str], typer.Option(help="LLM: OpenAI-compatible URL[,URL...] instead of vLLM")] = None,
    tensor_parallel_size: Annotated[int, typer.Option(help="LLM: GPUs per model replica")] = 1,
    data_parallel_size: Annotated[int, typer.Option(help="LLM: model replicas")] = 1,
    gpu_memory_utilization: Annotated[float, typer.Option(help="LLM: share of GPU memory for vLLM")] = 0.9,
    max_model_len: Annotated[Optional[int], typer.Option(help="LLM: context length")] = None,
    samples: Annotated[int, typer.Option(help="LLM: solutions sampled per question for voting")] = 4,
    temperature: Annotated[float, typer.Option(help="LLM: sampling temperature")] = 0.7,
    max_tokens: Annotated[int, typer.Option(help="LLM: tokens per completion at most")] = 400,
    dtype: Annotated[str, typer.Option(help="LLM: vLLM dtype (auto, bfloat16, float32, ...)")] = "auto",
    enforce_eager: Annotated[bool, typer.Option(help="LLM: no CUDA graphs / compilation (faster start)")] = False,
    dry_run: Annotated[bool, typer.Option(help="print the first rendered prompt of each LLM method and exit")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bars at all (model loading included)")] = False,
) -> None:
    """Generate, verify, deduplicate and decontaminate N rows; publish them as a new version."""
    from augment.config import ExecutorConfig
    from augment.pipeline import run as run_pipeline

    if quiet:
        silence_progress_bars()
    settings = settings_from_flags(ctx, config_file)
    run_config = build_run_config(settings)  # a ConfigError is one line, from main()
    where = ExecutorConfig(executor, ray_address, num_gpus_per_worker)
    renormalised = renormalised_mix_warning(settings.get("mix"), run_config)
    if renormalised:
        typer.echo(renormalised, err=True)
    templates, out = Path(run_config.templates) if run_config.templates else None, Path(run_config.out)
    if templates is not None and not templates.is_file():
        fail(f"templates file {templates} does not exist")
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is not a directory")
    if dry_run:
        from augment.llm.generator import dry_run as print_prompts

        print_prompts(run_config)
        return
    try:
        result = run_pipeline(
            run_config, resume=resume, show_progress=not quiet, log=typer.echo, anyway=anyway, executor=where
        )
    except OSError as exc:  # disk full, read-only filesystem, ...: the path and the reason
        fail(describe(exc), code=1)
    drift = mix_drift_warning(result.version_dir, run_config.mix)
    if drift:
        typer.echo(drift, err=True)
    if result.announcement:
        typer.echo(f"announced in {result.announcement}")


@app.command()
def verify(version_dir: Path) -> None:
    """Check a published version's shards against its manifest (checksums, schema, row counts)."""
    from augment.publish import verify_release

    problems = verify_release(version_dir)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{version_dir}: all shards match the manifest")


@app.command()
def push(
    version_dir: Path,
    to: Annotated[
        str, typer.Option(help="hf://datasets/ORG/NAME (root, tag vK) or hf://buckets/OWNER/BUCKET[/PREFIX]")
    ],
    private: Annotated[bool, typer.Option(help="create the repo or bucket private")] = False,
    dry_run: Annotated[bool, typer.Option(help="list what would change and send nothing")] = False,
    create_pr: Annotated[
        bool, typer.Option(help="open a pull request on the dataset repo instead of committing")
    ] = False,
) -> None:
    """Upload a verified version to the Hugging Face Hub (token from HF_TOKEN or the saved login)."""
    import httpx

    from augment.hub import push as push_version

    try:
        typer.echo(push_version(version_dir, to, private=private, dry_run=dry_run, create_pr=create_pr))
    except ValueError as exc:  # a bad target, a corrupt version, a tag or file that differs remotely
        fail(str(exc))
    except (OSError, httpx.HTTPError) as exc:  # the Hub's HTTP errors, no network, no token, offline mode
        hub_failure("push", exc)


@app.command("list")
def list_releases(
    workspace: Annotated[str, typer.Argument(help="a local folder or hf://buckets/OWNER/BUCKET[/PREFIX]")] = ".",
    json_output: Annotated[bool, typer.Option("--json", help="one JSON array instead of lines")] = False,
) -> None:
    """Every release in a workspace, one line each: name, version, agent, rows, actual mix, run id, created, verify."""
    import json

    import httpx

    from augment.workspace import list_releases as find_releases

    try:
        releases = find_releases(workspace)
    except ValueError as exc:
        fail(str(exc))
    except (OSError, httpx.HTTPError) as exc:
        hub_failure("list", exc)
    if json_output:
        typer.echo(json.dumps([r.to_dict() for r in releases], indent=2))
        return
    for release in releases:
        typer.echo(release.line())
    if not releases:
        typer.echo(f"no release in {workspace} (looked under artifacts/data/)")


@app.command()
def get(
    release: Annotated[str, typer.Argument(help="NAME (its latest version) or NAME@vK")],
    source: Annotated[
        str, typer.Option("--from", help="the workspace: a local folder or hf://buckets/OWNER/BUCKET[/PREFIX]")
    ] = ".",
    to: Annotated[Path, typer.Option(help="output root; the release lands in TO/NAME/vK/")] = Path("artifacts/data"),
) -> None:
    """Fetch a release, verify every checksum, and print the line that loads it."""
    import httpx

    from augment.workspace import get as fetch
    from augment.workspace import load_line

    if to.exists() and not to.is_dir():
        fail(f"--to {to} is not a directory")
    try:
        version_dir, message = fetch(release, source, to)
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        if exc.filename:  # a local file: its path and the reason
            fail(describe(exc), code=1)
        hub_failure("get", exc)
    except httpx.HTTPError as exc:
        hub_failure("get", exc)
    typer.echo(message, err=True)
    typer.echo(load_line(version_dir))


@app.command()
def audit(
    source: Annotated[str, typer.Argument(help="jsonl, csv or parquet file or directory, or a Hub dataset id")],
    field: Annotated[str, typer.Option(help="the column holding the questions")] = "question",
    report: Annotated[Optional[Path], typer.Option(help="write one JSON verdict per row here")] = None,
    html: Annotated[Optional[Path], typer.Option(help="write a review page of the flagged rows here")] = None,
    fail_on_contamination: Annotated[bool, typer.Option(help="exit 1 when any row is flagged")] = False,
    embeddings: Annotated[str, typer.Option(help="auto, on or off")] = "auto",
    judge: Annotated[bool, typer.Option(help="an LLM (--model or --endpoint) decides the undecided pairs")] = False,
    model: Annotated[Optional[str], typer.Option(help="judge: model name or path (vLLM)")] = None,
    endpoint: Annotated[
        Optional[str], typer.Option(help="judge: OpenAI-compatible URL[,URL...] instead of vLLM")
    ] = None,
    max_model_len: Annotated[Optional[int], typer.Option(help="judge: context length")] = None,
    enforce_eager: Annotated[bool, typer.Option(help="judge: no CUDA graphs / compilation (faster start)")] = False,
) -> None:
    """Find questions that are, or derive from, GSM8K test questions."""
    from rich.progress import Progress

    from augment.audit import audit as run_audit
    from augment.audit import load_field, write_html, write_report

    for path in (report, html):
        if path is not None and not path.parent.is_dir():
            fail(f"cannot write {path}: {path.parent} is not a directory")
    engine = None
    if judge:
        from augment.judge import judge_engine

        endpoints = [e for e in (endpoint or "").split(",") if e]
        engine = judge_engine(model, endpoints, max_model_len=max_model_len, enforce_eager=enforce_eager)
    elif model or endpoint:
        fail("--model and --endpoint name the judge's model: add --judge")
    values = load_field(source, field)
    with Progress(transient=True, disable=len(values) < 10_000) as progress:
        bar = progress.add_task("auditing", total=len(values))
        result = run_audit(
            values,
            embeddings=embeddings,
            judge_engine=engine,
            on_progress=lambda done: progress.update(bar, completed=done),
        )
    try:
        if report:
            with writing(report):
                write_report(result, report)
        if html:
            with writing(html):
                write_html(result, html, source)
    except OSError as exc:
        fail(describe(exc), code=1)
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in result.by_reason().most_common())
    typer.echo(f"{result.rows:,} rows, {result.flagged:,} flagged" + (f" ({reasons})" if reasons else ""))
    if fail_on_contamination and result.flagged:
        raise typer.Exit(1)


@app.command()
def templates(
    source: Annotated[Path, typer.Argument(help="a GSM8K-format jsonl or parquet file")],
    out: Annotated[Path, typer.Option(help="where to write one template record per input row")],
    workers: Annotated[int, typer.Option(help="processes")] = 2,
) -> None:
    """Derive GSM-Symbolic annotated templates for every problem of a file."""
    from collections import Counter

    from augment.sources import load_path
    from augment.symbolic.generator import annotation_records, write_records

    if out.is_dir():
        fail(f"--out {out} is a directory")
    data = load_path(source)  # a SourceError is one line, from main()
    records = {r["row"]: r for r in annotation_records(data.frame, workers)}
    total = data.frame.height + sum(data.malformed.values())
    missing = {"row": None, "question_annotated": None, "answer_annotated": None, "skipped": "malformed-input-row"}
    ordered = [records.get(i, missing | {"row": i}) for i in range(total)]
    try:
        with writing(out):
            remove_dead_temporaries(out)
            write_records(out, ordered)
    except OSError as exc:
        fail(describe(exc), code=1)
    reasons = Counter(r["skipped"] for r in ordered if r["skipped"])
    templated = total - sum(reasons.values())
    typer.echo(f"{templated:,} of {total:,} rows templated ({templated / max(total, 1):.1%}); wrote {out}")
    for reason, count in reasons.most_common(8):
        typer.echo(f"  skipped {count:,}: {reason}")


def main() -> None:
    """Expected failures (`UserError`) end here as one line and their exit code; anything else is a bug
    and keeps its traceback."""
    try:
        app()
    except UserError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        typer.echo(f"error: {message}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted; run the same command again to resume", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
