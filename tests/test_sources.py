"""Loading GSM8K: the pinned embedded copy, local files, the Hub (faked only at the boundary)."""

import hashlib
import json
import lzma
import re

import polars as pl
import pytest

import augment.sources as sources
from augment.sources import EMBEDDED_SHA256, SourceError, load_source


def test_embedded_copy_is_the_pinned_gsm8k(gsm8k_dir):
    train, test = load_source("embedded", "train"), load_source("embedded", "test")
    assert (train.frame.height, test.frame.height) == (7473, 1319)
    for split in ("train", "test"):
        assert hashlib.sha256((gsm8k_dir / f"{split}.jsonl").read_bytes()).hexdigest() == EMBEDDED_SHA256[split]
    first = json.loads((gsm8k_dir / "train.jsonl").read_text().splitlines()[0])
    assert train.frame.row(0, named=True) == {"source_index": 0, **first}
    assert train.identity == {
        "kind": "embedded",
        "name": "openai/gsm8k",
        "config": "main",
        "split": "train",
        "sha256": EMBEDDED_SHA256["train"],
    }


def test_corrupt_embedded_copy_is_refused(monkeypatch, tmp_path):
    fake = tmp_path / "augment" / "data" / "gsm8k"
    fake.mkdir(parents=True)
    (fake / "train.jsonl.xz").write_bytes(lzma.compress(b'{"question": "q?", "answer": "#### 1"}\n'))
    monkeypatch.setattr(sources, "EMBEDDED_DIR", fake)
    with pytest.raises(SourceError, match="corrupt: sha256"):
        load_source("embedded")


def test_local_directory_prefers_the_split_file(gsm8k_dir):
    data = load_source(str(gsm8k_dir))
    assert data.frame.height == 7473
    assert data.identity["files"] == [{"file": "train.jsonl", "sha256": EMBEDDED_SHA256["train"], "rows": 7473}]


def test_parquet_source(tmp_path, train_rows):
    path = tmp_path / "rows.parquet"
    pl.DataFrame(train_rows[:5]).write_parquet(path)
    data = load_source(str(path))
    assert data.questions == [r["question"] for r in train_rows[:5]]


def test_malformed_rows_are_counted_with_reasons(tmp_path, train_rows):
    good = json.dumps(train_rows[0]).encode()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                good,
                b"\xff\xfe not utf-8",
                b"{not json",
                json.dumps({"question": "Why?", "answer": "no final line"}).encode(),
                json.dumps({"question": "", "answer": "#### 1"}).encode(),
                json.dumps({"question": 5, "answer": "#### 1"}).encode(),
                good,
            ]
        )
    )
    data = load_source(str(path))
    assert data.frame["source_index"].to_list() == [0, 6]
    assert dict(data.malformed) == {
        "not UTF-8": 1,
        "not JSON": 1,
        "answer has no #### line": 1,
        "empty question": 1,
        "question or answer is not a string": 1,
    }
    assert "line 2: not UTF-8" in data.malformed_examples[0]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b'{"problem": "a", "solution": "b"}\n', "no question/answer field (found: problem, solution)"),
        (b'{"question": "a", "answer": "no final"}\n', "no usable rows (answer has no #### line: 1)"),
    ],
    ids=["missing", "empty", "unknown-columns", "all-malformed"],
)
def test_unusable_sources_fail_with_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "source.jsonl"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(message)) as error:
        load_source(str(path))
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_corrupt_parquet_is_one_line(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SourceError, match="cannot read parquet"):
        load_source(str(path))


def test_hub_source_asks_for_openai_gsm8k_main(monkeypatch, train_rows):
    """The Hub is unreachable here: fake `datasets.load_dataset` and check what would be requested."""
    import datasets

    requests = []

    def fake_load_dataset(name, config, split, revision):
        requests.append((name, config, split, revision))
        return datasets.Dataset.from_list(train_rows[:3])

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    data = load_source("hf@refs/convert/parquet")
    assert requests == [("openai/gsm8k", "main", "train", "refs/convert/parquet")]
    assert data.frame.height == 3 and data.identity["kind"] == "hub" and data.identity["name"] == "openai/gsm8k"


def test_hub_source_offline_is_a_clear_error(monkeypatch):
    import datasets

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(SourceError, match="cannot load openai/gsm8k .* use --source embedded or --source PATH"):
        load_source("hf")
