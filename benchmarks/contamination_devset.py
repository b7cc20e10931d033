"""A labelled dev set for the contamination detector, built from GSM8K test (positives) and
train (negatives). Evaluation data only: it is never used to generate training rows.

Positives, by kind: verbatim; renumbered (every number moved); renumbered by the symbolic
engine (templated test problems); renamed (people swapped, same gender); extended (a
sentence added, a sentence removed, or a number changed and a step added); p2-templated
(renamed, renumbered and two steps inserted, as GSM-Symbolic P2 is made); paraphrase
(45 hand-written rewordings in `data/contamination_paraphrases.jsonl`); and, written by hand
for a sample of 300 test questions (provenance beside each file): rephrasings that share few
words, GSM-Symbolic-P2-style variants (objects swapped, two clauses added) and the eight
GSM-Plus perturbation types. Negatives: every GSM8K train question.

Halves: a row belongs to the calibration half when its test index (or, for a negative, its
train index) is even, to the held-out half when odd: no test question has variants in both.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from augment.sources import load_embedded
from augment.symbolic.names import GENDER, GROUPS, find_names
from filters.numbers import find_numbers, format_number

DATA = Path(__file__).parent / "data"
PARAPHRASES = DATA / "contamination_paraphrases.jsonl"
WRITTEN = sorted(DATA.glob("contamination_dev_*.jsonl"))  # hand-written variants, provenance in the .md beside
ADDED_SENTENCES = [
    "Her cousin also visited the town last summer.",
    "The weather that day was sunny and warm.",
    "There were 12 people waiting in line at the time.",
    "A small dog barked at the mailbox outside.",
    "The shop had just repainted its front door green.",
    "It took 5 minutes to walk to the corner.",
    "Everyone agreed it had been a very busy week.",
    "The radio was playing an old song in the background.",
]
ADDED_STEPS = ["After that, {n} more were added.", "Later, {n} of them were given away.", "Then the total grew by {n}."]
P2_STEPS = [
    "Then {n} of them turned out to be damaged and were thrown away.",
    "On the way, {n} more were picked up.",
    "Before that, {n} had already been set aside.",
    "A neighbour then added {n} more.",
    "Later, {n} of them went missing.",
    "After that, the count went up by {n}.",
]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def renumber_naive(question: str, rng: random.Random) -> str | None:
    """Every number replaced by another of similar size, wording untouched."""
    mentions = [m for m in find_numbers(question) if not m.fraction]
    if not mentions:
        return None
    out, last = [], 0
    for m in mentions:
        start, end = m.number_span
        value = m.value
        new = value
        while new == value:
            new = max(value + rng.choice([-3, -2, -1, 1, 2, 3, 5, 10]) * max(1, int(abs(value)) // 10), 1)
        out.append(question[last:start] + format_number(new, m.decimals or None))
        last = end
    return "".join(out) + question[last:]


def rename(question: str, rng: random.Random) -> str | None:
    names = find_names(question)
    if not names:
        return None
    for name in names:
        options = [n for n in GROUPS[GENDER[name]] if n not in names]
        question = re.sub(rf"\b{name}\b", rng.choice(options), question)
    return question


def extend_added(question: str, rng: random.Random) -> str | None:
    sentences = _sentences(question)
    if len(sentences) < 2:
        return None
    return " ".join(sentences[:-1] + [rng.choice(ADDED_SENTENCES)] + sentences[-1:])


def extend_removed(question: str, rng: random.Random) -> str | None:
    sentences = _sentences(question)
    if len(sentences) < 4:
        return None
    drop = rng.randrange(1, len(sentences) - 1)
    return " ".join(sentences[:drop] + sentences[drop + 1 :])


def extend_changed(question: str, rng: random.Random) -> str | None:
    """A number changed and a step added before the question."""
    renumbered = renumber_naive(question, rng)
    sentences = _sentences(renumbered or "")
    if len(sentences) < 2:
        return None
    mentions = find_numbers(question)
    keep = _sentences(question)  # change only the first number, keep the rest as in the test
    changed = sentences[0] if mentions else keep[0]
    step = rng.choice(ADDED_STEPS).format(n=rng.randint(2, 9))
    return " ".join([changed, *keep[1:-1], step, keep[-1]])


def p2_templated(question: str, rng: random.Random) -> str | None:
    """GSM-Symbolic P2's construction: the wording kept, names and numbers changed, two step clauses
    inserted before the question (the hand-written `p2` kind also swaps objects and rewords)."""
    renumbered = renumber_naive(rename(question, rng) or question, rng)
    sentences = _sentences(renumbered or "")
    if len(sentences) < 2:
        return None
    for step in rng.sample(P2_STEPS, 2):
        sentences.insert(rng.randint(1, len(sentences) - 1), step.format(n=rng.randint(2, 9)))
    return " ".join(sentences)


def symbolic_renumbered(limit: int | None = None) -> list[tuple[str, int]]:
    """Renumbered test problems made by the symbolic engine (templated problems only)."""
    import numpy as np

    from augment.symbolic.annotated import parse_annotated
    from augment.symbolic.compiled import CompiledTemplate
    from augment.symbolic.generator import annotate_frame
    from augment.symbolic.variants import renumber

    test = load_embedded("test").frame
    if limit:
        test = test.head(limit)
    out = []
    for index, (question, answer, reason) in zip(test["source_index"].to_list(), annotate_frame(test)):
        if reason:
            continue
        template = CompiledTemplate(parse_annotated(question, answer))
        samples = template.sample(np.random.default_rng(index), 1)
        if samples:
            out.append((renumber(template, samples[0]).question, index))
    return out


def build_devset(seed: int = 0, with_symbolic: bool = True) -> list[dict]:
    """Rows {question, kind, test_index (None for negatives)}."""
    rng = random.Random(seed)
    test = load_embedded("test").questions
    rows = [{"question": q, "kind": "verbatim", "test_index": i} for i, q in enumerate(test)]
    makers = {
        "renumbered": renumber_naive,
        "renamed": rename,
        "extended-added": extend_added,
        "extended-removed": extend_removed,
        "extended-changed": extend_changed,
        "p2-templated": p2_templated,
    }
    for kind, make in makers.items():
        for i, question in enumerate(test):
            made = make(question, rng)
            if made and made != question:
                rows.append({"question": made, "kind": kind, "test_index": i})
    if with_symbolic:
        rows += [{"question": q, "kind": "renumbered-symbolic", "test_index": i} for q, i in symbolic_renumbered()]
    with open(PARAPHRASES, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            rows.append({"question": record["question"], "kind": "paraphrase", "test_index": record["test_index"]})
    written = {}  # one variant per (test question, kind): files written in parallel may overlap
    for path in WRITTEN:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            kind = f"gsmplus:{record['perturbation']}" if record["kind"] == "plus" else record["kind"]
            written.setdefault((record["test_index"], kind), record["question"])
    rows += [{"question": q, "kind": kind, "test_index": i} for (i, kind), q in written.items()]
    rows += [
        {"question": q, "kind": "negative-train", "test_index": None, "train_index": i}
        for i, q in enumerate(load_embedded("train").questions)
    ]
    return rows


def half(row: dict) -> str:
    """ "calibration" or "held-out": by the parity of the test index (train index for negatives)."""
    index = row["test_index"] if row["test_index"] is not None else row["train_index"]
    return "calibration" if index % 2 == 0 else "held-out"
