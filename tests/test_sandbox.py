"""The program-of-thought sandbox contains hostile programs and reports why a program gave no value."""

import os
import socket
import threading
import uuid
from fractions import Fraction

import pytest

from filters.sandbox import SandboxLimits, run_program, run_programs

LIMITS = SandboxLimits(cpu_seconds=2, wall_seconds=4, memory_mb=256)


def test_a_good_program_returns_its_value():
    result = run_program("def solution():\n    clips_may = 48 / 2\n    return 48 + clips_may\n", LIMITS)
    assert result.reason is None and result.value == Fraction(72)


@pytest.mark.parametrize(
    "code, value",
    [("answer = 3 * 4", 12), ("print(7)\nprint(21 // 2)", 10), ("import math\nresult = math.floor(7.9)", 7)],
)
def test_answer_variable_last_print_and_allowed_imports(code, value):
    assert run_program(code, LIMITS).value == value


def test_infinite_loop_is_killed_by_the_cpu_limit():
    assert (
        run_program("while True:\n    pass\n", SandboxLimits(cpu_seconds=1, wall_seconds=60)).reason
        == "sandbox:cpu-limit"
    )


def test_sleeping_forever_is_killed_by_the_wall_clock():
    assert run_program("import time\ntime.sleep(60)\n", LIMITS).reason == "sandbox:timeout"


def test_fork_bomb_is_refused():
    result = run_program("import os\nwhile True:\n    os.fork()\n", LIMITS)
    assert result.reason == "sandbox:forbidden" and "fork" in result.detail


def test_huge_allocation_hits_the_memory_limit():
    assert run_program("x = bytearray(4 * 1024 ** 3)\n", LIMITS).reason == "sandbox:memory"


def test_writing_outside_the_sandbox_is_refused(tmp_path):
    target = tmp_path / f"pwned-{uuid.uuid4().hex}"
    result = run_program(f"open({str(target)!r}, 'w').write('x')\n", LIMITS)
    assert result.reason == "sandbox:forbidden"
    assert not target.exists()


def test_reading_secrets_is_refused():
    assert run_program("answer = len(open('/etc/passwd').read())\n", LIMITS).reason == "sandbox:forbidden"


def test_network_is_refused():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    code = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}))\nanswer = 1\n"
    result = run_program(code, LIMITS)
    listener.close()
    assert result.reason == "sandbox:forbidden" and not accepted


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['touch', '/tmp/x'])",
        "__import__('subprocess').Popen(['id'])",
        "import os\nos.system('touch /tmp/x')",
        "import posix\nposix.system('touch /tmp/x')",
        "import ctypes\nctypes.CDLL(None).system(b'touch /tmp/x')",
        "g = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0].__init__.__globals__\n"
        "g['system']('touch /tmp/x')",
        "import os\nos.kill(os.getppid(), 9)",
        "import resource\nresource.setrlimit(resource.RLIMIT_CPU, (100, 100))\nwhile True: pass",
    ],
    ids=["subprocess", "dunder-import", "os.system", "posix", "ctypes", "subclasses-trick", "kill-parent", "setrlimit"],
)
def test_process_and_native_code_tricks_are_refused(code):
    result = run_program(code, LIMITS)
    assert result.reason in ("sandbox:forbidden", "sandbox:error", "sandbox:cpu-limit")
    assert result.value is None
    assert os.getpid() > 0  # the test process is alive


def test_flooding_output_is_contained():
    assert run_program("while True:\n    print('x' * 10000)\n", LIMITS).reason in (
        "sandbox:error",
        "sandbox:output-limit",
    )


def test_non_numeric_and_crashing_programs_report_reasons():
    assert run_program("answer = 'hello'", LIMITS).reason == "sandbox:non-numeric"
    assert run_program("answer = 1 / 0", LIMITS).reason == "sandbox:error"
    assert run_program("x = 1", LIMITS).reason == "sandbox:no-answer"


def test_many_programs_run_in_parallel_in_order():
    results = run_programs([f"answer = {i} * 2" for i in range(6)], LIMITS, workers=3)
    assert [r.value for r in results] == [i * 2 for i in range(6)]
