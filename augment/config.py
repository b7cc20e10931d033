"""One dataclass holds a run's settings; it is validated when built (`ConfigError`) and written into the manifest.

`RunConfig.fingerprint()` hashes every setting that changes the rows (not where they are
written), together with the hash of the code that makes them: it is the `run_id` of every row
and the key under which an interrupted run is resumed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from augment.code_version import rows_code_hash
from augment.errors import ConfigError
from augment.methods import GENERATORS, REGISTRY, default_mix, mixable
from dedup.index import DedupSettings
from filters.quality import QualityPolicy

_AGENT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # whole strings only: fullmatch


def parse_mix(text: str) -> dict[str, float]:
    """ "renumber=0.6,rename=0.2,backward=0.2" -> {"renumber": 0.6, ...}; raises ConfigError when malformed."""
    mix = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        method, sep, share = part.partition("=")
        try:
            mix[method.strip()] = float(share) if sep else 1.0
        except ValueError:
            raise ConfigError(f"mix entry {part!r} is not method=share") from None
    return mix


@dataclass
class ContaminationConfig:
    enabled: bool = True
    embeddings: str = "auto"  # auto: a static embedding distilled from MiniLM when installed; on: require it; off: none
    judge: bool = False  # the run's model (--model/--endpoint) decides the pairs the detector leaves undecided

    def __post_init__(self):
        if self.embeddings not in ("auto", "on", "off"):
            raise ConfigError("contamination.embeddings must be auto, on or off")
        self.judge = bool(self.judge) if self.judge in (None, True, False) else self.judge  # older manifests: null
        if not isinstance(self.judge, bool):
            raise ConfigError("contamination.judge is a switch (true or false); the model that judges is --model")


@dataclass
class LLMConfig:
    model: str | None = None
    endpoints: list[str] = field(default_factory=list)  # OpenAI-compatible servers instead of in-process vLLM
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    gpu_memory_utilization: float = 0.9
    max_model_len: int | None = None
    enforce_eager: bool = False
    dtype: str = "auto"
    temperature: float = 0.7
    max_tokens: int = 400
    samples: int = 4  # k solutions per question for self-consistency
    min_votes: int = 3
    min_share: float = 0.6
    structured: bool = True  # constrain solutions to end with a "#### N" line (vLLM structured outputs)
    concurrency: int = 32  # requests in flight per endpoint
    timeout: float = 120.0
    retries: int = 3

    def __post_init__(self):
        if self.samples < 1 or self.min_votes < 1 or not 0 < self.min_share <= 1:
            raise ConfigError("llm: samples and min_votes must be >= 1 and min_share within (0, 1]")
        if self.min_votes > self.samples:
            raise ConfigError(f"llm: min_votes ({self.min_votes}) cannot exceed samples ({self.samples})")
        if not 0 < self.gpu_memory_utilization <= 1:
            raise ConfigError("llm: gpu_memory_utilization must be within (0, 1]")


EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class ExecutorConfig:
    """Where the workers of a run live: local processes, or Ray actors on a cluster. It changes how rows
    are made, never which, so it is not a `RunConfig` setting: not in the run id nor in the manifest."""

    kind: str = "local"
    ray_address: str | None = None  # None: start a local Ray
    num_gpus_per_worker: float = 0.0  # GPUs of each LLM actor

    def __post_init__(self):
        if self.kind not in EXECUTORS:
            raise ConfigError(f"--executor must be one of {', '.join(EXECUTORS)} (got {self.kind!r})")
        if self.kind != "ray" and (self.ray_address or self.num_gpus_per_worker):
            raise ConfigError("--ray-address and --num-gpus-per-worker need --executor ray")
        if not 0 <= self.num_gpus_per_worker < math.inf:
            raise ConfigError(f"--num-gpus-per-worker must be >= 0 (got {self.num_gpus_per_worker})")


@dataclass
class SolverCheckConfig:
    """`--solver-check`: the run's model (the `llm` block, no engine of its own) re-solves every symbolic row
    `samples` times from its question alone; `augment.solver_check` keeps the row on a strict majority."""

    enabled: bool = False
    samples: int = 4

    def __post_init__(self):
        if self.samples < 1:
            raise ConfigError(f"--solver-samples must be at least 1 (got {self.samples})")


@dataclass
class RunConfig:
    n: int = 50_000
    seed: int = 0
    source: str = "embedded"
    generator: str = "symbolic"
    mix: dict[str, float] = field(default_factory=dict)
    max_per_source: int = 16
    include_original: bool = False
    templates: str | None = None  # an `augment templates` file to generate from instead of deriving
    chunk_size: int = 4096
    allow_fewer: bool = False
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    contamination: ContaminationConfig = field(default_factory=ContaminationConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    solver_check: SolverCheckConfig = field(default_factory=SolverCheckConfig)
    # where and how the run writes; these do not change the rows, so they are not in the fingerprint
    out: str = "artifacts/data"
    agent_id: str = "agent"
    name: str | None = None
    announce: bool = True
    workers: int = 2

    def __post_init__(self):
        if self.n < 1:
            raise ConfigError("n must be at least 1")
        if self.seed < 0:
            raise ConfigError(f"seed must be >= 0 (got {self.seed})")
        if self.generator not in GENERATORS:
            raise ConfigError(f"generator must be one of {', '.join(GENERATORS)}")
        self.mix = dict(self.mix or default_mix(self.generator))
        unknown = [m for m in self.mix if m not in mixable()]
        if unknown:
            raise ConfigError(f"unknown method(s) in mix: {', '.join(unknown)} (known: {', '.join(mixable())})")
        shares = self.mix.values()
        if not all(math.isfinite(share) and share >= 0 for share in shares) or not 0 < sum(shares) < math.inf:
            raise ConfigError(f"mix shares must be finite, >= 0 and not all zero (got {self.mix})")
        total = sum(self.mix.values())
        self.mix = {m: share / total for m, share in self.mix.items() if share > 0}
        if self.uses_llm and not (self.llm.model or self.llm.endpoints):
            raise ConfigError(
                f"methods {', '.join(m for m in self.mix if REGISTRY[m].engine == 'llm')} need --model or --endpoint"
            )
        if self.solver_check.enabled:
            self._check_solver_check()
        if self.contamination.judge and not (self.llm.model or self.llm.endpoints):
            raise ConfigError("--judge needs the model that judges the pairs: give --model or --endpoint")
        if self.contamination.judge and not self.contamination.enabled:
            raise ConfigError("--judge decides pairs of the test check, which --no-decontaminate turns off")
        if self.max_per_source < 1 or self.chunk_size < 1 or self.workers < 1:
            raise ConfigError("max_per_source, chunk_size and workers must be at least 1")
        if not _AGENT_ID_RE.fullmatch(self.agent_id):
            raise ConfigError(f"agent id {self.agent_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
        self.name = self.name or f"{self.agent_id}-gsm8k-aug"
        if not _AGENT_ID_RE.fullmatch(self.name):
            raise ConfigError(f"dataset name {self.name!r} must be 1-64 letters, digits, '.', '_' or '-'")

    def _check_solver_check(self) -> None:
        if not (self.llm.model or self.llm.endpoints):
            raise ConfigError("--solver-check needs the model that re-solves the rows: give --model or --endpoint")
        if not any(REGISTRY[m].engine == "symbolic" for m in self.mix):
            raise ConfigError(f"--solver-check checks symbolic rows, and the mix ({', '.join(self.mix)}) makes none")

    @property
    def uses_llm(self) -> bool:
        return any(REGISTRY[m].engine == "llm" for m in self.mix)

    @property
    def uses_model(self) -> bool:
        """The run calls a model: to write rows (LLM methods) or to check them (--solver-check, --judge)."""
        return self.uses_llm or self.solver_check.enabled or self.contamination.judge

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def fingerprint(self, source_identity: dict) -> str:
        """The run id: settings that shape the rows, the source's identity and the code that makes the rows."""
        # n and allow_fewer only decide how much of the row stream is published, not what it holds
        ignored = ("n", "allow_fewer", "out", "agent_id", "name", "announce", "workers")
        settings = without_unused_blocks({k: v for k, v in self.to_dict().items() if k not in ignored})
        blob = json.dumps({"settings": settings, "source": source_identity, "code": rows_code_hash()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def without_unused_blocks(settings: dict) -> dict:
    """Settings without the blocks that shape no row: `llm` when no model is called, `solver_check` when it is
    off, the judge switch when it is off. So a run's identities stay those of the releases made before these
    existed."""
    kept = dict(settings)
    mix = kept.get("mix") if isinstance(kept.get("mix"), dict) else {}  # a manifest may be anyone's
    solver = kept.pop("solver_check", None)
    checked = isinstance(solver, dict) and solver.get("enabled")
    if checked:
        kept["solver_check"] = solver
    contamination = kept.get("contamination")
    judged = isinstance(contamination, dict) and bool(contamination.get("judge"))
    if isinstance(contamination, dict) and not judged:
        kept["contamination"] = {k: v for k, v in contamination.items() if k != "judge"}
    if not (checked or judged) and not any(REGISTRY[m].engine == "llm" for m in mix if m in REGISTRY):
        kept.pop("llm", None)
    return kept


def run_config_dict(path: Path) -> dict:
    """The settings in a YAML or JSON file: a config block, or a whole manifest (its `config` block replays the run)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"--config {path}: cannot read it as YAML or JSON ({type(exc).__name__})") from None
    if isinstance(data, dict) and isinstance(data.get("config"), dict) and "run_id" in data:
        data = data["config"]
    if not isinstance(data, dict):
        raise ConfigError(f"--config {path}: expected a mapping of settings, got {type(data).__name__}")
    return data


def build_run_config(settings: dict) -> RunConfig:
    """A RunConfig from a settings mapping; an unknown key is one error naming it."""
    known = {f.name: f for f in dataclasses.fields(RunConfig)}
    values = {}
    for key, value in settings.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key!r} (known: {', '.join(known)})")
        default = known[key].default_factory() if known[key].default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default) and isinstance(value, dict):
            names = {f.name for f in dataclasses.fields(default)}
            unknown = [k for k in value if k not in names]
            if unknown:
                raise ConfigError(f"unknown setting {key}.{unknown[0]} (known: {', '.join(sorted(names))})")
            try:
                value = type(default)(**{**dataclasses.asdict(default), **value})
            except ConfigError:
                raise
            except (TypeError, ValueError) as exc:  # the quality and dedup policies check their own values
                raise ConfigError(f"setting {key}: {exc}") from None
        values[key] = value
    try:
        return RunConfig(**values)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"settings: {exc}") from None
