"""Runs inside the sandbox subprocess (see `filters.sandbox`); never imported by the service.

Order matters: read the program from stdin, preload the allowed modules, isolate the process
(namespaces, an empty private root, no capabilities, limits), install the audit hook, and only
then execute the program. The last JSON line on stdout, a pipe only the parent holds, is the result.
The kernel is the boundary; the audit hook is a second layer whose policy lives in closure cells
that the program cannot reach (frames, code objects and `gc` are refused to it).
"""

import io
import json
import os
import resource
import secrets
import signal
import sys

ALLOWED_MODULES = (
    "math",
    "cmath",
    "fractions",
    "decimal",
    "statistics",
    "itertools",
    "functools",
    "collections",
    "datetime",
    "re",
    "operator",
    "string",
    "numbers",
    "typing",
    "dataclasses",
    "heapq",
    "bisect",
    "copy",
    "random",
    "time",
)
WORKDIR = "/work"  # the program's cwd and only writable place, inside its own tmpfs root
SANDBOX_ID = 65534  # the program's uid/gid inside a user namespace (the unprivileged case)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
CAPABILITY_VERSION_3 = 0x20080522


class IsolationUnavailable(Exception):
    """The kernel refused a namespace: the program must not run at all."""


def isolate(cpu_seconds: int, memory_bytes: int, output_bytes: int, parent: int) -> None:
    """Enter fresh namespaces, pivot into an empty tmpfs, drop every privilege, set hard limits.

    Returns only in the sandboxed process (pid 1 of its own pid namespace); the process that
    called it waits and exits with its status. Both die when their parent does (`parent`: its pid)."""
    import ctypes  # only here, before the hook; removed from sys.modules afterwards

    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            raise IsolationUnavailable(f"{what}: {os.strerror(ctypes.get_errno())}")

    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")
    if os.getppid() != parent:  # the service died before the line above: nobody waits for a result
        os._exit(1)
    as_root = os.geteuid() == 0
    outer_uid, outer_gid = os.geteuid(), os.getegid()
    namespaces = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    check(libc.unshare(namespaces | (0 if as_root else CLONE_NEWUSER)), "unshare")
    if not as_root:  # one id mapped: our own, seen inside as an unprivileged user
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{SANDBOX_ID} {outer_uid} 1"),
            ("gid_map", f"{SANDBOX_ID} {outer_gid} 1"),
        ):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    child = os.fork()  # the child is pid 1 of the new pid namespace: it sees no other process
    if child:
        _relay_exit(child)
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    options = f"size={max(output_bytes, 1 << 20)},nr_inodes=64,mode=0755".encode()
    check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options), "mount tmpfs")
    os.mkdir("/tmp" + WORKDIR, 0o700)
    os.chdir("/tmp")
    check(libc.pivot_root(b".", b"."), "pivot_root")  # the host's root is stacked on top ...
    check(libc.umount2(b".", MNT_DETACH), "detach the host root")  # ... and gone
    os.chdir(WORKDIR)
    for capability in range(64):  # EINVAL past the last capability is expected
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    if as_root:  # a fresh uid per run: no file, process or pipe of a sibling belongs to it
        run_id = 100_000 + secrets.randbelow(1 << 30)
        os.chown(WORKDIR, run_id, run_id)
        os.setgroups([])
        os.setresgid(run_id, run_id, run_id)
        os.setresuid(run_id, run_id, run_id)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    check(libc.capset(header, (ctypes.c_uint32 * 6)()), "drop capabilities")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "parent-death signal")
    check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "not dumpable")
    for name in [n for n in sys.modules if n == "ctypes" or n.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]
    limits = {
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_AS: memory_bytes,
        resource.RLIMIT_FSIZE: output_bytes,
        resource.RLIMIT_NOFILE: 32,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: 0,
    }
    for kind, value in limits.items():
        resource.setrlimit(kind, (value, value))


def _relay_exit(child: int) -> None:
    """Wait for the sandboxed child and end the same way, so the parent reads its fate."""
    sys.stdin.close()
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        if os.WTERMSIG(status) not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def install_guard() -> None:
    """Refuse, from now on, every audit event outside arithmetic and the sandbox directory.

    Everything the hook uses is bound here, so rebinding module globals, builtins or `os.path`
    afterwards changes nothing."""
    denied = (
        "os.system",
        "os.exec",
        "os.spawn",
        "os.posix_spawn",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "os.chdir",
        "os.chroot",
        "os.putenv",
        "os.unsetenv",
        "os.set",
        "os.symlink",
        "os.link",
        "subprocess.",
        "pty.",
        "socket.",
        "ctypes.",
        "resource.",
        "mmap.",
        "signal.",
        "sys.remote_exec",
        "sys.addaudithook",
        "sys._getframe",
        "sys._current_frames",
        "sys.settrace",
        "sys.setprofile",
        "object.__getattr__",
        "object.__setattr__",
        "object.__delattr__",
        "gc.",
        "code.__new__",
        "function.__new__",
        "marshal.",
        "compile",
        "import",
        "_thread.",
        "winreg.",
        "webbrowser.",
        "urllib.",
        "http.",
        "ftplib.",
        "smtplib.",
        "fcntl.",
        "syslog.",
    )
    path_events = frozenset(
        (
            "open",
            "os.remove",
            "os.rename",
            "os.rmdir",
            "os.mkdir",
            "os.chmod",
            "os.chown",
            "os.truncate",
            "os.utime",
            "os.listdir",
            "os.scandir",
            "shutil.copyfile",
            "shutil.copymode",
            "shutil.copystat",
            "shutil.copytree",
            "shutil.move",
            "shutil.rmtree",
            "shutil.chown",
            "shutil.make_archive",
            "shutil.unpack_archive",
            "glob.glob",
            "os.walk",
        )
    )
    exact_type, str_type, bytes_type, int_type = type, str, bytes, int
    starts_with, split, decode = str.startswith, str.split, bytes.decode
    refused = PermissionError

    def inside(path) -> bool:
        kind = exact_type(path)
        if kind is int_type:
            return 0 <= path <= 2
        if kind is bytes_type:
            path, kind = decode(path, "utf-8", "replace"), str_type
        if kind is not str_type or ".." in split(path, "/"):
            return False
        return not starts_with(path, "/") or path == WORKDIR or starts_with(path, WORKDIR + "/")

    def guard(event: str, args: tuple) -> None:
        if starts_with(event, denied):
            raise refused(f"sandbox refused {event} {args[0]}" if event == "import" else f"sandbox refused {event}")
        if event in path_events and (not args or not inside(args[0])):
            raise refused(f"sandbox refused {event} outside its directory")

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


def run(program, namespace: dict) -> dict:
    printed = _BoundedOutput()
    sys.stdout = printed
    try:
        exec(program, namespace)
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


def emit(result: dict) -> None:
    sys.__stdout__.write("\n" + json.dumps(result) + "\n")
    sys.__stdout__.flush()


def main() -> None:
    cpu, memory, output, parent = (int(arg) for arg in sys.argv[1:5])
    source = sys.stdin.buffer.read().decode("utf-8", "replace")
    for module in ALLOWED_MODULES:  # before isolating: afterwards no file of the host is visible
        __import__(module)
    try:
        isolate(cpu, memory, output, parent)
    except (IsolationUnavailable, OSError) as exc:
        return emit({"ok": False, "kind": "unavailable", "error": str(exc)})
    try:  # under the limits: a hostile program can be costly to compile
        program = compile(source, "<program>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        return emit({"ok": False, "kind": "error", "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
    main_module = type(sys)("__main__")  # the program's own, empty __main__
    sys.modules["__main__"] = main_module
    install_guard()
    emit(run(program, main_module.__dict__))


if __name__ == "__main__":
    main()
