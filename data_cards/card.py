"""The Hugging Face dataset card (README.md) of a published version, rendered from its manifest.

The YAML header is what the Hub and `datasets.load_dataset(<version dir>)` read: license,
size, source, the parquet `configs` and the `dataset_info` features. The body explains
how the rows were made, proven, deduplicated and decontaminated, with the run's counts.
"""

from __future__ import annotations

import json

import pyarrow as pa
from huggingface_hub import DatasetCard, DatasetCardData

from augment.chunks import Decontaminate, Dedup
from augment.methods import REGISTRY, names
from augment.schema import DESCRIPTIONS, SCHEMA, VIEWS
from augment.solver_check import SOLVER_CHECK, required_agreement
from augment.source_stages import SOURCES
from augment.symbolic.magnitudes import BANDS
from augment.symbolic.relations import SCALE
from augment.verification import VERIFY
from filters import embeddings as embedding_model
from filters.contamination import held_out_figures

GSM8K_BIBTEX = """@article{cobbe2021gsm8k,
  title={Training Verifiers to Solve Math Word Problems},
  author={Cobbe, Karl and Kosaraju, Vineet and Bavarian, Mohammad and Chen, Mark and Jun, Heewoo and
          Kaiser, Lukasz and Plappert, Matthias and Tworek, Jerry and Hilton, Jacob and Nakano, Reiichiro and
          Hesse, Christopher and Schulman, John},
  journal={arXiv preprint arXiv:2110.14168},
  year={2021}
}"""
# The detector before the current one, checked independently (issue 11); stated as such, not as this run's.
PREVIOUS_DETECTOR_CHECK = (
    "The previous detector, checked independently on 7,537 public test-derived questions, flagged 0.747 of them "
    "overall, and 0.31% of GSM8K train."
)


def size_category(rows: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return label
    return "1M<n<10M"


def features_yaml(schema: pa.Schema = SCHEMA) -> list[dict]:
    """The `dataset_info.features` list of the Hub's card format."""

    def describe(field_type: pa.DataType) -> dict:
        if pa.types.is_struct(field_type):
            return {"struct": [{"name": f.name, **describe(f.type)} for f in field_type]}
        if pa.types.is_list(field_type):
            inner = describe(field_type.value_type)
            return {"list": inner["dtype"] if "dtype" in inner else inner["struct"]}
        names = {"large_string": "string", "double": "float64", "float": "float32", "halffloat": "float16"}
        return {"dtype": names.get(str(field_type), str(field_type))}

    return [{"name": f.name, **describe(f.type)} for f in schema]


def render_card(manifest: dict, example: dict | None = None) -> str:
    rows, funnel = manifest["rows"], {s["name"]: s for s in manifest["funnel"]}
    file_bytes = sum(s["bytes"] for s in manifest["shards"])
    arrow_bytes = sum(s["num_bytes"] for s in manifest["shards"])
    metadata = DatasetCardData(
        annotations_creators=["machine-generated"],
        language_creators=["machine-generated"],
        multilinguality=["monolingual"],
        task_ids=["closed-domain-qa"],
        license="mit",
        language=["en"],
        pretty_name=f"{manifest['name']} v{manifest['version']}",
        task_categories=["text-generation", "question-answering"],
        size_categories=[size_category(rows)],
        source_datasets=["openai/gsm8k"],
        tags=["math", "grade-school-math", "synthetic", "gsm8k", "verified"],
        configs=[
            {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*.parquet"}]},
            *(
                {
                    "config_name": view,
                    "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
                    "columns": columns,
                }
                for view, columns in VIEWS.items()
            ),
        ],
        dataset_info={
            "features": features_yaml(),
            "splits": [{"name": "train", "num_examples": rows, "num_bytes": arrow_bytes}],
            "download_size": file_bytes,
            "dataset_size": arrow_bytes,
        },
    )
    sections = [
        f"# {manifest['name']} v{manifest['version']}",
        f"{rows:,} grade-school math problems with step-by-step solutions in GSM8K format, each answer proven "
        f"before release, none derived from a GSM8K test question. Made by gsm8k-augment "
        f"{manifest['code_version']['package']} from GSM8K train (run `{manifest['run_id']}`).",
        _composition(manifest),
        _verification(manifest, funnel),
        _dedup(manifest, funnel),
        _contamination(manifest, funnel),
        _funnel(manifest["funnel"]),
        _fields(),
        _example(example),
        _loading(manifest),
        _splitting(manifest),
        _reproduce(manifest),
        "## License and source\n\nGSM8K (Cobbe et al., 2021) is MIT-licensed by OpenAI; this derived dataset is "
        "released under the same MIT license. Source problems come from the train split only.",
        "## Limitations\n\nTemplated variants keep the wording of their source problem, so variety comes from "
        "numbers, names and the inverse (backward) form rather than new situations. A template is derived only "
        "where every number of the solution can be explained; what remains unexplained is skipped, not guessed, "
        "so some problem types are under-represented. Answers are whole numbers by policy.",
        _citation(manifest),
    ]
    return DatasetCard(f"---\n{metadata.to_yaml()}\n---\n\n" + "\n\n".join(sections) + "\n").content


def _composition(manifest: dict) -> str:
    """Actual versus requested share per method, in one table (the mix is stated nowhere else)."""
    requested = manifest["config"]["mix"]
    weight = sum(requested.values()) or 1
    lines = [
        "## Composition",
        "",
        "| method | rows | actual share | requested share | what it is |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    total = max(manifest["rows"], 1)
    for method in {**manifest["methods"], **dict.fromkeys(requested, 0)}:
        count = manifest["methods"].get(method, 0)
        asked = f"{requested[method] / weight:.1%}" if method in requested else "-"
        note = REGISTRY[method].note if method in REGISTRY else ""
        lines.append(f"| {method} | {count:,} | {count / total:.1%} | {asked} | {note} |")
    lines += ["", f"At most {manifest['config']['max_per_source']} variants per source problem."]
    if set(names("symbolic")) & manifest["methods"].keys():
        lines += [
            "",
            (
                f"Symbolic numbers: {BANDS} Every sample keeps the original's relations: each intermediate's "
                "sign and wholeness, the order of the two sides of every sum and difference and of their "
                f"result, shares below 1, percentages within 0..100, and every positive result within "
                f"{SCALE} times the original's."
            ),
        ]
    return "\n".join(lines)


def _top(stats: dict | None, count: int = 8) -> str:
    if not stats or not stats["drops"]:
        return "none"
    return ", ".join(f"{reason} {n:,}" for reason, n in list(stats["drops"].items())[:count])


def _verification(manifest: dict, funnel: dict) -> str:
    return "\n".join(
        [
            "## Verification",
            "",
            "Every row passes quality checks (length, a question is asked, no answer leak, no repeated sentences, "
            "English, a whole non-negative `####` answer). Solutions with calculator annotations are re-executed "
            "with a safe evaluator: every `<<expr=value>>` must hold and the `####` line must be the last result. "
            "Symbolic variants also may not write a number that no step, question or constant explains, nor keep a "
            "source number that should have changed. Model-made rows are kept on majority vote against the gold "
            "answer, or vote plus a sandboxed program-of-thought result where no gold exists; the evidence is in "
            "the `verification` column.",
            "",
            f"Dropped at verification: {_top(funnel.get(VERIFY))}.",
            "",
            "Source problems are vetted first. Known GSM8K train label errors, solutions that contradict their own "
            "arithmetic, and problems an independent blind solver answered differently from their `####` line or "
            "judged incoherent or implausible seed nothing (`filters/vetting.py`), and so do sources one of whose "
            "published variants such a solver answered differently or judged so: re-execution cannot see a "
            "solution that computes the wrong thing correctly, nor a template that breaks its story. "
            f"Sources left out: {_top(funnel.get(SOURCES))}.",
            *_solver_check(manifest, funnel),
        ]
    )


def _solver_check(manifest: dict, funnel: dict) -> list[str]:
    """The model check's line, when the run had one (`--solver-check`)."""
    config = manifest["config"]
    solver = config.get("solver_check") or {}
    if not solver.get("enabled"):
        return []
    k, engine = solver["samples"], config["llm"]["model"] or ", ".join(config["llm"]["endpoints"])
    return [
        "",
        f"Symbolic rows were model-checked: {engine} solved each question {k} times without seeing its answer "
        f"(temperature {config['llm']['temperature']:g}), and a row was kept only when at least "
        f"{required_agreement(k)} of the {k} solutions stated the published answer (a strict majority; a solution "
        f"that states no answer counts against it). Agreeing samples are the row's `verification.votes`. "
        f"Dropped by the model check: {_top(funnel.get(SOLVER_CHECK))}.",
    ]


def _dedup(manifest: dict, funnel: dict) -> str:
    settings = manifest["config"]["dedup"]
    return "\n".join(
        [
            "## Deduplication",
            "",
            f"Exact duplicates (normalized text) and near duplicates (MinHash over {settings['shingle_words']}-word "
            f"shingles, {settings['num_perm']} permutations in {settings['bands']} LSH bands, confirmed by a rapidfuzz "
            f"ratio of at least {settings['min_ratio']:g}) are removed within the release"
            + (" and against GSM8K train" if settings["against_train"] else "")
            + "; the first of a cluster is kept.",
            "Renumbered variants of one problem share their words by design; they count as duplicates only when they "
            "also state the same numbers"
            + (" (as configured)" if settings["numbers_must_match"] else "")
            + ", and `--max-per-source` bounds how many one problem contributes.",
            "",
            f"Dropped: {_top(funnel.get(Dedup.name))}. The kept row of each cluster is named in `reports/drops.parquet`.",
        ]
    )


def _contamination(manifest: dict, funnel: dict) -> str:
    setting = manifest["config"]["contamination"]["embeddings"]
    with_embeddings = setting == "on" or (setting == "auto" and embedding_model.available())
    figures = held_out_figures(with_embeddings)
    kinds = ", ".join(
        f"{kind} {f['flagged']:.1%} of {f['n']:,}"
        for kind, f in figures.items()
        if kind not in ("all-positives", "negative-train") and ":" not in kind
    )
    return "\n".join(
        [
            "## Decontamination",
            "",
            "Every question is compared with the 1,319 GSM8K test questions. Candidates come from TF-IDF, from the "
            "rare numbers a question states (rephrasings keep them) and from a static embedding distilled from "
            "MiniLM; each pair is scored on word-level longest common subsequence of number- and name-masked "
            "skeletons (renumbered, renamed, clauses added or removed), shared numbers, embedding similarity and "
            "function-word structure, by a logistic scorer fitted on one half of a development set. Anything that "
            "is, or derives from, a test question is dropped.",
            "",
            f"Dropped: {_top(funnel.get(Decontaminate.name))}.",
            "",
            f"Measured recall of this detector ({'with' if with_embeddings else 'without'} embeddings) on the held-out "
            f"half of its development set: {figures['all-positives']['flagged']:.1%} of "
            f"{figures['all-positives']['n']:,} test-derived questions flagged ({kinds}); "
            f"{figures['negative-train']['flagged']:.2%} of {figures['negative-train']['n']:,} GSM8K train questions "
            "flagged (false positives). With `--judge`, an LLM decides the best pair of each question scored just "
            f"below the threshold (on the held-out half, {figures['negative-train']['judge_reach']:.0%} of the train "
            "questions); a judge "
            "that always answered right would flag at most "
            f"{figures['all-positives']['judge_reach']:.1%} of the held-out test-derived questions "
            f"(rephrasings {figures['rephrase']['judge_reach']:.1%}).",
            "",
            PREVIOUS_DETECTOR_CHECK,
        ]
    )


def _example(example: dict | None) -> str:
    if example is None:
        return "## Example row\n\nThis version has no rows."
    shown = {k: v for k, v in example.items() if k not in ("messages", "prompt", "completion")}
    return "\n".join(
        [
            "## Example row",
            "",
            "```json",
            json.dumps(shown, indent=2, ensure_ascii=False, default=str),
            "```",
            "",
            "The assistant turns (`answer`, `messages`) carry GSM8K's `<<expr=value>>` calculator annotations "
            "inside the steps; strip them if your model should not learn to emit them.",
        ]
    )


def _splitting(manifest: dict) -> str:
    per_source = manifest["rows"] / max(manifest["distinct_sources"], 1)
    return (
        f"## Validation splits\n\nThe {manifest['rows']:,} rows come from {manifest['distinct_sources']:,} source "
        f"problems, about {per_source:.1f} variants each, and variants of one problem share most of their words. "
        "A random validation split therefore leaks; split by `source_index` (every variant of a source on the "
        "same side)."
    )


def _citation(manifest: dict) -> str:
    version = manifest["code_version"]["package"]
    return "\n".join(
        [
            "## Citation",
            "",
            "GSM8K:",
            "",
            "```bibtex",
            GSM8K_BIBTEX,
            "```",
            "",
            "This dataset and the tool that made it:",
            "",
            "```bibtex",
            f"@software{{gsm8k_augment,\n  title={{gsm8k-augment: verified synthetic grade-school math from GSM8K}},"
            f"\n  version={{{version}}},\n  note={{dataset {manifest['name']} v{manifest['version']}, run "
            f"{manifest['run_id']}}}\n}}",
            "```",
        ]
    )


def _funnel(stages: list[dict]) -> str:
    lines = [
        "## Funnel",
        "",
        "| stage | rows in | rows out | seconds | main drops |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for s in stages:
        lines.append(f"| {s['name']} | {s['rows_in']:,} | {s['rows_out']:,} | {s['seconds']:.1f} | {_top(s, 3)} |")
    lines += [
        "",
        "Stages overlap: the worker processes generate, verify and screen the next chunk while the main "
        "process deduplicates and decontaminates the last one, so the seconds add up to more than the wall "
        "time.",
    ]
    return "\n".join(lines)


def _fields() -> str:
    return "\n".join(["## Fields", ""] + [f"- `{name}`: {text}" for name, text in DESCRIPTIONS.items()])


def _loading(manifest: dict) -> str:
    return "\n".join(
        [
            "## How to load",
            "",
            "```python",
            "import datasets, polars",
            'rows = datasets.load_dataset("path/to/this/version", split="train")  # or the Hub repo id',
            'rows = datasets.load_dataset("parquet", data_files="path/to/this/version/data/*.parquet", split="train")',
            'frame = polars.scan_parquet("path/to/this/version/data/*.parquet").collect()',
            "```",
            "",
            "The `messages` column holds user/assistant turns ready for SFT trainers; `prompt`/`completion` suit "
            "TRL's prompt-completion format and `answer_plain` is the solution without calculator annotations. Each "
            "view is also a config: "
            + ", ".join(f"`{v}` ({', '.join(c)})" for v, c in VIEWS.items())
            + ', e.g. `load_dataset(path, "prompt_completion", split="train")`. '
            "`augment verify <version dir>` checks every shard against the sha256 sums in `manifest.json`.",
        ]
    )


def _solver_flags(config: dict) -> str:
    solver = config.get("solver_check") or {}
    return f" --solver-check --solver-samples {solver['samples']} --model MODEL" if solver.get("enabled") else ""


def _reproduce(manifest: dict) -> str:
    config, code = manifest["config"], manifest["code_version"]
    commit = f", commit {code['commit'][:12]}" + (" (modified)" if code["modified"] else "") if code["commit"] else ""
    return "\n".join(
        [
            "## Reproduce",
            "",
            f"`augment run --n {config['n']} --seed {config['seed']} --source {config['source']} "
            f"--generator {config['generator']}{_solver_flags(config)}` with gsm8k-augment {code['package']}{commit}. "
            f"Source: {manifest['source'].get('name', manifest['source'].get('path'))} "
            f"({manifest['source'].get('split')}, sha256/revision "
            f"`{manifest['source'].get('sha256') or manifest['source'].get('revision')}`). "
            f"The full configuration is in `manifest.json`.",
        ]
    )
