"""The vetted train sources: every flag names its train row."""

from filters.vetting import vetting_flag, vetting_flags


def test_every_flag_names_its_train_row(train_rows):
    flags = vetting_flags()
    assert len(flags) > 100
    for record in flags.values():
        assert vetting_flag(train_rows[record["source_index"]]["question"]) == record
        flag = record["flag"].removeprefix("variant-")
        assert flag in ("solver-disagrees", "judged-incoherent", "judged-implausible")
        assert (record["flag"] != flag) == ("variant_id" in record)  # a variant's flag names the row judged
