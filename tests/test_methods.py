"""The method registry: what it declares is complete, verification fails closed, no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

from augment.llm.prompts import template
from augment.methods import GENERATORS, REGISTRY, LLMMethod, default_mix, mixable
from augment.schema import CANDIDATE_SCHEMA, POLARS_SCHEMA, Candidate, candidate_frame, verification
from augment.stages import apply_stage
from augment.verification import VerifyPolicy, verify_stage

PACKAGES = ("augment", "filters", "dedup", "data_cards")


def test_every_method_declares_what_the_planner_generators_and_card_read():
    for name, method in REGISTRY.items():
        assert method.name == name and method.engine in ("dataset", *GENERATORS) and method.note
        for prompt in (getattr(method, "prompt", None), getattr(method, "program_prompt", None)):
            assert prompt is None or template(prompt)  # a prompt is named, and its file exists
    for generator in GENERATORS:
        assert abs(sum(default_mix(generator).values()) - 1) < 1e-9
    assert "original" not in mixable() and all(isinstance(REGISTRY[m], LLMMethod) for m in default_mix("llm"))


def test_one_candidate_schema_from_the_dataclass():
    published = [c for c in CANDIDATE_SCHEMA if not c.startswith("_")]
    assert all(CANDIDATE_SCHEMA[c] == POLARS_SCHEMA[c] for c in published)
    frame = candidate_frame([Candidate.failed("renumber", 3, 7, "symbolic:no-template")])
    assert frame.schema == CANDIDATE_SCHEMA and frame.row(0, named=True)["_drop"] == "symbolic:no-template"


def test_an_unregistered_method_cannot_publish():
    """A row that would pass every common check is dropped, with a counted reason, when its method is unknown."""
    question = "Tom has 3 apples and buys 4 more. How many apples does Tom have now?"
    answer = "Tom has 3 + 4 = <<3+4=7>>7 apples.\n#### 7"
    rows = [
        Candidate(name, 0, 1, question, answer, "7", verification=verification("re-execution", []))
        for name in ("original", "made_up")
    ]
    kept, dropped, stats = apply_stage(verify_stage(VerifyPolicy()), candidate_frame(rows))
    assert kept["method"].to_list() == ["original"]
    assert dropped["_drop"].to_list() == ["verify:unregistered-method"]
    assert stats.drops == {"verify:unregistered-method": 1}


def _module_imports() -> dict[str, set[str]]:
    """Every project module and the project modules it imports (at any depth, outside TYPE_CHECKING)."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                node.body = []
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_no_import_cycle_between_project_modules():
    graph = _module_imports()
    assert graph["augment.llm.generator"] >= {"augment.llm.prompts"}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_a_symbolic_row_off_the_clock_is_dropped():
    """The audit of a8ece2f (6036): a renumbered tank filled at "6 + 10 = 16pm"; its source said 10pm."""
    question = "It rains from 6 pm at 3 inches an hour. The tank is 30 inches tall. At what time is it full?"
    answers = {
        "16pm": "It takes 30 / 3 = <<30/3=10>>10 hours.\nThe tank is full at 6 + 10 = <<6+10=16>>16pm.\n#### 16",
        "4am": "It takes 30 / 3 = <<30/3=10>>10 hours.\nThe tank is full at 6 + 10 - 12 = <<6+10-12=4>>4am.\n#### 4",
    }
    rows = [
        Candidate(
            "renumber", 0, i, question, answer, answer[-2:].strip(), verification=verification("re-execution", [])
        )
        for i, answer in enumerate(answers.values())
    ]
    kept, dropped, stats = apply_stage(verify_stage(VerifyPolicy()), candidate_frame(rows))
    assert kept["final_answer"].to_list() == ["4"]
    assert stats.drops == {"verify:off-the-clock": 1}
