"""The `sources` stage: known label errors, vetted sources and self-contradicting solutions seed nothing,
each dropped with its reason and the stage's name."""

import polars as pl

from augment.source_stages import SOURCE_CHECK
from augment.stages import DROP, STAGE, apply_stage


def test_sources_whose_solution_is_wrong_seed_nothing(train_rows):
    """4235 doubles 3 times for "after 4 years"; 1052 computes "5 less than twice" as (79 - 5) / 2; 6768
    subtracts for "6 inches longer"; 474 gives "one-third of the remaining" 2/3."""
    cited = [4235, 1052, 6768, 474]
    sound = 1  # a source no check flags (row 0's "sold clips to 48 of her friends" was judged incoherent)
    frame = pl.DataFrame(
        {
            "source_index": cited + [sound],
            "question": [train_rows[i]["question"] for i in cited + [sound]],
            "answer": [train_rows[i]["answer"] for i in cited + [sound]],
        }
    )
    kept, dropped, stats = apply_stage(SOURCE_CHECK, frame)
    assert dict(zip(dropped["source_index"], dropped[DROP])) == {i: "source:solver-disagrees" for i in cited}
    assert set(dropped[STAGE]) == {"sources"} and kept["source_index"].to_list() == [sound]
    assert stats.rows_out == 1 and stats.drops["source:solver-disagrees"] == 4


def test_the_template_stage_drops_what_the_workers_could_not_template(train_rows):
    """The real worker processes on 30 train rows: every source is either templated or dropped with the
    derivation's reason, labelled `template`."""
    from augment.config import RunConfig
    from augment.source_stages import TemplateStage
    from augment.verification import VerifyPolicy
    from augment.workers import SymbolicWorkers

    config = RunConfig()
    frame = pl.DataFrame(
        {
            "source_index": list(range(30)),
            "question": [r["question"] for r in train_rows[:30]],
            "answer": [r["answer"] for r in train_rows[:30]],
        }
    )
    policy = VerifyPolicy.from_config(config.quality, config.llm)
    workers = SymbolicWorkers(frame, 0, 1, None, policy, 1, config.contamination)
    try:
        kept, dropped, stats = apply_stage(TemplateStage(workers), frame)
    finally:
        workers.close()
    assert set(kept["source_index"]) == workers.templated and kept.height + dropped.height == 30
    assert dropped.height > 0 and set(dropped[STAGE]) == {"template"}
    assert all(r.startswith("template:") for r in dropped[DROP]) and stats.drops.total() == dropped.height
