"""Majority voting over sampled answers: equal values group, and a winner must be clear."""

from filters.voting import majority_vote


def test_majority_vote_groups_equal_values_and_needs_a_clear_winner():
    accepted = majority_vote(["$1,200", "1200.00", "1200", "1100"], min_votes=3, min_share=0.6)
    assert accepted.reason is None and accepted.answer == 1200 and accepted.votes == 3 and accepted.share == 0.75
    assert majority_vote(["5", "6"], min_votes=1).reason == "vote:tie"
    assert majority_vote(["5", None, None, None], min_votes=1, min_share=0.5).reason == "vote:low-share"
    assert majority_vote(["5", "5", "6"], min_votes=3).reason == "vote:too-few-votes"
    assert majority_vote([None, "no idea"]).reason == "vote:no-answers"
