"""`augment audit`: reports, review pages, exit codes and the inputs it reads."""

import json

from augment.sources import load_embedded


def test_audit_cli_report_html_and_exit_codes(tmp_path, train_rows):
    from conftest import ROOT, augment_cli, write_jsonl

    test = load_embedded("test").questions
    rows = [
        {"question": train_rows[0]["question"]},
        {"question": test[5]},
        {"question": None},
        {"other": "x"},
        {"question": test[23].replace("2 centimeters", "3 centimeters")},
    ]
    source = tmp_path / "audit.jsonl"
    write_jsonl(source, rows)
    report, page = tmp_path / "report.jsonl", tmp_path / "report.html"
    result = augment_cli("audit", str(source), "--report", str(report), "--html", str(page), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert [line["row"] for line in lines] == [0, 1, 2, 3, 4]
    assert [line["contaminated"] for line in lines] == [False, True, False, False, True]
    assert lines[1]["test_index"] == 5 and lines[4]["reason"] == "renumbered"
    assert lines[2]["reason"].startswith("invalid")
    assert "5 rows, 2 flagged" in result.stdout
    html = page.read_text()
    assert "<ins>3</ins>" in html and "<del>2</del>" in html
    failing = augment_cli("audit", str(source), "--fail-on-contamination", "--embeddings", "off", cwd=ROOT)
    assert failing.returncode == 1
    missing = augment_cli("audit", str(source), "--field", "prompt", cwd=ROOT)
    assert missing.returncode == 2 and "no field 'prompt'" in missing.stderr and "Traceback" not in missing.stderr


def test_audit_reads_parquet_csv_and_directories(tmp_path):
    import polars as pl

    from augment.audit import load_field

    frame = pl.DataFrame({"q": ["one?", "two?"]})
    frame.write_parquet(tmp_path / "a.parquet")
    frame.write_csv(tmp_path / "b.csv")
    assert load_field(str(tmp_path / "a.parquet"), "q") == ["one?", "two?"]
    assert load_field(str(tmp_path), "q") == ["one?", "two?", "one?", "two?"]


def test_audit_of_a_hub_dataset_id_offline_is_one_line(tmp_path):
    from conftest import ROOT, augment_cli

    result = augment_cli(
        "audit", "someone/some-dataset", cwd=ROOT, env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    )
    assert result.returncode == 2
    assert "cannot load someone/some-dataset from the Hugging Face Hub" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
