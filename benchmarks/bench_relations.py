"""What the relation conditions and magnitude caps cost: rejections by kind over train templates.

For each templated source (the first `--sources` of train), draws one batch of candidate numbers
that pass the step conditions (sign, integrality, ties), then counts how many each relation kind
rejects, how many sources keep no variant at all, and how many stated numbers each magnitude kind
caps. The run seed fixes the draws.

    python -m benchmarks.bench_relations [--sources 3000]
"""

import argparse
from collections import Counter

import numpy as np

from augment.sources import load_source
from augment.symbolic.annotated import parse_annotated
from augment.symbolic.compiled import CompiledTemplate
from augment.symbolic.expressions import evaluate_exact
from augment.symbolic.generator import annotate_frame
from augment.symbolic.magnitudes import kind_of as magnitude_kind
from augment.symbolic.quantities import question_quantities
from augment.symbolic.relations import KINDS, kind_of
from filters.arith import ExpressionError


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    frame = load_source("embedded", "train").frame.head(args.sources)
    drawn, rejected, emptied, templated, caps = 0, Counter(), Counter(), 0, Counter()
    for question, (annotated_q, annotated_a, _) in zip(frame["question"], annotate_frame(frame)):
        for quantity in question_quantities(question):
            if quantity.variable and magnitude_kind(question, quantity):
                caps[magnitude_kind(question, quantity)] += 1
        if annotated_q is None:
            continue
        template = parse_annotated(annotated_q, annotated_a)
        kinds = {c: kind_of(c) for c in template.conditions}
        base = [c for c, k in kinds.items() if k is None]
        template.conditions = base
        compiled = CompiledTemplate(template)
        picks = compiled.candidates(np.random.default_rng(len(question)), args.batch, batch=args.batch, attempts=1)
        if not picks:
            continue
        templated += 1
        drawn += len(picks)
        passing = np.ones(len(picks), dtype=bool)
        for kind in KINDS:
            conditions = [c for c, k in kinds.items() if k == kind]
            ok = np.array([all(_holds(c, p) for c in conditions) for p in picks], dtype=bool)
            rejected[kind] += int((~ok).sum())
            passing &= ok
        emptied["no variant left"] += int(not passing.any())
        rejected["any relation"] += int((~passing).sum())
    print(f"{templated:,} templated sources with candidates; {drawn:,} candidates passing the step conditions")
    for kind in (*KINDS, "any relation"):
        print(f"  {kind:14s} rejects {rejected[kind]:>8,} ({rejected[kind] / max(drawn, 1):.1%})")
    print(f"  sources left with no candidate in one batch: {emptied['no variant left']:,}")
    print(
        "stated numbers by magnitude kind (capped, banded or frozen): "
        + ", ".join(f"{k} {v}" for k, v in caps.most_common())
    )


def _holds(condition: str, values: dict) -> bool:
    try:
        return evaluate_exact(condition, values) is True
    except (ExpressionError, ZeroDivisionError):
        return False


if __name__ == "__main__":
    main()
