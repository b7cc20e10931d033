"""How `augment run`'s flags become a run's settings, and what the run says back about its `--mix`.

A flag overrides the setting of its own name, or the nested one `NESTED_FLAGS` names. With a
settings file only the flags given on the command line override it: a flag's default never does.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import typer

from augment.config import RunConfig, parse_mix, run_config_dict
from augment.methods import default_mix, mixable

# `run` flags that live in a nested config block; the others have the config key of their own name
NESTED_FLAGS = {
    "decontaminate": ("contamination", "enabled"),
    "embeddings": ("contamination", "embeddings"),
    "judge": ("contamination", "judge"),
    "endpoint": ("llm", "endpoints"),
    "solver_check": ("solver_check", "enabled"),
    "solver_samples": ("solver_check", "samples"),
    **{
        name: ("llm", name)
        for name in (
            "model",
            "tensor_parallel_size",
            "data_parallel_size",
            "gpu_memory_utilization",
            "max_model_len",
            "samples",
            "temperature",
            "max_tokens",
            "dtype",
            "enforce_eager",
        )
    },
}
MIX_HELP = (
    "method shares, e.g. "
    + ",".join(f"{m}={s:g}" for m, s in default_mix("symbolic").items())
    + f"; methods: {', '.join(mixable())}"
)
# how the run is carried out, not what it makes: not settings, so never in the run id or the manifest
NOT_SETTINGS = (
    "config_file",
    "resume",
    "dry_run",
    "quiet",
    "log_level",
    "anyway",
    "executor",
    "ray_address",
    "num_gpus_per_worker",
)
FLAG_TO_SETTING = {
    "mix": lambda v: parse_mix(v) if v else {},
    "templates": lambda v: str(v) if v else None,
    "out": str,
    "endpoint": lambda v: [e for e in (v or "").split(",") if e],
}
MIX_DRIFT = 0.02  # warn when a method's actual share is this far from its requested share


def default_agent_id() -> str:
    return os.environ.get("AUGMENT_AGENT_ID") or getpass.getuser()


def settings_from_flags(ctx: typer.Context, config_file: Path | None) -> dict:
    """The settings file's settings (none without one), overridden by the flags; the agent id defaulted."""
    flags = {k: v for k, v in ctx.params.items() if k not in NOT_SETTINGS}
    settings = run_config_dict(config_file) if config_file else {}
    # with a settings file only the flags given override it (typer's ParameterSource, compared by name)
    given = [k for k in flags if not config_file or ctx.get_parameter_source(k).name != "DEFAULT"]
    for key in given:
        value = FLAG_TO_SETTING.get(key, lambda v: v)(flags[key])
        if key in NESTED_FLAGS:
            block, field = NESTED_FLAGS[key]
            settings[block] = {**settings.get(block, {}), field: value}
            if key == "samples":
                settings["llm"]["min_votes"] = min(3, value)
        else:
            settings[key] = value
    settings["agent_id"] = settings.get("agent_id") or default_agent_id()
    return settings


def renormalised_mix_warning(requested: dict[str, float] | None, run_config: RunConfig) -> str | None:
    """Shares that do not sum to 1 are scaled; say to what, so a typo in a share is seen."""
    total = sum((requested or {}).values())
    if total and abs(total - 1) > 1e-9:
        return f"warning: mix shares sum to {total:g}; renormalised to " + ", ".join(
            f"{m}={s:.3f}" for m, s in run_config.mix.items()
        )
    return None


def mix_drift_warning(version_dir: Path, requested: dict[str, float]) -> str | None:
    """Methods whose share of the published rows is more than `MIX_DRIFT` from the requested share."""
    manifest = json.loads((version_dir / "manifest.json").read_text())
    actual = {m: count / max(manifest["rows"], 1) for m, count in manifest["methods"].items()}
    drifted = [m for m in {**requested, **actual} if abs(actual.get(m, 0) - requested.get(m, 0)) > MIX_DRIFT]
    if not drifted:
        return None
    return "warning: the actual mix drifts from the requested one: " + ", ".join(
        f"{m} {actual.get(m, 0):.1%} (requested {requested.get(m, 0):.1%})" for m in drifted
    )
