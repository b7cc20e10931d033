"""An optional LLM judge for the pairs the contamination detector leaves undecided.

As the LMSYS decontaminator asks a strong model whether a retrieved pair is the same problem,
`augment audit --judge --model M` (and `augment run --judge` with the run's --model or --endpoint)
asks one, through the project's engines, about every question whose best pair scored between the scorer's
`judge_floor` and its threshold. A "yes" flags the question with the reason "judged"; the
CPU default never needs it.
"""

from __future__ import annotations

from augment.config import LLMConfig
from augment.errors import ConfigError
from augment.llm.engines import Request, check_model, make_engine
from augment.llm.prompts import render
from filters.contamination import ContaminationDetector, Verdict

ANSWER = r"(yes|no)"


def judge(detector: ContaminationDetector, questions: list, verdicts: list[Verdict], engine) -> list[Verdict]:
    """`verdicts` with every undecided question the judge calls the same problem flagged."""
    undecided = [i for i, verdict in enumerate(verdicts) if detector.undecided(verdict)]
    same = ask(engine, detector, [questions[i] for i in undecided], [verdicts[i].test_index for i in undecided])
    judged = list(verdicts)
    for i, yes in zip(undecided, same):
        if yes:
            judged[i] = Verdict(True, verdicts[i].test_index, verdicts[i].score, "judged")
    return judged


def ask(engine, detector: ContaminationDetector, questions: list[str], test_indices: list[int]) -> list[bool]:
    """For each question, whether the model calls it the same problem as its test question."""
    requests = [
        Request(
            render("judge", question=q, test_question=detector.test[t]),
            n=1,
            seed=k,
            temperature=0.0,
            max_tokens=3,
            regex=ANSWER,
        )
        for k, (q, t) in enumerate(zip(questions, test_indices))
    ]
    return [texts[0].strip().lower().startswith("yes") for texts in engine.generate(requests)]


def judge_engine(model: str | None, endpoints: list[str], **settings):
    """The engine `augment audit --judge` asks (each request carries its own sampling: one word, temperature 0)."""
    if not (model or endpoints):
        raise ConfigError("--judge needs the model that judges the pairs: give --model or --endpoint")
    check_model(model, endpoints)
    return make_engine(LLMConfig(model=model, endpoints=endpoints, samples=1, min_votes=1, **settings))
