"""The sandbox holds against the attacks of the hardening issue, as root and as a normal user.

As root, the unprivileged case runs the attacks as uid 65534 (`setpriv`), in a private mount
namespace where the interpreter and the repository are made reachable for that user.
"""

import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from filters.sandbox import CHILD, SandboxLimits, refusal, run_programs

REPO = Path(__file__).resolve().parents[1]
ATTACKS = REPO / "tests" / "sandbox_attacks.py"
NOBODY = 65534
AS_ROOT = os.geteuid() == 0
USERS = ["root", "user"] if AS_ROOT else ["user"]


@pytest.fixture
def host(tmp_path_factory):
    """Host files any process could read or write, a listening port, and the spec file naming them."""
    base = Path(tempfile.mkdtemp(prefix="sandbox-host-"))
    base.chmod(0o755)
    home = base / "home"
    (home / ".cache" / "huggingface").mkdir(parents=True)
    secret = home / ".cache" / "huggingface" / "token"
    secret.write_text("hf_secret_token")
    (home / ".bashrc").write_text("# rc\n")
    for path in [home, home / ".cache", home / ".cache" / "huggingface"]:
        path.chmod(0o777)
    for path in [secret, home / ".bashrc"]:
        path.chmod(0o666)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    spec = {"secret": str(secret), "home": str(home), "port": listener.getsockname()[1], "test_pid": os.getpid()}
    (base / "spec.json").write_text(json.dumps(spec))
    (base / "spec.json").chmod(0o644)
    yield base
    listener.close()
    subprocess.run(["rm", "-rf", str(base)], check=False)


def attack(host: Path, user: str, mode: str) -> dict:
    """Run tests/sandbox_attacks.py in `mode` as `user`; its JSON outcome."""
    python = os.path.realpath(sys.executable)  # the base interpreter: -I -S needs only the stdlib
    argv = [python, "-I", "-S", str(ATTACKS), str(REPO), str(host / "spec.json"), mode]
    if user == "user" and AS_ROOT:
        argv = as_unprivileged_user(argv, needed=[os.path.realpath(sys.base_prefix), str(REPO)])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no outcome (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(lines[-1])


def as_unprivileged_user(argv: list[str], needed: list[str]) -> list[str]:
    """`argv` as uid 65534, in a mount namespace where each `needed` path is reachable:
    a directory closed to others (like /root) is covered by a tmpfs into which only the
    needed paths are bound."""
    script = ["set -e"]
    for path in needed:
        closed = next(
            (p for p in reversed(Path(path).parents) if p != Path("/") and not p.stat().st_mode & 0o001), None
        )
        if closed is None:
            continue
        stage = tempfile.mkdtemp(prefix="sandbox-stage-")
        inner = Path(path).relative_to(closed)
        script += [
            f"mount --bind {shlex.quote(str(closed))} {stage}",
            f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(closed))}",
            f"mkdir -p {shlex.quote(str(closed / inner))}",
            f"mount --bind {shlex.quote(f'{stage}/{inner}')} {shlex.quote(str(closed / inner))}",
        ]
    script.append(f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups {shlex.join(argv)}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)]


def assert_host_untouched(host: Path) -> None:
    home = host / "home"
    assert not (home / "escaped.txt").exists()
    assert (home / ".bashrc").read_text() == "# rc\n"
    assert (home / ".cache" / "huggingface" / "token").read_text() == "hf_secret_token"


@pytest.mark.parametrize("user", USERS)
def test_the_kernel_layer_alone_contains_a_program(host, user):
    """No audit hook here: namespaces, the empty root, dropped privileges and limits hold by themselves."""
    outcome = attack(host, user, "kernel")
    if "unavailable" in outcome:
        pytest.skip(f"no isolation for {user} here: {outcome['unavailable']}")
    assert outcome.pop("see-host-root") == "done: True"  # its root holds only its own /work
    escaped = {name: result for name, result in outcome.items() if not result.startswith("refused")}
    assert escaped == {}
    assert_host_untouched(host)


@pytest.mark.parametrize("user", USERS)
def test_hostile_programs_and_their_honest_siblings(host, user):
    """The issue's attacks through the whole sandbox: globals rewrite, token, .bashrc, ctypes,
    killing the parent, tampering with the hook; honest siblings in the same batch keep their answers."""
    outcome = attack(host, user, "programs")
    if "unavailable" in outcome:
        assert "cannot isolate programs" in outcome["unavailable"] and "\n" not in outcome["unavailable"]
        return
    assert outcome.pop("honest-siblings") == ["42", "43", "44", "45"]
    for name, (reason, text) in outcome.items():
        assert reason in ("sandbox:forbidden", "sandbox:error", "sandbox:crashed"), name
        assert text is None, name
    assert_host_untouched(host)


def test_runs_cannot_see_each_others_files():
    writers = ["open('mine.txt', 'w').write('x' * 100)\nanswer = 1"] * 3
    readers = ["import os\nanswer = len(os.listdir('.'))"] * 3
    results = run_programs(writers + readers, SandboxLimits(wall_seconds=30), workers=6)
    assert [r.text for r in results] == ["1", "1", "1", "0", "0", "0"]


def test_a_machine_without_isolation_refuses_in_one_line():
    assert "\n" not in str(refusal("unshare: Operation not permitted"))
    assert "cannot isolate programs on this machine" in str(refusal("unshare: Operation not permitted"))


def test_a_program_that_forges_a_refusal_fails_only_itself():
    forged = 'import os\nos.write(1, b\'\\n{"ok": false, "kind": "unavailable", "error": "forged"}\\n\')\nos._exit(0)'
    results = run_programs([forged, "answer = 42"], SandboxLimits(wall_seconds=30))  # no SandboxUnavailable
    assert results[0].reason == "sandbox:unavailable" and results[1].value == 42


def test_a_sandboxed_program_dies_with_the_service():
    """SIGKILL the process that runs a sleeping program: the sandbox processes go too (parent-death signals)."""
    marker = "37"  # a CPU limit no other test uses: it names this test's sandbox processes
    driver = (
        f"import sys; sys.path.insert(0, {str(REPO)!r})\nfrom filters.sandbox import SandboxLimits, run_program\n"
        f"print('started', flush=True)\nrun_program('import time\\ntime.sleep(600)', "
        f"SandboxLimits(cpu_seconds={marker}, wall_seconds=600))\n"
    )
    service = subprocess.Popen([sys.executable, "-c", driver], stdout=subprocess.PIPE, text=True)
    assert service.stdout.readline().strip() == "started"

    def sandboxes() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if entry.name.isdigit() and str(CHILD).encode() in argv and marker.encode() in argv:
                found.append(int(entry.name))
        return found

    while not sandboxes():  # the program has started
        assert service.poll() is None
    service.kill()
    service.wait()
    while sandboxes():  # gone without anyone waiting for its wall time (pytest's own timeout bounds this)
        os.sched_yield()
