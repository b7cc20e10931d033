"""Runs inside the sandbox subprocess (see `filters.sandbox`); never imported by the service.

Order matters: preload the allowed modules, isolate the process (network namespace,
unprivileged user, limits), install the audit hook that refuses everything else, and
only then execute the untrusted program. The last line on stdout is the JSON result.
"""

import builtins
import io
import json
import os
import resource
import sys

ALLOWED_MODULES = (
    "math", "cmath", "fractions", "decimal", "statistics", "itertools", "functools", "collections",
    "datetime", "re", "operator", "string", "numbers", "typing", "dataclasses", "heapq", "bisect",
    "copy", "random", "time",
)  # fmt: skip
# Audit events that create processes, touch the network, load native code or change limits.
DENIED_PREFIXES = (
    "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty", "os.kill",
    "os.killpg", "os.chdir", "os.chroot", "os.putenv", "os.unsetenv", "os.set", "subprocess.",
    "pty.", "socket.", "ctypes.", "resource.setrlimit", "resource.prlimit", "mmap.", "signal.",
    "sys.remote_exec", "import", "winreg.", "webbrowser.", "urllib.", "http.", "ftplib.", "smtplib.",
)  # fmt: skip
# Events whose first argument is a path: allowed only inside the sandbox directory.
PATH_EVENTS = {
    "open", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
    "os.symlink", "os.truncate", "os.utime", "os.listdir", "os.scandir", "shutil.copyfile",
    "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move", "shutil.rmtree",
    "shutil.chown", "shutil.make_archive", "shutil.unpack_archive", "glob.glob", "os.walk",
}  # fmt: skip
NOBODY = 65534
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def isolate(workdir: str, cpu_seconds: int, memory_bytes: int, output_bytes: int) -> None:
    """Cut the network, drop root, and set hard limits that the program cannot raise."""
    import ctypes  # only here, before the hook; removed from sys.modules afterwards

    libc = ctypes.CDLL(None, use_errno=True)
    if os.geteuid() == 0:
        libc.unshare(CLONE_NEWNET)
        os.chown(workdir, NOBODY, NOBODY)
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    else:
        libc.unshare(CLONE_NEWUSER | CLONE_NEWNET)  # fails quietly where user namespaces are off
    for name in [n for n in sys.modules if n == "ctypes" or n.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]
    limits = {
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_AS: memory_bytes,
        resource.RLIMIT_FSIZE: output_bytes,
        resource.RLIMIT_NOFILE: 32,
        resource.RLIMIT_CORE: 0,
    }
    if os.getuid() == NOBODY:
        limits[resource.RLIMIT_NPROC] = 0
    for kind, value in limits.items():
        resource.setrlimit(kind, (value, value))


def install_guard(workdir: str) -> None:
    """Refuse, from now on, every audit event outside arithmetic and reading the sandbox dir."""
    root = os.path.realpath(workdir)

    def inside(path) -> bool:
        if isinstance(path, int):
            return path in (0, 1, 2)
        try:
            full = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return full == root or full.startswith(root + os.sep)

    def guard(event: str, args: tuple) -> None:
        if event.startswith(DENIED_PREFIXES):
            raise PermissionError(f"sandbox refused {event} {args[0]}" if event == "import" else f"sandbox refused {event}")
        if event in PATH_EVENTS and (not args or not inside(args[0])):
            raise PermissionError(f"sandbox refused {event} outside its directory")

    sys.addaudithook(guard)


class _BoundedOutput(io.TextIOBase):
    """Keeps the last few KB the program prints; a flood raises instead of filling memory."""

    def __init__(self, limit: int = 1 << 20):
        self.tail, self.size, self.limit = "", 0, limit

    def write(self, text: str) -> int:
        self.size += len(text)
        if self.size > self.limit:
            raise OverflowError("program printed more than the output limit")
        self.tail = (self.tail + text)[-4096:]
        return len(text)


def run(code: str) -> dict:
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    printed = _BoundedOutput()
    sys.stdout = printed
    try:
        exec(compile(code, "<program>", "exec"), namespace)
        value = namespace["solution"]() if callable(namespace.get("solution")) else None
        if value is None:
            value = next((namespace[k] for k in ("answer", "result", "ans") if k in namespace), None)
    except MemoryError:
        return {"ok": False, "kind": "memory", "error": "MemoryError"}
    except PermissionError as exc:
        return {"ok": False, "kind": "forbidden", "error": str(exc)[:200]}
    except BaseException as exc:  # the program's own failure, reported, never raised
        return {"ok": False, "kind": "error", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    finally:
        sys.stdout = sys.__stdout__
    lines = [ln.strip() for ln in printed.tail.splitlines() if ln.strip()]
    if value is None and lines:
        value = lines[-1]
    return {"ok": True, "value": None if value is None else str(value)[:200]}


def main() -> None:
    workdir, cpu, memory, output = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    code = open(os.path.join(workdir, "program.py"), encoding="utf-8").read()
    os.chdir(workdir)
    for module in ALLOWED_MODULES:  # before dropping root: the stdlib may be readable by root only
        __import__(module)
    isolate(workdir, cpu, memory, output)
    install_guard(workdir)
    result = run(code)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
