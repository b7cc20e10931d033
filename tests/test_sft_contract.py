"""The contract with trainers: TRL's SFTTrainer trains on a published release as it is, with no reshaping."""

import pytest
from releases import release
from tiny_model import build_tiny_model

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("view", ["messages", "prompt_completion"])
def test_sft_trainer_runs_a_few_steps_on_a_release(tmp_path, view):
    trl = pytest.importorskip("trl")
    import datasets

    version = release(tmp_path, count=16)
    full = datasets.load_dataset(str(version), split="train", cache_dir=str(tmp_path / "cache"))
    model_dir = build_tiny_model(tmp_path / "model", list(full["question"]) + list(full["answer"]))
    rows = datasets.load_dataset(str(version), view, split="train", cache_dir=str(tmp_path / "cache"))
    args = trl.SFTConfig(
        output_dir=str(tmp_path / "out"),
        max_steps=3,
        per_device_train_batch_size=4,
        max_length=128,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        logging_steps=1,
        dataset_num_proc=None,
    )
    trainer = trl.SFTTrainer(model=str(model_dir), args=args, train_dataset=rows.remove_columns("id"))
    result = trainer.train()
    assert result.global_step == 3 and result.training_loss > 0
