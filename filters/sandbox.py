"""Program-of-thought runner: model-written Python runs only here, in an isolated subprocess.

The boundary is the kernel (`filters/sandbox_child.py`): fresh user (where not root), mount,
pid, network, IPC and UTS namespaces; an empty tmpfs as the root, so no host file is visible;
a fresh uid per run where root; no capabilities, no_new_privs; hard rlimits on CPU time,
address space, file size, open files and processes; `python -I -S`. An audit hook refuses
imports beyond a small stdlib allowlist, process creation, sockets, native code and frame
access as a second layer. The program arrives on stdin and its result leaves on a pipe only
this process holds. Where the kernel refuses the namespaces, programs are refused too:
`SandboxUnavailable`, never a weaker run. SECURITY.md says what this does and does not guarantee.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

from augment.errors import UserError
from filters.answers import parse_answer_value

CHILD = Path(__file__).with_name("sandbox_child.py")
MAX_OUTPUT_BYTES = 1 << 20  # what the parent reads from a program at most


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


class SandboxUnavailable(UserError):
    """This machine cannot isolate programs (no user namespaces, not root): none may run."""


def run_program(code: str, limits: SandboxLimits = SandboxLimits()) -> ProgramResult:
    """Execute `code` in the sandbox; its answer is `solution()`, a variable `answer`/`result`,
    or the last line it printed."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-S",
            str(CHILD),
            str(limits.cpu_seconds),
            str(limits.memory_mb << 20),
            str(limits.output_kb << 10),
            str(os.getpid()),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        start_new_session=True,
    )
    try:
        try:
            process.stdin.write(code.encode("utf-8", "replace"))
            process.stdin.close()
        except BrokenPipeError:
            pass
        output, failure = _read_result(process, limits)
    finally:
        _kill_group(process)  # nothing it started may outlive it
        process.stdout.close()
    return failure or _interpret(process.returncode, output.decode("utf-8", "replace"))


def run_programs(codes: list[str], limits: SandboxLimits = SandboxLimits(), workers: int = 4) -> list[ProgramResult]:
    """Run many programs, `workers` subprocesses at a time, results in input order."""
    require_isolation()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda code: run_program(code, limits), codes))


@cache
def require_isolation() -> None:
    """Raise `SandboxUnavailable` in one line unless a trivial program runs isolated here. Only this
    trusted probe decides: a hostile program that prints a refusal only fails itself."""
    probe = run_program("answer = 1")
    if probe.reason == "sandbox:unavailable":
        raise refusal(probe.detail)


def refusal(detail: str) -> SandboxUnavailable:
    return SandboxUnavailable(
        f"the sandbox cannot isolate programs on this machine ({detail}); it needs user namespaces, or root"
    )


def _read_result(process: subprocess.Popen, limits: SandboxLimits) -> tuple[bytes, ProgramResult | None]:
    """The tail of the child's stdout once it closes, within the wall time and MAX_OUTPUT_BYTES."""
    timeout = ProgramResult(None, None, "sandbox:timeout", f"killed after {limits.wall_seconds:g} s wall time")
    deadline, tail, size = time.monotonic() + limits.wall_seconds, b"", 0
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while chunk := _read_before(selector, process, deadline):
            tail, size = (tail + chunk)[-8192:], size + len(chunk)
            if size > MAX_OUTPUT_BYTES:
                return tail, ProgramResult(None, None, "sandbox:output-limit", "wrote more than the output limit")
    if chunk is None:
        return tail, timeout
    try:
        process.wait(max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        return tail, timeout
    return tail, None


def _read_before(selector: selectors.BaseSelector, process: subprocess.Popen, deadline: float) -> bytes | None:
    """The next chunk of output, b"" at its end, None when the deadline passes first."""
    while (remaining := deadline - time.monotonic()) > 0:
        if selector.select(remaining):
            return os.read(process.stdout.fileno(), 1 << 16)
    return None


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
