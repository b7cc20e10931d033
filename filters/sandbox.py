"""Program-of-thought runner: model-written Python runs only here, in a locked-down subprocess.

Layers, each enough for some attacks and together for all we test: a fresh temp dir as
the only writable place; `python -I -S` (no site-packages, no environment); a new session
killed as a group on timeout; hard rlimits on CPU time, address space, file size and open
files; as root, a private network namespace and the `nobody` user; and an audit hook that
refuses process creation, sockets, native code, imports beyond a small stdlib allowlist and
any file access outside the temp dir (`filters/sandbox_child.py`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from filters.answers import parse_answer_value

CHILD = Path(__file__).with_name("sandbox_child.py")


@dataclass(frozen=True)
class ProgramResult:
    """What a program computed, or why it did not: `reason` is None on success."""

    value: Fraction | None
    text: str | None
    reason: str | None
    detail: str = ""


@dataclass(frozen=True)
class SandboxLimits:
    cpu_seconds: int = 2
    wall_seconds: float = 5.0
    memory_mb: int = 256
    output_kb: int = 64


def run_program(code: str, limits: SandboxLimits = SandboxLimits()) -> ProgramResult:
    """Execute `code` in the sandbox; its answer is `solution()`, a variable `answer`/`result`,
    or the last line it printed."""
    with tempfile.TemporaryDirectory(prefix="augment-sandbox-") as workdir:
        Path(workdir, "program.py").write_text(code, encoding="utf-8")
        stdout_path = Path(workdir, "stdout")
        with open(stdout_path, "wb") as stdout:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(CHILD), workdir, str(limits.cpu_seconds),
                 str(limits.memory_mb << 20), str(limits.output_kb << 10)],
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.DEVNULL,
                cwd=workdir, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, start_new_session=True,
            )  # fmt: skip
            try:
                returncode = process.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                return ProgramResult(None, None, "sandbox:timeout", f"killed after {limits.wall_seconds:g} s wall time")
            finally:
                _kill_group(process)  # nothing it started may outlive it
        output = stdout_path.read_bytes()[-8192:].decode("utf-8", "replace")
    return _interpret(returncode, output)


def run_programs(codes: list[str], limits: SandboxLimits = SandboxLimits(), workers: int = 4) -> list[ProgramResult]:
    """Run many programs, `workers` subprocesses at a time, results in input order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda code: run_program(code, limits), codes))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _interpret(returncode: int, output: str) -> ProgramResult:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return ProgramResult(None, None, "sandbox:cpu-limit", f"killed by signal {-returncode}")
    if returncode == -signal.SIGXFSZ:
        return ProgramResult(None, None, "sandbox:output-limit", "wrote more than the output limit")
    lines = [ln for ln in output.splitlines() if ln.startswith("{")]
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return ProgramResult(None, None, "sandbox:crashed", f"exit code {returncode}, no result")
    if not result.get("ok"):
        kind = result.get("kind", "error")
        return ProgramResult(None, None, f"sandbox:{kind}", result.get("error", ""))
    text = result.get("value")
    if text is None:
        return ProgramResult(None, None, "sandbox:no-answer", "no solution(), answer variable or output")
    value = parse_answer_value(text)
    if value is None:
        return ProgramResult(None, text, "sandbox:non-numeric", f"answer {text[:60]!r} is not a number")
    return ProgramResult(value, text, None)
