"""Streaming exact and near-duplicate detection: the first of a cluster is kept.

A row is an exact duplicate when its normalized text was seen; a near duplicate when an
LSH band collides with an earlier row (or a reference row, such as GSM8K train), the
rapidfuzz ratio of the two normalized texts reaches `min_ratio`, and, by default, both
state the same numbers. That last rule is a decision about renumbered variants: they
share their words by design, but a problem with other numbers is another problem, so
they are kept and bounded by `--max-per-source` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from dedup.minhash import MinHasher, band_keys, exact_keys, normalize
from filters.numbers import WORD_VALUES


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


class DuplicateIndex:
    def __init__(self, settings: DedupSettings = DedupSettings()):
        self.settings = settings
        self.hasher = MinHasher(settings.num_perm, settings.shingle_words)
        self._exact: dict[int, int] = {}
        self._buckets: list[dict[int, list[int]]] = [{} for _ in range(settings.bands)]
        self._labels: list[str] = []
        self._texts: list[str] = []
        self._numbers: list[tuple] = []
        self._reference: list[bool] = []

    def __len__(self) -> int:
        return len(self._labels)

    def add_reference(self, texts: list[str], labels: list[str]) -> None:
        """Texts that rows must not duplicate (GSM8K train), added without being checked."""
        self._insert_many(texts, labels, reference=True)

    def add(self, texts: list[str], labels: list[str]) -> None:
        """Rows known to be unique already (rebuilding the index of a resumed run)."""
        self._insert_many(texts, labels, reference=False)

    def check(self, texts: list[str], labels: list[str], exempt_reference: list[bool] | None = None) -> list[Match | None]:
        """Check rows in order, adding each unique one; None marks a row kept.

        `exempt_reference[i]` lets row i match reference texts (an original train row is
        allowed to equal train)."""
        keys, bands, normalized = self._prepare(texts)
        results: list[Match | None] = []
        for i, label in enumerate(labels):
            exempt = bool(exempt_reference and exempt_reference[i])
            match = self._find(int(keys[i]), bands[i], normalized[i], exempt)
            results.append(match)
            if match is None:
                self._insert(int(keys[i]), bands[i], normalized[i], label, reference=False)
        return results

    def _prepare(self, texts: list[str]):
        normalized = normalize(texts).to_list()
        return exact_keys(texts), band_keys(self.hasher.signatures(texts), self.settings.bands), normalized

    def _insert_many(self, texts: list[str], labels: list[str], reference: bool) -> None:
        keys, bands, normalized = self._prepare(texts)
        for i, label in enumerate(labels):
            self._insert(int(keys[i]), bands[i], normalized[i], label, reference)

    def _insert(self, key: int, bands: np.ndarray, text: str, label: str, reference: bool) -> None:
        position = len(self._labels)
        self._exact.setdefault(key, position)
        for band, bucket in zip(bands.tolist(), self._buckets):
            bucket.setdefault(band, []).append(position)
        self._labels.append(label)
        self._texts.append(text)
        self._numbers.append(None)  # computed when a candidate needs it
        self._reference.append(reference)

    def _numbers_of(self, position: int) -> tuple:
        if self._numbers[position] is None:
            self._numbers[position] = stated_numbers(self._texts[position])
        return self._numbers[position]

    def _find(self, key: int, bands: np.ndarray, text: str, exempt: bool) -> Match | None:
        position = self._exact.get(key)
        if position is not None and not (exempt and self._reference[position]):
            return Match("dedup:exact-train" if self._reference[position] else "dedup:exact", self._labels[position], 100.0)
        candidates = sorted({p for band, bucket in zip(bands.tolist(), self._buckets) for p in bucket.get(band, ())})
        numbers = None
        for position in candidates:
            if exempt and self._reference[position]:
                continue
            ratio = fuzz.ratio(text, self._texts[position], score_cutoff=self.settings.min_ratio)
            if not ratio:
                continue
            if self.settings.numbers_must_match:
                numbers = numbers if numbers is not None else stated_numbers(text)
                if numbers != self._numbers_of(position):
                    continue
            kind = "dedup:near-train" if self._reference[position] else "dedup:near"
            return Match(kind, self._labels[position], ratio)
        return None


def stated_numbers(normalized: str) -> tuple:
    """The numbers a normalized text states, digits or words ("forty two" -> 40, 2), sorted."""
    return tuple(sorted(t if t[0].isdigit() else str(WORD_VALUES[t]) for t in normalized.split()
                        if t[0].isdigit() or t in WORD_VALUES))  # fmt: skip
