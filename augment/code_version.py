"""Hashes of code, so that what code made is never reused by other code.

`rows_code_hash` covers every file of the packages that make rows (their data included): it is part
of the run id, so after a change the same command neither resumes stale chunks nor finds its rows
already published. `modules_hash` covers a few modules and what they import from these packages:
the template cache key uses it, so a change to variants does not force deriving templates again.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

ROW_PACKAGES = ("augment", "filters", "dedup")
ROOT = Path(__file__).resolve().parent.parent


def _digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def rows_code_hash() -> str:
    """sha256 over the row-making packages' files (names and contents), compiled caches left out."""
    files = [
        path
        for package in ROW_PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    return _digest(sorted(files))


def _module_file(module: str) -> Path | None:
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_files(modules: tuple[str, ...]) -> list[Path]:
    """The files of `modules` and of every module of these packages they import, directly or not
    (read from their import statements, so a newly imported module joins by itself)."""
    todo, found = list(modules), {}
    while todo:
        module = todo.pop()
        path = _module_file(module)
        if module in found or path is None:
            continue
        found[module] = path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            todo += [name for name in names if name.partition(".")[0] in ROW_PACKAGES]
    return sorted(set(found.values()))


def modules_hash(modules: tuple[str, ...]) -> str:
    return _digest(imported_files(modules))
