"""Template coverage over GSM8K train: templated sources, skip reasons, the templates that sample a
variant, and the variable share (ruling 2's proxy: the share of the numbers a question states that
become variables). Reads the shipped records, or derives them afresh with --derive.

    python -m benchmarks.template_coverage [--derive]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

import numpy as np

from augment.sources import load_embedded
from augment.symbolic.annotated import parse_annotated
from augment.symbolic.compiled import CompiledTemplate
from augment.symbolic.generator import annotation_records, shipped_records
from augment.symbolic.quantities import question_quantities

VARIABLE_SLOT = re.compile(r"\{([^{}]+)\}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--derive", action="store_true", help="derive the templates instead of reading the shipped ones"
    )
    args = parser.parse_args()
    frame = load_embedded("train").frame
    if args.derive:
        records = annotation_records(frame, workers=2)
    else:
        records = shipped_records()
    reasons = Counter(record["skipped"] or "templated" for record in records)
    stated = varied = sampling = 0
    for question, record in zip(frame["question"].to_list(), records):
        stated += len(question_quantities(question))
        if record["skipped"] is None:
            body = record["question_annotated"].split("\n\n#init:")[0]
            varied += sum(bool(re.search(r"\bn\d+\b", slot)) for slot in VARIABLE_SLOT.findall(body))
            template = CompiledTemplate(parse_annotated(record["question_annotated"], record["answer_annotated"]))
            sampling += bool(template.sample(np.random.default_rng(record["row"]), 2))
    print(f"templated {reasons.pop('templated', 0):,} of {len(records):,}; {sampling:,} sample a variant")
    for reason, count in reasons.most_common():
        print(f"  {count:5,} {reason}")
    print(f"variable share: {varied:,}/{stated:,} = {varied / stated:.4f}")


if __name__ == "__main__":
    main()
