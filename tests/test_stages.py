"""The stage executor: kept and dropped rows, counters by reason, and wiring errors named by stage."""

from collections import Counter

import polars as pl
import pytest

from augment.stages import DETAIL, DROP, Stage, StageStats, apply_stage, format_funnel, with_drops

FRAME = pl.DataFrame({"question": ["a", "bb", "ccc", "dddd"]})


def by_length(frame: pl.DataFrame) -> pl.DataFrame:
    reasons = [None if len(q) % 2 else "length:even" for q in frame["question"]]
    return with_drops(frame, reasons).with_columns(size=pl.col("question").str.len_chars())


def test_a_stage_splits_kept_and_dropped_rows_and_counts_the_reasons():
    kept, dropped, stats = apply_stage(Stage("length", by_length, inputs=("question",), outputs=("size",)), FRAME)
    assert kept.columns == ["question", "size"] and kept["question"].to_list() == ["a", "ccc"]
    assert dropped["question"].to_list() == ["bb", "dddd"] and dropped[DETAIL].to_list() == [None, None]
    assert (stats.name, stats.rows_in, stats.rows_out, stats.drops) == ("length", 4, 2, Counter({"length:even": 2}))


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
