"""The one definition of a published row.

Every generator fills the same columns; `finalize_rows` adds the derived ones (`id`,
`messages`, `run_id`, and `prompt`/`completion`/`answer_plain` so trainers need no reshaping) and fixes the column order and types, so shards written by any
run or version read back with one schema.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields

import polars as pl
import pyarrow as pa

from augment.methods import REGISTRY
from augment.stages import DETAIL, DROP

VERIFICATION_TYPE = pa.struct(
    [
        ("kind", pa.string()),  # re-execution | gold-match | vote+program | construction
        ("checks", pa.list_(pa.string())),  # every check the row passed
        ("votes", pa.int32()),  # self-consistency (LLM methods) or solver-check agreement (symbolic), else null
        ("samples", pa.int32()),
        ("share", pa.float64()),
        ("program_answer", pa.string()),  # program-of-thought result, else null
        ("gold", pa.string()),  # the answer the evidence was compared with, else null
    ]
)
GENERATOR_TYPE = pa.struct(
    [
        ("engine", pa.string()),  # symbolic | vllm | openai | dataset
        ("model", pa.string()),
        ("params", pa.string()),  # JSON: sampling parameters or variant settings
    ]
)
MESSAGES_TYPE = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("final_answer", pa.string()),
        ("method", pa.string()),
        ("source_split", pa.string()),
        ("source_index", pa.int64()),
        ("verification", VERIFICATION_TYPE),
        ("generator", GENERATOR_TYPE),
        ("seed", pa.int64()),
        ("run_id", pa.string()),
        ("messages", MESSAGES_TYPE),
        ("prompt", pa.string()),
        ("completion", pa.string()),
        ("answer_plain", pa.string()),
    ]
)
# Column views a trainer can pick by config name (the card's `configs`); `default` has every column.
VIEWS = {
    "prompt_completion": ["id", "prompt", "completion"],
    "messages": ["id", "messages"],
    "plain": ["id", "question", "final_answer", "answer_plain"],
}
POLARS_SCHEMA = pl.from_arrow(SCHEMA.empty_table()).schema


@dataclass(frozen=True)
class Candidate:
    """One generated row on its way to publication (as datatrove's `Document`): the published columns a
    generator fills, then private ones the stages read (`_stale`) or set (`_drop`, `_detail`). Bulk
    work stays on frames: `candidate_frame` turns a batch of these into one frame of `CANDIDATE_SCHEMA`."""

    method: str
    source_index: int
    seed: int
    question: str = ""
    answer: str = ""
    final_answer: str = ""
    source_split: str = "train"
    verification: dict | None = None
    generator: dict | None = None
    stale: list[str] = field(default_factory=list, metadata={"column": "_stale", "dtype": pl.List(pl.String)})
    drop: str | None = field(default=None, metadata={"column": DROP, "dtype": pl.String})
    detail: str | None = field(default=None, metadata={"column": DETAIL, "dtype": pl.String})

    @classmethod
    def failed(cls, method: str, source_index: int, seed: int, reason: str, detail: str | None = None) -> Candidate:
        return cls(method, source_index, seed, drop=reason, detail=detail)


_CANDIDATE_FIELDS = [(f.name, f.metadata.get("column", f.name)) for f in fields(Candidate)]
# What a generator must provide, in published order; finalize_rows derives the rest.
CANDIDATE_COLUMNS = tuple(name for name in POLARS_SCHEMA if name in {column for _, column in _CANDIDATE_FIELDS})
CANDIDATE_SCHEMA = {
    **{column: POLARS_SCHEMA[column] for column in CANDIDATE_COLUMNS},
    **{f.metadata["column"]: f.metadata["dtype"] for f in fields(Candidate) if "column" in f.metadata},
}


def candidate_frame(candidates: list[Candidate]) -> pl.DataFrame:
    """One frame of `CANDIDATE_SCHEMA` for a batch of candidates."""
    names = {column: name for name, column in _CANDIDATE_FIELDS}
    rows = [tuple(getattr(c, names[column]) for column in CANDIDATE_SCHEMA) for c in candidates]
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row")


DESCRIPTIONS = {
    "id": "stable content hash of question and answer (blake2b-128, hex)",
    "question": "the problem statement",
    "answer": "GSM8K-format solution: steps with <<expr=value>> calculator annotations, last line '#### N'",
    "final_answer": "the number after '####'",
    "method": "how the row was made: " + ", ".join(REGISTRY),
    "source_split": "GSM8K split of the source problem (always train)",
    "source_index": "row index of the source problem in that split",
    "verification": "how the answer was proven and the evidence",
    "generator": "engine, model and parameters that produced the row",
    "seed": "per-row seed; with the run config it reproduces the row",
    "run_id": "fingerprint of the run configuration that produced the row",
    "messages": "the row as user/assistant chat turns for SFT trainers",
    "prompt": "the question, for trainers that take prompt/completion pairs (TRL)",
    "completion": "the answer as in `answer`, the completion of `prompt`",
    "answer_plain": "`answer` without its <<expr=value>> calculator annotations",
}
CALCULATOR_ANNOTATION = re.compile(r"<<[^<>]*>>")


def row_id(question: str, answer: str) -> str:
    """Stable content hash: the same question and answer give the same id in every run."""
    return hashlib.blake2b(f"{question}\x1f{answer}".encode(), digest_size=16).hexdigest()


def verification(kind: str, checks: list[str], **evidence) -> dict:
    """A verification struct value; evidence fields not given are null."""
    return {
        "kind": kind,
        "checks": checks,
        "votes": None,
        "samples": None,
        "share": None,
        "program_answer": None,
        "gold": None,
    } | evidence


def finalize_rows(candidates: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """Add id (unless present), messages, run_id and the trainer views to verified candidates, in schema order."""
    missing = [c for c in CANDIDATE_COLUMNS if c not in candidates.columns]
    if missing:
        raise ValueError(f"candidate rows lack columns: {', '.join(missing)}")
    questions, answers = candidates["question"].to_list(), candidates["answer"].to_list()
    if "id" not in candidates.columns:
        candidates = candidates.with_columns(pl.Series("id", [row_id(q, a) for q, a in zip(questions, answers)]))
    frame = candidates.with_columns(
        pl.Series(
            "messages",
            [[{"role": "user", "content": q}, {"role": "assistant", "content": a}] for q, a in zip(questions, answers)],
            dtype=POLARS_SCHEMA["messages"],
        ),
        pl.lit(run_id, dtype=pl.String).alias("run_id"),
        pl.col("question").alias("prompt"),
        pl.col("answer").alias("completion"),
        pl.Series("answer_plain", [CALCULATOR_ANNOTATION.sub("", a) for a in answers], dtype=pl.String),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in POLARS_SCHEMA.items()])
