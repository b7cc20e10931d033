"""The stage executor: kept and dropped rows, counters by reason, and wiring errors named by stage."""

from collections import Counter

import polars as pl
import pytest

from augment.stages import DETAIL, DROP, STAGE, Stage, StageStats, apply_stage, format_funnel, run_stages, with_drops

FRAME = pl.DataFrame({"question": ["a", "bb", "ccc", "dddd"]})


def by_length(frame: pl.DataFrame) -> pl.DataFrame:
    reasons = [None if len(q) % 2 else "length:even" for q in frame["question"]]
    return with_drops(frame, reasons).with_columns(size=pl.col("question").str.len_chars())


def test_a_stage_splits_kept_and_dropped_rows_and_counts_the_reasons():
    kept, dropped, stats = apply_stage(Stage("length", by_length, inputs=("question",), outputs=("size",)), FRAME)
    assert kept.columns == ["question", "size"] and kept["question"].to_list() == ["a", "ccc"]
    assert dropped["question"].to_list() == ["bb", "dddd"] and dropped[DETAIL].to_list() == [None, None]
    assert dropped[STAGE].to_list() == ["length", "length"]  # each stage labels its own drops
    assert (stats.name, stats.rows_in, stats.rows_out, stats.drops) == ("length", 4, 2, Counter({"length:even": 2}))


def test_stages_run_in_turn_over_what_the_one_before_kept():
    odd_only = Stage(
        "odd", lambda f: with_drops(f, [None if len(q) % 2 else "odd:no" for q in f["question"]]), ("question",)
    )
    short = Stage(
        "short", lambda f: with_drops(f, [None if len(q) < 3 else "short:no" for q in f["question"]]), ("question",)
    )
    result = run_stages([odd_only, short], FRAME)
    assert result.kept["question"].to_list() == ["a"] and [s.rows_in for s in result.stats] == [4, 2]
    assert [d[STAGE].to_list() for d in result.dropped] == [["odd", "odd"], ["short"]]


def test_wiring_errors_name_the_stage():
    with pytest.raises(ValueError, match="stage length needs columns \\['text'\\]"):
        apply_stage(Stage("length", by_length, inputs=("text",)), FRAME)
    with pytest.raises(ValueError, match="stage length did not produce column words"):
        apply_stage(Stage("length", by_length, inputs=("question",), outputs=("words",)), FRAME)
    with pytest.raises(ValueError, match=f"stage none did not produce column {DROP}"):
        apply_stage(Stage("none", lambda frame: frame, inputs=()), FRAME)


def test_stats_add_up_over_chunks_survive_json_and_print_as_a_funnel():
    total = StageStats("verify")
    for kept, reason in [(8, "verify:mismatch"), (9, "verify:no-answer")]:
        total.add(StageStats("verify", 10, kept, Counter({reason: 10 - kept}), 0.25))
    assert (total.rows_in, total.rows_out, total.seconds) == (20, 17, 0.5)
    assert StageStats.from_dict(total.to_dict()) == total
    lines = format_funnel([StageStats("load", 20, 20), total], top=1).splitlines()
    assert lines[1].startswith("verify") and "verify:mismatch 2, +1 more" in lines[1]


class OddAnswers:
    """A toy chunk stage: drops rows whose final answer is odd."""

    name = "odd"
    inputs = ("final_answer",)
    outputs = ()

    @classmethod
    def build(cls, context):
        return cls()

    def run(self, frame: pl.DataFrame) -> pl.DataFrame:
        return with_drops(frame, [f"odd:{a}" if int(float(a)) % 2 else None for a in frame["final_answer"].to_list()])


@pytest.mark.slow
def test_a_stage_added_to_the_list_appears_in_the_funnel_and_the_drop_report(small_source, tmp_path, monkeypatch):
    """Adding a stage is one class in `CHUNK_STAGES`: the run's funnel, drop report and card pick it up."""
    from augment import chunks, pipeline
    from augment.config import ContaminationConfig, RunConfig

    monkeypatch.setattr(chunks, "CHUNK_STAGES", [*chunks.CHUNK_STAGES, OddAnswers])
    config = RunConfig(
        n=60,
        source=str(small_source),
        max_per_source=2,
        chunk_size=64,
        out=str(tmp_path / "data"),
        agent_id="tester",
        announce=False,
        workers=1,
        allow_fewer=True,
        contamination=ContaminationConfig(embeddings="off"),
    )
    result = pipeline.run(config, show_progress=False, log=lambda line: None)
    odd = next(stage for stage in result.funnel if stage.name == "odd")
    assert [s.name for s in result.funnel][-3:] == ["decontaminate", "odd", "publish"]
    assert odd.rows_in > odd.rows_out and sum(odd.drops.values()) == odd.rows_in - odd.rows_out
    drops = pl.read_parquet(result.version_dir / "reports" / "drops.parquet").filter(pl.col("stage") == "odd")
    assert drops.height == odd.rows_in - odd.rows_out and drops["reason"].str.starts_with("odd:").all()
    rows = pl.read_parquet(result.version_dir / "data" / "*.parquet")
    assert all(int(float(a)) % 2 == 0 for a in rows["final_answer"].to_list())
    assert "| odd |" in (result.version_dir / "README.md").read_text()
