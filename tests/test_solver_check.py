"""`--solver-check`: the decision rule on recorded model outputs, its settings, and a real run through SmolLM2."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import polars as pl
import pytest
from conftest import CPU_ENV, FIXTURES, augment_cli, write_jsonl

from augment.announce import config_fingerprint
from augment.config import ContaminationConfig, LLMConfig, RunConfig, SolverCheckConfig
from augment.errors import ConfigError
from augment.llm.engines import Request
from augment.schema import Candidate, candidate_frame, verification
from augment.solver_check import SolverCheck, decide, required_agreement, stated_answer
from augment.stages import apply_stage


def test_the_rule_is_a_strict_majority_of_stated_answers():
    """k = 4 needs 3 and k = 3 needs 2: half is not enough."""
    assert [required_agreement(k) for k in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    kept = decide(["... \n#### 72", "#### 72.0", "#### 70", "The answer is $72."], "72")
    assert kept.reason is None and kept.agree == 3 and kept.samples == 4
    half = decide(["#### 72", "#### 72", "#### 70", "#### 71"], "72")
    assert half.reason == "solver:disagree" and half.detail() == "2 of 4 state 72; stated: 72, 72, 70, 71"


def test_latex_answers_count_and_trailing_numbers_do_not():
    """math-verify reads what our parser cannot (ruling 5); a number the model trailed off on is not an answer."""
    assert stated_answer("so she has \\boxed{\\frac{144}{2}} apples") is not None
    assert decide(["\\boxed{\\frac{144}{2}}", "\\boxed{72}", "so 72"], "72").agree == 2
    trailing = decide(["so she has 72", "He sold 72", "#### 9"], "72")
    assert trailing.reason == "solver:disagree" and trailing.agree == 0
    assert trailing.stated == [None, None, "9"]


def test_recorded_smollm2_outputs():
    """SmolLM2-135M-Instruct's four samples for three symbolic rows, verbatim: what each sample states (an empty
    `####` line states nothing; "the final answer:\n192" states 192), and every row refused. The published
    answers are right (2 + 6 + 2 * 8 = 24; 4 tubs * 6 * 8 = 192; 20 * 16 / 4 = 80): the model is what fails."""
    recorded = json.loads((FIXTURES / "solver_smollm2.json").read_text(encoding="utf-8"))
    for row in recorded:
        verdict = decide(row["texts"], row["published"])
        assert (verdict.stated, verdict.reason) == (row["stated"], "solver:disagree"), row["source"]
    assert [r["stated"] for r in recorded] == [
        [None, "3", "14", "4"],
        ["240", "192", "192", "82"],
        ["32", "1688649688888.75", "220", "380"],
    ]
    assert decide(["", "I cannot solve this."], "5").reason == "solver:no-answer"


class RecordedEngine:
    """Recorded solutions by question: the stage's mechanics without loading a model."""

    model_name = "recorded"

    def __init__(self, texts_by_question: dict[str, list[str]]):
        self.texts_by_question, self.batches = texts_by_question, []

    def generate(self, batch: list[Request]) -> list[list[str]]:
        self.batches.append(batch)
        asked = [re.findall(r"Question: (.*)", r.messages[-1]["content"])[-1].strip() for r in batch]
        assert all("####" not in r.messages[-1]["content"].split("Question: ")[-1] for r in batch)  # no answer shown
        return [self.texts_by_question[q][: r.n] for q, r in zip(asked, batch)]


def test_the_stage_asks_once_per_chunk_about_symbolic_rows_only_and_records_the_agreement():
    recorded = json.loads((FIXTURES / "solver_smollm2.json").read_text(encoding="utf-8"))
    agreeing = "Ed has 2 + 6 = <<2+6=8>>8 cats and dogs, so 2 * 8 = <<2*8=16>>16 fish.\n8 + 16 = <<8+16=24>>24\n#### 24"
    engine = RecordedEngine(
        {
            recorded[0]["question"]: [agreeing, agreeing, agreeing, *recorded[0]["texts"]],
            recorded[1]["question"]: recorded[1]["texts"],
        }
    )
    rows = [
        ("renumber", recorded[0]["question"], "24"),
        ("backward", recorded[1]["question"], "4"),
        ("original", "A train question, published as it is?", "7"),
    ]
    frame = candidate_frame(
        [
            Candidate(
                method,
                i,
                100 + i,
                question,
                f"#### {final}",
                final,
                verification=verification("re-execution", ["quality"]),
            )
            for i, (method, question, final) in enumerate(rows)
        ]
    )
    stage = SolverCheck(engine, LLMConfig(model="recorded", temperature=0.7, max_tokens=200), samples=4)
    kept, dropped, stats = apply_stage(stage, frame)
    assert len(engine.batches) == 1 and [r.n for r in engine.batches[0]] == [4, 4]
    assert [r.seed for r in engine.batches[0]] == [100, 101] and engine.batches[0][0].regex.endswith("(\\.[0-9]{1,4})?")
    assert kept["method"].to_list() == ["renumber", "original"]
    checked, original = kept["verification"].to_list()
    assert checked | {"checks": None} == {
        "kind": "re-execution",
        "checks": None,
        "votes": 3,
        "samples": 4,
        "share": 0.75,
        "program_answer": None,
        "gold": "24",
    }
    assert checked["checks"] == ["quality", "solver"] and original["checks"] == ["quality"]
    assert dropped["_drop"].to_list() == ["solver:disagree"]
    assert dropped["_detail"].to_list() == ["0 of 4 state 4; stated: 240, 192, 192, 82"]
    assert dict(stats.drops) == {"solver:disagree": 1}


def test_the_switch_needs_an_engine_and_symbolic_rows():
    with pytest.raises(ConfigError, match="--solver-check needs the model"):
        RunConfig(solver_check=SolverCheckConfig(enabled=True))
    with pytest.raises(ConfigError, match="makes none"):
        RunConfig(generator="llm", llm=LLMConfig(model="m"), solver_check=SolverCheckConfig(enabled=True))
    with pytest.raises(ConfigError, match="at least 1"):
        SolverCheckConfig(enabled=True, samples=0)


def test_the_switch_is_in_the_run_id_and_off_leaves_both_identities_as_before():
    """Off, the block is left out, so a default run keeps the identities of releases made before it existed."""
    source = {"sha256": "x"}
    off = RunConfig(contamination=ContaminationConfig(embeddings="off"))
    checked = RunConfig(
        contamination=ContaminationConfig(embeddings="off"),
        llm=LLMConfig(model="m"),
        solver_check=SolverCheckConfig(enabled=True),
    )
    more_samples = RunConfig(
        contamination=ContaminationConfig(embeddings="off"),
        llm=LLMConfig(model="m"),
        solver_check=SolverCheckConfig(enabled=True, samples=5),
    )
    assert len({off.fingerprint(source), checked.fingerprint(source), more_samples.fingerprint(source)}) == 3
    older = {k: v for k, v in off.to_dict().items() if k != "solver_check"}
    assert config_fingerprint(off.to_dict(), source) == config_fingerprint(older, source)
    assert config_fingerprint(checked.to_dict(), source) != config_fingerprint(off.to_dict(), source)


def test_the_flag_without_an_engine_is_one_line(small_source, tmp_path):
    result = augment_cli("run", "--solver-check", "--source", str(small_source), "--n", "5", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: --solver-check needs the model that re-solves the rows: give --model or --endpoint"
    ]


def test_the_default_run_neither_lists_the_stage_nor_imports_vllm(small_source, tmp_path):
    program = (
        "import sys\n"
        "from augment.config import ContaminationConfig, RunConfig\n"
        "from augment.pipeline import run\n"
        f"config = RunConfig(n=20, source={str(small_source)!r}, max_per_source=1, out={str(tmp_path / 'out')!r}, "
        "agent_id='tester', announce=False, workers=1, contamination=ContaminationConfig(embeddings='off'))\n"
        "result = run(config, show_progress=False, log=lambda line: None)\n"
        "print([stage.name for stage in result.funnel], 'vllm' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    stages, vllm = result.stdout.strip().rsplit("] ", 1)
    assert "solver-check" not in stages and "decontaminate" in stages and vllm == "False"


@pytest.mark.slow
def test_a_solver_checked_run_through_smollm2(smollm2, tmp_path, train_rows):
    """A handful of sources through the real CPU model: a clean exit with the funnel (or the one-line
    "nothing accepted"), every kept symbolic row agreed on by a majority, every other one dropped with a reason,
    the original rows unchecked, and the card saying how rows were checked."""
    folder, _ = smollm2
    source = tmp_path / "train.jsonl"
    write_jsonl(source, train_rows[100:104])
    result = augment_cli(
        "run",
        "--solver-check",
        "--solver-samples",
        "3",
        "--model",
        str(folder),
        "--enforce-eager",
        "--max-model-len",
        "2048",
        "--max-tokens",
        "160",
        "--source",
        str(source),
        "--n",
        "50",
        "--allow-fewer",
        "--include-original",
        "--max-per-source",
        "1",
        "--workers",
        "1",
        "--embeddings",
        "off",
        "--quiet",
        "--no-announce",
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
        env=CPU_ENV,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "solver-check" in result.stdout and "dedup" in result.stdout  # the funnel
    version = next((tmp_path / "out").glob("*/v1"))
    rows = pl.read_parquet(version / "data" / "*.parquet")
    checked = rows.filter(pl.col("method") != "original")
    for evidence in checked["verification"].to_list():
        assert "solver" in evidence["checks"] and evidence["votes"] >= 2 and evidence["samples"] == 3
    originals = rows.filter(pl.col("method") == "original")["verification"].to_list()
    assert originals and all("solver" not in e["checks"] for e in originals)
    drops = pl.read_parquet(version / "reports" / "drops.parquet").filter(pl.col("stage") == "solver-check")
    assert drops["reason"].is_in(["solver:disagree", "solver:no-answer"]).all()
    assert drops["detail"].str.contains(r"^\d of 3 state \d+; stated: ").all()
    manifest = json.loads((version / "manifest.json").read_text())
    funnel = next(s for s in manifest["funnel"] if s["name"] == "solver-check")
    assert funnel["rows_in"] - funnel["rows_out"] == drops.height
    assert "Symbolic rows were model-checked" in (version / "README.md").read_text()
