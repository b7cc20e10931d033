"""The task stream: fixed by the config, sliceable anywhere, and every method only where a source allows it."""

import numpy as np
import polars as pl

from augment.config import RunConfig
from augment.plan import SEED_BOUND, Eligibility, balanced_shares, plan_tasks

SOURCES = list(range(40))
ELIGIBILITY = Eligibility(SOURCES, templated=set(range(30)), named=set(range(0, 30, 2)), invertible=set(range(10)))


def config(**settings) -> RunConfig:
    return RunConfig(**{"mix": {"renumber": 0.5, "rename": 0.3, "backward": 0.2}, "max_per_source": 3} | settings)


def test_a_slice_is_the_same_tasks_as_the_whole_stream_there():
    plan = plan_tasks(config(include_original=True), ELIGIBILITY)
    whole = plan.head(plan.height)
    assert whole["task"].to_list() == list(range(plan.height))
    for offset, length in [(0, 7), (35, 20), (41, 30), (plan.height - 5, 50)]:  # across round boundaries and the end
        assert plan.slice(offset, length).equals(whole.slice(offset, length))
    assert plan.slice(plan.height, 10).height == 0


def test_the_same_config_plans_the_same_stream_and_another_seed_another():
    first, again = (plan_tasks(config(), ELIGIBILITY).head(1000) for _ in range(2))
    assert first.equals(again)
    assert not first.equals(plan_tasks(config(seed=1), ELIGIBILITY).head(1000))


def test_methods_go_only_to_sources_that_allow_them():
    plan = plan_tasks(config(), ELIGIBILITY)
    tasks = plan.head(plan.height)
    assert plan.height == 3 * 30  # sources 30..39 have no template: no symbolic method can use them
    by_method = {m: set(tasks.filter(pl.col("method") == m)["source_index"]) for m in config().mix}
    assert by_method["rename"] <= ELIGIBILITY.named and by_method["backward"] <= ELIGIBILITY.invertible
    assert by_method["renumber"] <= ELIGIBILITY.templated
    for round_ in range(3):  # each round visits every usable source once
        assert sorted(tasks.filter(pl.col("variant") == round_)["source_index"]) == list(range(30))
    assert tasks["seed"].min() >= 0 and tasks["seed"].max() < SEED_BOUND


def test_originals_come_first_once_per_source():
    tasks = plan_tasks(config(include_original=True), ELIGIBILITY).head(len(SOURCES))
    assert tasks["method"].unique().to_list() == ["original"] and tasks["source_index"].to_list() == SOURCES


def test_a_method_few_sources_allow_is_drawn_more_often_where_it_is_allowed():
    allowed = np.array([[True, i % 4 == 0] for i in range(100)])  # the second method: a quarter of the sources
    weights = balanced_shares(allowed, np.array([0.5, 0.5]))
    probabilities = allowed * weights
    achieved = (probabilities / probabilities.sum(axis=1, keepdims=True)).mean(axis=0)
    assert np.allclose(achieved, [0.75, 0.25])  # the best possible: every allowed source draws the rare method
    even = balanced_shares(np.ones((10, 2), dtype=bool), np.array([0.6, 0.4]))
    assert np.allclose(even, [0.6, 0.4])
