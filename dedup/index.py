"""Streaming exact and near-duplicate detection: the first of a cluster is kept.

A row is an exact duplicate when its normalized text was seen; a near duplicate when an
LSH band collides with an earlier kept row (or a reference row, such as GSM8K train) and
the rapidfuzz ratio of the two normalized texts reaches `min_ratio`. By default both must
also state the same numbers: renumbered variants share their words by design, but a
problem with other numbers is another problem, so they are kept and bounded by
`--max-per-source` instead. The numbers are folded into the band keys, so variants that
differ in them never even become candidates.

Band lookups are joins of a chunk's keys with the index's keys (polars), not a Python
loop per band; only rows with a candidate reach Python, in order, to be confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz

from dedup.minhash import MinHasher, band_keys, exact_keys, tokenize
from filters.numbers import WORD_VALUES

_KEYS = {"key": pl.UInt64, "position": pl.Int64}


@dataclass(frozen=True)
class DedupSettings:
    shingle_words: int = 3
    num_perm: int = 128
    bands: int = 32  # 32 bands x 4 rows: pairs above Jaccard ~0.4 become candidates
    min_ratio: float = 90.0  # rapidfuzz ratio (0-100) that confirms a candidate
    numbers_must_match: bool = True  # a renumbered variant is a new problem, not a duplicate
    against_train: bool = True

    def __post_init__(self):
        if self.num_perm % self.bands:
            raise ValueError(f"dedup: num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})")
        if not 0 < self.min_ratio <= 100 or self.shingle_words < 1:
            raise ValueError("dedup: min_ratio must be within (0, 100] and shingle_words >= 1")


@dataclass(frozen=True)
class Match:
    """Why a row is a duplicate and of what (`cluster`: the kept row's label)."""

    reason: str  # dedup:exact, dedup:near, dedup:exact-train, dedup:near-train
    cluster: str
    ratio: float


def number_keys(tokens: pl.Series) -> np.ndarray:
    """A hash of the sorted numbers each tokenized text states, digits or words."""
    words = pl.Series(list(WORD_VALUES), dtype=pl.String)
    values = pl.Series([str(v) for v in WORD_VALUES.values()], dtype=pl.String)
    numbers = tokens.list.eval(
        pl.element().filter(pl.element().str.contains(r"^\d") | pl.element().is_in(words)).replace(words, values).sort()
    )
    return numbers.list.join(" ").hash(seed=41).to_numpy()


class DuplicateIndex:
    def __init__(self, settings: DedupSettings = DedupSettings()):
        self.settings = settings
        self.hasher = MinHasher(settings.num_perm, settings.shingle_words)
        self._salts = np.random.default_rng(7).integers(1, 2**63, settings.bands, dtype=np.uint64)
        self._exact: dict[int, int] = {}
        self._keys = pl.DataFrame(schema=_KEYS)
        self._labels: list[str] = []
        self._texts: list[str] = []
        self._reference: list[bool] = []

    def __len__(self) -> int:
        return len(self._labels)

    def add_reference(self, texts: list[str], labels: list[str]) -> None:
        """Texts that rows must not duplicate (GSM8K train), added without being checked."""
        self._insert(texts, labels, reference=True)

    def add(self, texts: list[str], labels: list[str]) -> None:
        """Rows known to be unique already (rebuilding the index of a resumed run)."""
        self._insert(texts, labels, reference=False)

    def check(
        self, texts: list[str], labels: list[str], exempt_reference: list[bool] | None = None
    ) -> list[Match | None]:
        """Check rows in order, adding each unique one; None marks a row kept.

        `exempt_reference[i]` lets row i match reference texts (an original train row is
        allowed to equal train)."""
        if not texts:
            return []
        exact, keys, normalized = self._prepare(texts)
        rows = pl.DataFrame({"row": np.repeat(np.arange(len(texts)), keys.shape[1]), "key": keys.ravel()})
        earlier = defaultdict(list)  # row -> index positions sharing a band
        for row, position in rows.join(self._keys, on="key").select("row", "position").unique().iter_rows():
            earlier[row].append(position)
        within = defaultdict(list)  # row -> earlier rows of this chunk sharing a band
        pairs = rows.join(rows, on="key", suffix="_other").filter(pl.col("row_other") < pl.col("row"))
        for row, other in pairs.select("row", "row_other").unique().iter_rows():
            within[row].append(other)
        results: list[Match | None] = []
        chunk_positions: dict[int, int] = {}  # row -> its index position, for rows kept so far
        start = len(self._labels)
        for i, label in enumerate(labels):
            exempt = bool(exempt_reference and exempt_reference[i])
            candidates = earlier.get(i, []) + [chunk_positions[r] for r in within.get(i, []) if r in chunk_positions]
            match = self._find(int(exact[i]), normalized[i], candidates, exempt)
            results.append(match)
            if match is None:
                chunk_positions[i] = start + len(chunk_positions)
                self._remember(int(exact[i]), normalized[i], label, reference=False)
        kept = np.fromiter(chunk_positions, dtype=np.int64, count=len(chunk_positions))
        self._append_keys(keys[kept], np.fromiter(chunk_positions.values(), dtype=np.int64, count=len(kept)))
        return results

    def _prepare(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        tokens = tokenize(texts)
        normalized = tokens.list.join(" ")
        keys = band_keys(self.hasher.signatures(texts, tokens), self.settings.bands) ^ self._salts[None, :]
        if self.settings.numbers_must_match:
            keys ^= number_keys(tokens)[:, None]
        return exact_keys(normalized), keys, normalized.to_list()

    def _insert(self, texts: list[str], labels: list[str], reference: bool) -> None:
        if not texts:
            return
        exact, keys, normalized = self._prepare(texts)
        start = len(self._labels)
        for i, label in enumerate(labels):
            self._remember(int(exact[i]), normalized[i], label, reference)
        self._append_keys(keys, np.arange(start, start + len(texts), dtype=np.int64))

    def _remember(self, exact: int, text: str, label: str, reference: bool) -> None:
        self._exact.setdefault(exact, len(self._labels))
        self._labels.append(label)
        self._texts.append(text)
        self._reference.append(reference)

    def _append_keys(self, keys: np.ndarray, positions: np.ndarray) -> None:
        new = pl.DataFrame({"key": keys.ravel(), "position": np.repeat(positions, keys.shape[1])}, schema=_KEYS)
        self._keys = pl.concat([self._keys, new], rechunk=False)

    def _find(self, exact: int, text: str, candidates: list[int], exempt: bool) -> Match | None:
        position = self._exact.get(exact)
        if position is not None and not (exempt and self._reference[position]):
            return Match(
                "dedup:exact-train" if self._reference[position] else "dedup:exact", self._labels[position], 100.0
            )
        for position in sorted(set(candidates)):
            if exempt and self._reference[position]:
                continue
            ratio = fuzz.ratio(text, self._texts[position], score_cutoff=self.settings.min_ratio)
            if ratio:
                kind = "dedup:near-train" if self._reference[position] else "dedup:near"
                return Match(kind, self._labels[position], ratio)
        return None
