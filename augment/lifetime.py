"""Nothing left behind: kill -9 gives a process no chance to clean up, so the next one does.

- Worker processes ask the kernel to kill them when their parent dies (Linux `PR_SET_PDEATHSIG`).
- Temporary files are named `<file>.tmp-<pid>`; whoever next writes `<file>` removes those
  whose writer is gone.
- A run holds an exclusive `flock` on its run id while it works: two identical runs never work,
  or publish, at the same time, and a run's staging directory left by a killed run is removed.
- Writes that fail (disk full, read-only filesystem) raise `OSError` naming the path.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

_PR_SET_PDEATHSIG = 1
_OS_ERROR_RE = re.compile(r"\(os error (\d+)\)")


def die_with_parent(parent: int) -> None:
    """Worker initializer: SIGKILL this process when `parent` exits, or exit now if it already has."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_dead_temporaries(path: Path) -> None:
    """Remove the `<path>.tmp-PID` files of writers that are gone (a killed `augment templates --out X`
    leaves `X.tmp-PID`); those of live writers stay."""
    prefix = f"{path.name}.tmp-"
    if path.parent.is_dir():
        for old in path.parent.iterdir():
            pid = old.name[len(prefix) :]
            if old.name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
                remove(old)


def temporary_for(path: Path) -> Path:
    """Where this process writes `path` before renaming it into place, once dead writers' are gone."""
    remove_dead_temporaries(path)
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def run_lock(path: Path, wait: bool = True, on_wait: Callable[[], None] = lambda: None) -> Iterator[bool]:
    """Hold an exclusive lock on `path` (created when missing) until the block ends; the kernel
    drops it when the process dies. Yields False instead of waiting when `wait` is False."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield True


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failed write under `path` (disk full, read-only, polars' IO errors) into an OSError
    that names it, so the command line can say it in one line."""
    try:
        yield
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno or errno.EIO, _reason(exc), str(path)) from exc
    except pl.exceptions.PolarsError as exc:
        if not _OS_ERROR_RE.search(str(exc)) and _nearly_full(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
        raise OSError(errno.EIO, _reason(exc), str(path)) from exc


def _nearly_full(path: Path) -> bool:
    """Whether the filesystem under `path` has under 1 MiB left: where the disk fills mid-footer, polars
    reports only a broken file ("Invalid thrift: transport error"), not the OS error."""
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        stats = os.statvfs(path)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 1 << 20


def _reason(exc: Exception) -> str:
    code = getattr(exc, "errno", None) or next(iter(_OS_ERROR_RE.findall(str(exc))), None)
    if code:
        return os.strerror(int(code))
    lines = str(exc).strip().splitlines()
    return lines[0][:160] if lines else type(exc).__name__


def describe(exc: OSError) -> str:
    """One line: the path and what went wrong."""
    reason = exc.strerror or _reason(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason
