"""Small real releases for the tests of publishing, pushing, the card and the workspace."""

import polars as pl

from augment.config import RunConfig
from augment.publish import publish_version
from augment.schema import finalize_rows, verification
from augment.stages import StageStats


def make_rows(count: int) -> pl.DataFrame:
    candidates = pl.DataFrame(
        {
            "question": [f"Tom has {i} apples and buys 3 more. How many apples does he have?" for i in range(count)],
            "answer": [f"He has {i}+3=<<{i}+3={i + 3}>>{i + 3} apples.\n#### {i + 3}" for i in range(count)],
            "final_answer": [str(i + 3) for i in range(count)],
            "method": ["renumber"] * count,
            "source_split": ["train"] * count,
            "source_index": list(range(count)),
            "verification": [verification("re-execution", ["quality", "re-execution"])] * count,
            "generator": [{"engine": "symbolic", "model": None, "params": "{}"}] * count,
            "seed": list(range(count)),
        }
    )
    return finalize_rows(candidates, "testrun")


def release(tmp_path, count=50):
    config = RunConfig(n=count, out=str(tmp_path / "artifacts" / "data"), agent_id="tester")
    funnel = [StageStats("generate", count, count), StageStats("publish", count, count)]
    drops = pl.DataFrame(schema={"task": pl.Int64, "reason": pl.String})
    return publish_version(
        tmp_path / "artifacts" / "data" / config.name,
        make_rows(count),
        drops,
        config,
        {"kind": "test"},
        "testrun",
        funnel,
    )
