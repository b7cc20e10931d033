"""The dataset card: true sizes, YAML fields, an example row, citations, recall, and the trainer views
its configs offer."""

import datasets
import yaml
from releases import release


def test_the_card_states_true_sizes_yaml_fields_example_citations_and_recall(tmp_path):
    version = release(tmp_path, count=300)
    text = (version / "README.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert front["annotations_creators"] == ["machine-generated"] and front["multilinguality"] == ["monolingual"]
    assert front["language_creators"] == ["machine-generated"] and front["task_ids"] == ["closed-domain-qa"]
    loaded = datasets.load_dataset(str(version), split="train", cache_dir=str(tmp_path / "cache"))
    assert front["dataset_info"]["dataset_size"] == loaded.info.dataset_size
    assert front["dataset_info"]["splits"][0]["num_bytes"] == loaded.info.splits["train"].num_bytes
    assert front["dataset_info"]["download_size"] == sum(p.stat().st_size for p in (version / "data").iterdir())
    assert "## Example row" in text and "Tom has 0 apples" in text and "<<expr=value>>" in text
    assert "@article{cobbe2021gsm8k" in text and "@software{gsm8k_augment" in text
    assert "split by `source_index`" in text and "about 1.0 variants each" in text
    from filters import embeddings
    from filters.contamination import held_out_figures

    recall = held_out_figures(embeddings.available())["all-positives"]
    assert f"{recall['flagged']:.1%} of {recall['n']:,} test-derived questions flagged" in text
    assert f"flag at most {recall['judge_reach']:.1%} of the held-out test-derived questions" in text  # --judge's reach
    assert "The previous detector, checked independently on 7,537" in text and "0.747" in text
    assert "| renumber | 300 | 100.0% | 60.0% |" in text  # actual versus requested, in one table


def test_trainer_views_load_by_config_name(tmp_path):
    version = release(tmp_path, count=20)
    cache = str(tmp_path / "cache")
    full = datasets.load_dataset(str(version), split="train", cache_dir=cache)
    row = full[3]
    assert row["prompt"] == row["question"] and row["completion"] == row["answer"]
    assert row["answer_plain"] == "He has 3+3=6 apples.\n#### 6" and "<<" in row["answer"]
    pairs = datasets.load_dataset(str(version), "prompt_completion", split="train", cache_dir=cache)
    assert pairs.column_names == ["id", "prompt", "completion"] and pairs[3]["completion"] == row["answer"]
    plain = datasets.load_dataset(str(version), "plain", split="train", cache_dir=cache)
    assert set(plain.column_names) == {"id", "question", "answer_plain", "final_answer"} and plain.num_rows == 20
