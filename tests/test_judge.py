"""The contamination judge: the model decides only the undecided pairs, in audit and in the run stage."""

from __future__ import annotations

import polars as pl
import pytest

from augment.stages import apply_stage

pytestmark = pytest.mark.slow


def test_the_judge_decides_only_the_undecided_pairs(smollm2_engine):
    """The contamination judge asks the model (one constrained word, temperature 0) about every
    undecided question and about nothing else; a "yes" flags it as judged."""
    from dataclasses import replace

    from augment.decontamination import make_detector
    from augment.judge import ANSWER, judge
    from augment.sources import load_embedded

    train, test = load_embedded("train").questions, load_embedded("test").questions
    detector = make_detector("off", train)
    detector.scorer = replace(detector.scorer, judge_floor=0.0)  # every unflagged pair is undecided
    questions = [test[7], train[0], train[1], train[2]]
    verdicts = detector.detect(questions)
    asked = []

    class Recording:  # the real engine, with the requests it was given kept
        def generate(self, batch):
            asked.extend(batch)
            return smollm2_engine.generate(batch)

    judged = judge(detector, questions, verdicts, Recording())
    assert verdicts[0].reason == "verbatim" and judged[0] == verdicts[0]  # flagged already: never asked
    assert len(asked) == 3 and all(r.regex == ANSWER and r.temperature == 0 and r.n == 1 for r in asked)
    assert f"Problem A: {test[verdicts[1].test_index]}" in asked[0].messages[0]["content"]
    assert f"Problem B: {train[0]}" in asked[0].messages[0]["content"]
    answers = [texts[0] for texts in smollm2_engine.generate(asked)]
    assert set(answers) <= {"yes", "no"}
    assert [v.reason == "judged" and v.contaminated for v in judged[1:]] == [a == "yes" for a in answers]


def test_the_run_stage_asks_the_judge_about_worker_verdicts(smollm2_engine):
    """In `augment run --judge`, the decontaminate stage asks about the undecided rows the workers marked."""
    from dataclasses import replace

    from augment.decontamination import decontaminate_stage, make_detector, with_verdicts
    from augment.judge import ask
    from augment.sources import load_embedded

    train, test = load_embedded("train").questions, load_embedded("test").questions
    detector = make_detector("off", train)
    detector.scorer = replace(detector.scorer, judge_floor=0.0)
    frame = with_verdicts(pl.DataFrame({"question": [test[3], train[10], train[11]]}), detector)
    undecided = frame["_contamination_undecided"].to_list()
    assert undecided[0] is None and None not in undecided[1:]
    kept, dropped, stats = apply_stage(decontaminate_stage(lambda: detector, lambda: smollm2_engine), frame)
    same = ask(smollm2_engine, detector, [train[10], train[11]], undecided[1:])
    assert stats.drops["contamination:verbatim"] == 1
    assert stats.drops["contamination:judged"] == sum(same)
    assert kept.height == 3 - 1 - sum(same)
