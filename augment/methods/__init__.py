"""The registry of generation methods: one class per method (symbolic.py, llm.py), one line here.

Everything that used to match method names (the plan's eligibility, the generators, the
verifier, the `--mix` help and validation, the card) iterates over `REGISTRY`. A row whose
method is not registered is dropped by the verifier.
"""

from __future__ import annotations

from augment.methods.base import GenerationMethod
from augment.methods.llm import Distractor, Harder, LLMBackward, LLMMethod, Rephrase, Resolve
from augment.methods.symbolic import Backward, Original, Rename, Renumber, SymbolicMethod

REGISTRY: dict[str, GenerationMethod] = {
    method.name: method
    for method in (
        Original(),
        Renumber(),
        Rename(),
        Backward(),
        Rephrase(),
        Resolve(),
        LLMBackward(),
        Harder(),
        Distractor(),
    )
}
ORIGINAL = REGISTRY["original"]
GENERATORS = ("symbolic", "llm")  # the values of --generator: engines with a default mix


def names(engine: str) -> tuple[str, ...]:
    """The registered methods one engine makes, in registry order."""
    return tuple(name for name, method in REGISTRY.items() if method.engine == engine)


def mixable() -> tuple[str, ...]:
    """The methods `--mix` accepts: every registered one but the source itself."""
    return tuple(name for name, method in REGISTRY.items() if method is not ORIGINAL)


def default_mix(engine: str) -> dict[str, float]:
    return {
        name: method.default_share
        for name, method in REGISTRY.items()
        if method.engine == engine and method.default_share
    }


__all__ = [
    "GENERATORS",
    "ORIGINAL",
    "REGISTRY",
    "GenerationMethod",
    "LLMMethod",
    "SymbolicMethod",
    "default_mix",
    "mixable",
    "names",
]
