"""MinHash signatures for many short texts at once, without a Python loop per shingle.

Tokens are hashed by polars (Rust), word shingles are combined with numpy index
arithmetic, and each of the `num_perm` hash functions is a 32-bit affine permutation applied
to all shingles of a block of documents in one array operation; `np.minimum.reduceat`
then takes each document's minimum. Band keys for LSH are hashes of each band's rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

TOKEN_PATTERN = r"[a-z0-9]+(?:\.[0-9]+)?"
_MIX = np.uint64(0x9E3779B97F4A7C15)
_BLOCK_SHINGLES = 1 << 17  # shingles hashed per numpy block: bounds memory at ~128 MB for 128 perms


def tokenize(texts: list[str] | pl.Series) -> pl.Series:
    """Lowercase words and numbers of each text: what shingles, exact keys and numbers are made of."""
    series = texts if isinstance(texts, pl.Series) else pl.Series(texts, dtype=pl.String)
    return series.str.to_lowercase().str.extract_all(TOKEN_PATTERN)


def exact_keys(normalized: pl.Series) -> np.ndarray:
    """A 64-bit hash of each normalized text (its tokens joined by single spaces)."""
    return normalized.hash(seed=17).to_numpy()


class MinHasher:
    def __init__(self, num_perm: int = 128, shingle_words: int = 3, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.num_perm, self.shingle_words = num_perm, shingle_words
        # x -> a*x + b mod 2^32 with odd a is a permutation of the 32-bit values; 32-bit lanes halve
        # the memory traffic of the (shingles x permutations) block
        self.a = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
        self.b = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32)

    def shingles(self, tokens: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """(shingle hashes, shingles per document) of `tokenize` output; a document shorter than a
        shingle gets one."""
        lengths = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
        flat = tokens.explode().drop_nulls().hash(seed=29).to_numpy()
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        k = self.shingle_words
        counts = np.maximum(lengths - k + 1, 1)
        first = np.repeat(starts, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        ends = np.repeat(starts + lengths, counts)
        combined = np.zeros(len(first), dtype=np.uint64)
        padded = np.concatenate([flat, np.zeros(k, dtype=np.uint64)])
        with np.errstate(over="ignore"):
            for offset in range(k):
                position = first + offset
                part = np.where(position < ends, padded[np.minimum(position, len(flat))], np.uint64(0))
                combined = combined * _MIX + part
        return combined, counts

    def signatures(self, texts: list[str] | pl.Series, tokens: pl.Series | None = None) -> np.ndarray:
        """(documents, num_perm) uint32 MinHash signatures (pass `tokens` when already tokenized)."""
        if len(texts) == 0:
            return np.empty((0, self.num_perm), dtype=np.uint32)
        shingles, counts = self.shingles(tokenize(texts) if tokens is None else tokens)
        ends = np.cumsum(counts)
        out = np.empty((len(counts), self.num_perm), dtype=np.uint32)
        doc = 0
        while doc < len(counts):
            first_shingle = ends[doc] - counts[doc]
            last = int(np.searchsorted(ends, first_shingle + _BLOCK_SHINGLES, side="right"))
            last = max(last, doc + 1)
            block = shingles[first_shingle : ends[last - 1]]
            folded = ((block >> np.uint64(32)) ^ block).astype(np.uint32)
            with np.errstate(over="ignore"):
                hashed = self.a[:, None] * folded[None, :] + self.b[:, None]  # permutations x shingles
            offsets = (ends[doc:last] - counts[doc:last]) - first_shingle
            out[doc:last] = np.minimum.reduceat(hashed, offsets, axis=1).T  # contiguous runs per permutation
            doc = last
        return out


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """(documents, bands) uint64: one key per band of rows; equal keys make LSH candidates."""
    rows = signatures.shape[1] // bands
    grouped = signatures[:, : bands * rows].reshape(len(signatures), bands, rows).astype(np.uint64)
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            keys = keys * _MIX + grouped[:, :, r]
    return keys
