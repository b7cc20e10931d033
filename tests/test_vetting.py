"""The vetted train sources: every flag names its train row, and the sources the audits found wrong
(their own solution computes the wrong thing) seed nothing."""

import polars as pl

from augment.pipeline import _broken_sources
from filters.vetting import vetting_flag, vetting_flags


def test_every_flag_names_its_train_row(train_rows):
    flags = vetting_flags()
    assert len(flags) > 100
    for record in flags.values():
        assert vetting_flag(train_rows[record["source_index"]]["question"]) == record
        assert record["flag"] in ("solver-disagrees", "judged-incoherent", "judged-implausible")


def test_sources_whose_solution_is_wrong_seed_nothing(train_rows):
    """4235 doubles 3 times for "after 4 years"; 1052 computes "5 less than twice" as (79 - 5) / 2; 6768
    subtracts for "6 inches longer"; 474 gives "one-third of the remaining" 2/3."""
    cited = [4235, 1052, 6768, 474]
    frame = pl.DataFrame(
        {
            "source_index": cited + [0],
            "question": [train_rows[i]["question"] for i in cited + [0]],
            "answer": [train_rows[i]["answer"] for i in cited + [0]],
        }
    )
    excluded, stats = _broken_sources(frame)
    assert excluded == {i: "source:solver-disagrees" for i in cited}
    assert stats.rows_out == 1 and stats.drops["source:solver-disagrees"] == 4
