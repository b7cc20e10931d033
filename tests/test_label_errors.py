"""The known train label errors: each is recognised, and re-execution finds the ones it says it does."""

from filters.calculator import check_solution
from filters.label_errors import known_label_errors, label_error


def test_train_split_re_execution_and_known_label_errors(train_rows):
    """The whole train split: most answers re-execute; every recorded label error is caught."""
    codes = [check_solution(r["answer"], r["question"]).code for r in train_rows]
    passing = sum(code is None for code in codes) / len(codes)
    assert passing > 0.96
    recorded = known_label_errors()
    assert len(recorded) >= 12
    for record in recorded.values():
        row = train_rows[record["source_index"]]
        assert label_error(row["question"]) == record
        if record["found_by"] == "re-execution":
            assert codes[record["source_index"]] == "calc:final-mismatch"
