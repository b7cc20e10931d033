"""The symbolic generator: templates for every source problem, then variants on request.

Templates are derived once per run (in parallel, two processes on this machine) and the
reasons for skipped problems are counted. Each source's assignments are drawn once from
a generator seeded by (run seed, source index), so variant k of a source is the same
whichever chunk asks for it, which is what makes resumed runs identical.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import lzma
import multiprocessing
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl

from augment.code_version import modules_hash
from augment.lifetime import die_with_parent
from augment.methods import REGISTRY
from augment.schema import Candidate, candidate_frame, verification
from augment.sources import EMBEDDED_DIR
from augment.symbolic.annotated import TemplateFormatError, parse_annotated, to_annotated
from augment.symbolic.compiled import CompiledTemplate
from augment.symbolic.template import TemplateSkip, derive_template
from augment.symbolic.variants import VariantSkip
from filters.arith import ExpressionError
from filters.calculator import check_solution, false_conversion
from filters.numbers import format_number

ENGINE = "symbolic"


@dataclass
class TemplateSet:
    """Templates of one source split, keyed by source index, and why the others have none."""

    compiled: dict[int, CompiledTemplate] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)


def annotate_row(question: str, answer: str) -> tuple[str | None, str | None, str | None]:
    """(question_annotated, answer_annotated, skip reason) for one problem."""
    try:
        template = derive_template(question, answer)
        compiled, samples = _sampled(template)
        if compiled and not samples:  # a coincidence's condition may hold only near the stated numbers: freeze them
            template = derive_template(question, answer, agree=False)
            compiled, samples = _sampled(template)
    except TemplateSkip as skip:
        return None, None, skip.reason
    except ExpressionError:  # a long chain of dependent steps nests past the expression bounds
        return None, None, "expression-too-large"
    if compiled and any(false_conversion(compiled.render(sample)[1]) for sample in samples):
        return None, None, "fixed-conversion"  # "2 sets of 30 minutes in an hour": the 2 stays, the 30 moves
    return *to_annotated(template), None


def _sampled(template) -> tuple[CompiledTemplate | None, list]:
    """The compiled template and a few of its samples (None where it does not compile: counted later)."""
    try:
        compiled = CompiledTemplate(parse_annotated(*to_annotated(template)))
    except (TemplateFormatError, ExpressionError):
        return None, []
    return compiled, compiled.sample(np.random.default_rng(0), 4)


def _annotate_many(rows: list[tuple[str, str]]) -> list[tuple[str | None, str | None, str | None]]:
    return [annotate_row(q, a) for q, a in rows]


def annotate_frame(frame: pl.DataFrame, workers: int = 2) -> list[tuple[str | None, str | None, str | None]]:
    """Annotated templates for every (question, answer) row, in order, using `workers` processes."""
    rows = list(zip(frame["question"].to_list(), frame["answer"].to_list()))
    if workers <= 1 or len(rows) < 200:
        return _annotate_many(rows)
    size = -(-len(rows) // (workers * 4))
    batches = [rows[i : i + size] for i in range(0, len(rows), size)]
    with multiprocessing.get_context("fork").Pool(workers, die_with_parent, (os.getpid(),)) as pool:
        return [item for batch in pool.map(_annotate_many, batches) for item in batch]


def annotation_records(frame: pl.DataFrame, workers: int = 2) -> list[dict]:
    """`augment templates` records for every row of `frame` (source_index, question, answer)."""
    return [
        {"row": index, "question_annotated": question, "answer_annotated": answer, "skipped": reason}
        for index, (question, answer, reason) in zip(frame["source_index"].to_list(), annotate_frame(frame, workers))
    ]


def compile_records(records: list[dict], rows: set[int], excluded: dict[int, str]) -> TemplateSet:
    """Compiled templates for `rows`; rows without a usable record get the reason why."""
    templates = TemplateSet()
    by_row = {int(r["row"]): r for r in records}
    for index in sorted(rows):
        record = by_row.get(index)
        if index in excluded:
            templates.skipped[index] = excluded[index]
        elif record is None:
            templates.skipped[index] = "no-template-in-file"
        elif record.get("skipped"):
            templates.skipped[index] = record["skipped"]
        else:
            try:
                templates.compiled[index] = CompiledTemplate(
                    parse_annotated(record["question_annotated"], record["answer_annotated"])
                )
            except (TemplateFormatError, ExpressionError, KeyError) as exc:  # counted: a file may be hand-edited
                templates.skipped[index] = f"compile-error: {str(exc)[:40]}"
    return templates


def read_records(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_records(path: Path, records: list[dict]) -> None:
    """Write records as JSON lines, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    os.replace(temporary, path)


# what `annotate_row` runs: the derivation and the annotated form, with whatever they import
TEMPLATE_MODULES = ("augment.symbolic.template", "augment.symbolic.annotated")


def cache_key(frame: pl.DataFrame) -> str:
    """Derived templates depend on the rows and on the derivation's code, nothing else: not on the
    variants drawn from them, so editing variants keeps the cache."""
    digest = hashlib.sha256(modules_hash(TEMPLATE_MODULES).encode())
    for function in (annotate_row, annotate_frame, annotation_records):  # the glue here that shapes a record
        digest.update(inspect.getsource(function).encode())
    for column in ("source_index", "question", "answer"):
        digest.update("\x1e".join(map(str, frame[column].to_list())).encode())
    return digest.hexdigest()[:24]


def cache_path(frame: pl.DataFrame) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gsm8k-augment" / "templates"
    return root / f"{cache_key(frame)}.jsonl"


SHIPPED = EMBEDDED_DIR / "train.templates.jsonl.xz"
SHIPPED_KEY = EMBEDDED_DIR / "train.templates.key"


def shipped_records(compressed: bytes | None = None) -> list[dict]:
    """The package's templates of the embedded train split, one record per row (benchmarks read them), or those
    of `compressed`, another version of that file."""
    text = lzma.decompress(compressed if compressed is not None else SHIPPED.read_bytes()).decode("utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def cached_records(frame: pl.DataFrame) -> Path | None:
    """The cached templates of these rows, seeded from the package for the embedded train split
    (when the package's copy was derived by this very code); None when they must be derived."""
    path = cache_path(frame)
    if path.exists():
        return path
    if SHIPPED_KEY.is_file() and SHIPPED_KEY.read_text().strip() == cache_key(frame):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        temporary.write_bytes(lzma.decompress(SHIPPED.read_bytes()))
        os.replace(temporary, path)
        return path
    return None


class SymbolicGenerator:
    """Variants of templated sources by the registered symbolic methods, and the sources themselves."""

    def __init__(
        self,
        templates: dict[int, CompiledTemplate],
        seed: int,
        max_per_source: int,
        originals: dict[int, tuple[str, str]] | None = None,
    ):
        self.templates, self.seed, self.max_per_source = templates, seed, max_per_source
        self.originals = originals or {}  # source rows for `--include-original`
        self._pools: dict[int, list[dict[str, Fraction]]] = {}

    def assignments(self, source_index: int) -> list[dict[str, Fraction]]:
        """The distinct number assignments of one source, drawn once per run."""
        if source_index not in self._pools:
            rng = np.random.default_rng([self.seed, source_index])
            self._pools[source_index] = self.templates[source_index].candidates(rng, self.max_per_source)
        return self._pools[source_index]

    def generate(self, tasks: pl.DataFrame) -> pl.DataFrame:
        """Candidate rows for tasks (source_index, variant, method, seed); failures carry `_drop`."""
        rows = tasks.select("source_index", "variant", "method", "seed").iter_rows()
        return candidate_frame([self._one(*task) for task in rows])

    def _one(self, source_index: int, variant: int, name: str, seed: int) -> Candidate:
        method = REGISTRY[name]
        if method.engine == "dataset":
            question, answer = self.originals[source_index]
            final = check_solution(answer, question).final
            return Candidate(
                name,
                source_index,
                seed,
                question,
                answer,
                "" if final is None else format_number(final),
                verification=verification(method.evidence_kind, []),
                generator={"engine": "dataset", "model": None, "params": "{}"},
            )
        template = self.templates.get(source_index)
        if template is None:
            return Candidate.failed(name, source_index, seed, "symbolic:no-template")
        pool = self.assignments(source_index)
        if variant >= len(pool):
            return Candidate.failed(name, source_index, seed, "symbolic:numbers-exhausted")
        sample = template.exact(pool[variant])
        if sample is None:
            return Candidate.failed(name, source_index, seed, "symbolic:inexact-numbers")
        try:
            made = method.vary(template, sample, np.random.default_rng(seed))
        except VariantSkip as skip:
            return Candidate.failed(name, source_index, seed, skip.reason)
        generator = {"engine": ENGINE, "model": None, "params": json.dumps(made.params, sort_keys=True)}
        return Candidate(
            name,
            source_index,
            seed,
            made.question,
            made.answer,
            format_number(made.final),
            verification=verification(method.evidence_kind, []),
            generator=generator,
            stale=made.stale,
        )
