"""The LLM generator: rephrase, resolve, backward, harder and distractor variants of train problems.

A chunk of tasks costs at most two batched model calls: first every new question is
written (rephrase, llm_backward, harder, distractor), then every question is solved k
times (and, for harder, turned into a program). Programs run in the sandbox. The
evidence (votes, share, program result, gold) goes into the `verification` column, and
the verify stage decides with the thresholds of the run.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import polars as pl

from augment.config import LLMConfig
from augment.llm.engines import Request, make_engine, model_hash
from augment.llm.prompts import EXAMPLE_WORDS, render
from augment.methods import REGISTRY, LLMMethod
from augment.methods.llm import hideable_numbers
from augment.schema import Candidate, candidate_frame, verification
from augment.stages import with_drops
from filters.answers import extract_answer
from filters.calculator import FINAL_RE, check_solution
from filters.numbers import format_number
from filters.sandbox import SandboxLimits, run_programs

_CODE_RE = re.compile(r"```(?:python)?\s*(.*?)```", re.DOTALL)


def solution_regex(max_chars: int) -> str:
    """Structured output for solutions: GSM8K lines, then a final "#### N" line, so every sample can be
    read. The bound keeps the final line inside the token budget (about three characters a token)."""
    return rf"[^#]{{0,{max_chars}}}\n#### -?[0-9][0-9,]{{0,12}}(\.[0-9]{{1,4}})?"


def question_prompt(method: LLMMethod, question: str, gold: Fraction, hidden: Fraction | None = None) -> list[dict]:
    """The prompt that asks a method's new question (the methods with a `prompt`)."""
    return render(method.prompt, question=question, hidden=format_number(hidden or 0), answer=format_number(gold))


def clean_question(text: str) -> str | None:
    """The problem a model wrote: its first paragraph, without labels or quotes; None if it asks nothing."""
    text = re.split(r"\n\s*\n|\n(?:Problem|Question|Answer|Rewritten|Harder|New problem)\s*:", text.strip())[0]
    text = re.sub(r"^(?:Rewritten|Harder|New problem|With a distractor)\s*:\s*", "", text.strip()).strip().strip('"')
    text = " ".join(text.split())
    return text if "?" in text and len(text.split()) >= 8 else None


_META_RE = re.compile(
    r"\b(?:the|this|original|new) (?:question|problem)\b|\bthe answer\b|\banswer is\b|\bmath problem\b", re.IGNORECASE
)


def foreign_text(written: str, source: str) -> str | None:
    """A drop reason when a written question has words its source lacks that show the model wrote about the
    task or copied its example (SmolLM2: "Struggling to find the answer to the question: ...")."""
    if any(re.search(rf"\b{word}\b", written) and not re.search(rf"\b{word}\b", source) for word in EXAMPLE_WORDS):
        return "llm:copied-example"
    if _META_RE.search(written) and not _META_RE.search(source):
        return "llm:meta-text"
    return None


def clean_solution(text: str) -> str:
    """A sampled solution up to and including its `####` line (models keep writing after it)."""
    text = re.split(r"\n\s*Question\s*:", text.strip())[0]
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if FINAL_RE.match(line):
            return "\n".join(lines[: i + 1]).strip()
    return text.strip()


def extract_program(text: str) -> str:
    match = _CODE_RE.search(text)
    return (match.group(1) if match else text.split("```")[0]).strip()


class LLMGenerator:
    def __init__(self, config: LLMConfig, sources: pl.DataFrame, excluded: dict[int, str], engine=None):
        self.config = config
        self.engine = engine or make_engine(config)
        self.engine_name = "openai" if config.endpoints else "vllm"
        self.model_hash = None if config.endpoints else model_hash(config.model)
        self.sources = {}
        for index, question, answer in sources.select("source_index", "question", "answer").iter_rows():
            if index not in excluded:
                self.sources[index] = (question, answer, check_solution(answer, question).final)
        self.limits = SandboxLimits()

    def generate_stage(self, tasks: pl.DataFrame) -> pl.DataFrame:
        """Stage function: candidate rows for LLM tasks, failures with a `_drop` reason."""
        rows = [self._task(*t) for t in tasks.select("task", "source_index", "method", "seed").iter_rows()]
        self._write_questions([r for r in rows if r["method"].prompt and not r["drop"]])
        self._solve([r for r in rows if not r["drop"]])
        self._run_programs([r for r in rows if r["method"].program_prompt and not r["drop"]])
        frame = candidate_frame([self._candidate(r) for r in rows]).with_columns(tasks["task"])
        return with_drops(frame, frame["_drop"].to_list(), frame["_detail"].to_list())

    def _task(self, task: int, source_index: int, name: str, seed: int) -> dict:
        method = REGISTRY[name]
        row = {"task": task, "source_index": source_index, "method": method, "seed": seed, "drop": None, "detail": None}
        if source_index not in self.sources:
            return row | {"drop": "llm:source-unusable"}
        question, answer, gold = self.sources[source_index]
        row |= {"source_question": question, "question": question, "gold": gold}
        if gold is None:
            return row | {"drop": "llm:source-has-no-answer"}
        row["drop"] = method.prepare(row)
        return row

    def _request(self, messages: list[dict], n: int, seed: int, regex: str | None = None) -> Request:
        return Request(messages, n, seed, self.config.temperature, self.config.max_tokens, regex)

    def _write_questions(self, rows: list[dict]) -> None:
        requests = [
            self._request(question_prompt(r["method"], r["source_question"], r["gold"], r.get("hidden")), 1, r["seed"])
            for r in rows
        ]
        for row, texts in zip(rows, self.engine.generate(requests)):
            written = clean_question(texts[0])
            if written is None:
                row |= {"drop": "llm:no-question", "detail": texts[0][:200]}
            elif reason := foreign_text(written, row["source_question"]) or row["method"].accept_question(written, row):
                row |= {"drop": reason, "detail": written[:200]}
            else:
                row["question"] = written

    def _solve(self, rows: list[dict]) -> None:
        k = self.config.samples
        regex = solution_regex(3 * self.config.max_tokens) if self.config.structured else None
        requests = [self._request(render("solve", question=r["question"]), k, r["seed"] + 1, regex) for r in rows]
        programs = [r for r in rows if r["method"].program_prompt]
        requests += [
            self._request(render(r["method"].program_prompt, question=r["question"]), 1, r["seed"] + 2)
            for r in programs
        ]
        outputs = self.engine.generate(requests)
        for row, texts in zip(rows, outputs):
            row["solutions"] = [clean_solution(t) for t in texts]
        for row, texts in zip(programs, outputs[len(rows) :]):
            row["program"] = extract_program(texts[0])

    def _run_programs(self, rows: list[dict]) -> None:
        results = run_programs([r["program"] for r in rows], self.limits)
        for row, result in zip(rows, results):
            row["program_result"] = result

    def _candidate(self, row: dict) -> Candidate:
        method, seed, source_index = row["method"], row["seed"], row["source_index"]
        if row["drop"]:
            return Candidate.failed(method.name, source_index, seed, row["drop"], row["detail"])
        answers = [extract_answer(s).value for s in row["solutions"]]
        target, votes, reason, detail = method.target(answers, row, self.config.min_votes, self.config.min_share)
        if reason:
            return Candidate.failed(method.name, source_index, seed, reason, detail)
        chosen = _choose(row["solutions"], target, row["question"])
        if chosen is None:
            return Candidate.failed(
                method.name,
                source_index,
                seed,
                "llm:no-solution-reaches-target",
                f"target {format_number(target)}, votes {votes}",
            )
        program = row.get("program_result")
        evidence = verification(
            method.evidence_kind,
            [],
            votes=votes,
            samples=len(answers),
            share=round(votes / max(len(answers), 1), 4),
            program_answer=None if program is None or program.value is None else format_number(program.value),
            gold=method.recorded_gold(target),
        )
        params = {
            "temperature": self.config.temperature,
            "samples": self.config.samples,
            "max_tokens": self.config.max_tokens,
        } | method.params(row)
        if self.model_hash:
            params["model_sha256"] = self.model_hash
        generator = {"engine": self.engine_name, "model": self.engine.model_name, "params": json.dumps(params)}
        return Candidate(
            method.name,
            source_index,
            seed,
            row["question"],
            chosen,
            format_number(target),
            verification=evidence,
            generator=generator,
        )


def _choose(solutions: list[str], target: Fraction, question: str) -> str | None:
    """The first solution that reaches the target and re-executes; else the first that reaches it."""
    extracted = [extract_answer(s) for s in solutions]
    reaching = [s for s, a in zip(solutions, extracted) if a.style == "####" and a.value == target]
    for solution in reaching:
        if check_solution(solution, question).ok:
            return solution
    return reaching[0] if reaching else None


def dry_run(config, echo=print) -> None:
    """Print the first rendered prompt of each method of the mix (and the solve/program prompts they use)."""
    from augment.sources import load_source

    source = load_source(config.source)
    for question, answer in source.frame.select("question", "answer").iter_rows():  # the first usable source
        final = check_solution(answer, question).final
        if final is not None:
            break
    for name in config.mix:
        method = REGISTRY[name]
        if not isinstance(method, LLMMethod):
            echo(f"=== {name}: {method.engine}, no prompt")
            continue
        if method.prompt is None:
            messages = render("solve", question=question)
        else:
            hidden = next(iter(hideable_numbers(question, final)), None)
            messages = question_prompt(method, question, final, hidden)
        echo(f"=== {name}\n{messages[0]['content']}\n")
        if method.program_prompt:
            echo(f"=== {name} (program of thought)\n{render(method.program_prompt, question=question)[0]['content']}\n")
    echo(
        f"=== solve (used {config.llm.samples} times per question to vote)\n"
        f"{render('solve', question=question)[0]['content']}"
    )
