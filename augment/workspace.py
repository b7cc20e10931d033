"""The shared workspace: find who already makes the same rows, list the releases, fetch one.

A workspace is a folder (or a bucket, `hf://buckets/OWNER/BUCKET[/PREFIX]`) holding
`artifacts/data/<name>/vK/` and `message_board/`, with no lock and no database: the
manifests and the notes are the whole state. `augment run` reads only the local folder.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from augment.announce import config_fingerprint, message_board, propose, read_notes, workspace_path
from augment.config import RunConfig
from augment.errors import UserError
from augment.lifetime import remove, temporary_for
from augment.publish import listed_entries, manifest_problem, read_manifest, verify_release

PROPOSAL_LIFETIME = timedelta(hours=24)  # an older proposal with no results note no longer blocks
_RELEASE_RE = re.compile(r"artifacts/data/(?P<name>[^/]+)/v(?P<version>[0-9]+)/manifest\.json")
_SPEC_RE = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})(?:@v(?P<version>[0-9]+))?")


class WorkspaceCollision(UserError):
    """Another agent has published or proposed the same config fingerprint."""

    exit_code = 3


@dataclass(frozen=True)
class Claim:
    agent: str
    fingerprint: str
    what: str  # "published" or "proposed"
    where: str
    created: datetime


def _workspace_claims(root: Path, data_dirs: list[Path]) -> list[Claim]:
    """Every release in the data folders and every note on the board, as (agent, fingerprint) claims."""
    claims = []
    for data_dir in dict.fromkeys(d.resolve() for d in data_dirs):
        for manifest_path in sorted(data_dir.glob("*/v*/manifest.json")):
            manifest = read_manifest(manifest_path.parent)
            config = manifest.get("config") if isinstance(manifest, dict) else None
            if isinstance(config, dict) and isinstance(manifest.get("source"), dict):
                claims.append(
                    Claim(
                        str(config.get("agent_id")),
                        config_fingerprint(config, manifest["source"]),
                        "published",
                        workspace_path(manifest_path.parent, root),
                        datetime.fromtimestamp(manifest_path.stat().st_mtime, timezone.utc),
                    )
                )
    for note in read_notes(message_board(root / "artifacts")):
        if "agent" in note.fields and "config fingerprint" in note.fields:
            claims.append(
                Claim(
                    note.fields["agent"],
                    note.fields["config fingerprint"],
                    "proposed" if note.kind == "proposal" else "published",
                    workspace_path(note.path, root),
                    note.created,
                )
            )
    return claims


def check_collision(config: RunConfig, source: dict, anyway: bool, log=print) -> None:
    """Before a run takes its lock or writes anything: stop if another agent in this local workspace has
    published this config, or proposed it within a day (unless `anyway`). Only the local folder is read."""
    fingerprint = config_fingerprint(config.to_dict(), source)
    root = message_board(Path(config.out)).parent
    now = datetime.now(timezone.utc)
    claims = _workspace_claims(root, [root / "artifacts" / "data", Path(config.out)])
    others = [
        c
        for c in claims
        if c.fingerprint == fingerprint
        and c.agent != config.agent_id
        and (c.what == "published" or now - c.created <= PROPOSAL_LIFETIME)
    ]
    if others and not anyway:
        first = min(others, key=lambda c: c.what != "published")  # releases come first in `claims`
        raise WorkspaceCollision(
            f"{first.agent} already {first.what} this config (fingerprint {fingerprint}) in {first.where}; "
            f"use theirs (augment list, augment get) or pass --anyway"
        )
    if others:
        log(f"--anyway: {len(others)} other claim(s) on config {fingerprint}, e.g. {others[0].where}")


def post_proposal(config: RunConfig, source: dict, run_id: str) -> Path | None:
    """The proposal note, unless --no-announce or this agent's proposal for this run id is still open
    (a resumed run is not a new one)."""
    if not config.announce:
        return None
    board = message_board(Path(config.out))
    notes = read_notes(board)
    closed = {n.fields.get("proposal") for n in notes if n.kind == "results"}
    for note in notes:
        if (
            note.kind == "proposal"
            and note.fields.get("agent") == config.agent_id
            and note.fields.get("run id") == run_id
            and workspace_path(note.path, board.parent) not in closed
        ):
            return None
    return propose(config, config_fingerprint(config.to_dict(), source), run_id)


@dataclass
class Release:
    name: str
    version: int
    location: str
    agent: str | None = None
    rows: int | None = None
    methods: dict | None = None
    run_id: str | None = None
    created: str | None = None
    check: str = "sha256"  # "sha256": every file's checksum verified; "sizes": files present with their sizes
    problem: str | None = None

    @property
    def verified(self) -> bool:
        return self.problem is None

    def to_dict(self) -> dict:
        rows = self.rows or 0
        mix = {m: round(n / rows, 4) for m, n in (self.methods or {}).items()} if rows else {}
        return asdict(self) | {"verified": self.verified, "mix": mix}

    def line(self) -> str:
        mix = ", ".join(f"{m} {share:.1%}" for m, share in self.to_dict()["mix"].items()) or "-"
        if self.problem:
            status = f"verify FAILED: {self.problem}"
        else:
            status = "verify ok" if self.check == "sha256" else "files and sizes ok (get verifies checksums)"
        rows = f"{self.rows:,} rows" if self.rows is not None else "? rows"
        return " | ".join(
            [
                f"{self.name} v{self.version}",
                self.agent or "?",
                rows,
                mix,
                f"run {self.run_id or '?'}",
                self.created or "?",
                status,
            ]
        )


def _describe(release: Release, manifest: object) -> Release:
    """Fill in what the manifest says, keeping only values of the right type (a manifest may be anyone's)."""
    if not isinstance(manifest, dict):
        return release
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    text = {
        key: value if isinstance(value, str) else None
        for key, value in (
            ("agent", config.get("agent_id")),
            ("run_id", manifest.get("run_id")),
            ("created", manifest.get("created_utc")),
        )
    }
    release.agent, release.run_id, release.created = text["agent"], text["run_id"], text["created"]
    release.rows = manifest["rows"] if type(manifest.get("rows")) is int else None
    methods = manifest.get("methods")
    if isinstance(methods, dict) and all(type(n) is int for n in methods.values()):
        release.methods = methods
    return release


def local_releases(root: Path) -> list[Release]:
    releases = []
    for manifest_path in (root / "artifacts" / "data").glob("*/v*/manifest.json"):
        match = _RELEASE_RE.fullmatch(manifest_path.relative_to(root).as_posix())
        if match:
            version_dir = manifest_path.parent
            problems = verify_release(version_dir)
            releases.append(
                _describe(
                    Release(
                        match["name"],
                        int(match["version"]),
                        str(version_dir),
                        problem=problems[0] if problems else None,
                    ),
                    read_manifest(version_dir),
                )
            )
    return sorted(releases, key=lambda r: (r.name, r.version))


def _bucket_files(api, bucket_id: str, prefix: str) -> dict:
    from huggingface_hub import BucketFile

    return {
        f.path: f for f in api.list_bucket_tree(bucket_id, prefix=prefix, recursive=True) if isinstance(f, BucketFile)
    }


def bucket_releases(api, bucket_id: str, root: str) -> list[Release]:
    """Every release in a bucket: manifests downloaded, files checked present at their manifest sizes."""
    files = _bucket_files(api, bucket_id, f"{root}artifacts/data/")
    found = {path: m for path in files if (m := _RELEASE_RE.fullmatch(path.removeprefix(root)))}
    releases = []
    with tempfile.TemporaryDirectory() as scratch:
        local = {path: Path(scratch) / str(i) for i, path in enumerate(sorted(found))}
        for folder in local.values():
            folder.mkdir()
        api.download_bucket_files(bucket_id, [(files[p], str(folder / "manifest.json")) for p, folder in local.items()])
        for path, match in sorted(found.items(), key=lambda item: (item[1]["name"], int(item[1]["version"]))):
            prefix = path.removesuffix("manifest.json")
            release = Release(match["name"], int(match["version"]), f"hf://buckets/{bucket_id}/{prefix}", check="sizes")
            manifest = read_manifest(local[path])
            release.problem = _remote_problem(
                manifest, {p.removeprefix(prefix): f for p, f in files.items() if p.startswith(prefix)}
            )
            releases.append(_describe(release, manifest))
    return releases


def _remote_problem(manifest: object, remote: dict) -> str | None:
    """The first mismatch between a manifest and the files a bucket holds beside it."""
    if isinstance(manifest, Exception):
        return f"manifest.json: unreadable ({type(manifest).__name__})"
    malformed = manifest_problem(manifest)
    if malformed:
        return f"manifest.json: {malformed}"
    entries = {entry["path"]: entry for entry in listed_entries(manifest)}
    for path, entry in entries.items():
        if path not in remote:
            return f"{path}: missing"
        if isinstance(entry.get("bytes"), int) and remote[path].size != entry["bytes"]:
            return f"{path}: {remote[path].size} bytes, manifest says {entry['bytes']}"
    extra = sorted(set(remote) - set(entries) - {"manifest.json"})
    return f"{extra[0]}: not listed in the manifest" if extra else None


def list_releases(workspace: str, api=None) -> list[Release]:
    if not workspace.startswith("hf://"):
        root = Path(workspace)
        if not root.is_dir():
            raise ValueError(f"workspace {workspace} is not a directory")
        return local_releases(root)
    bucket_id, root = _bucket_workspace(workspace)
    return bucket_releases(api or _hf_api(), bucket_id, root)


def _bucket_workspace(text: str) -> tuple[str, str]:
    from augment.hub import parse_target

    target = parse_target(text)
    if target.kind != "buckets":
        raise ValueError(f"{text}: a workspace is a local folder or hf://buckets/OWNER/BUCKET[/PREFIX]")
    return target.repo_id, f"{target.path}/" if target.path else ""


def _hf_api():
    from huggingface_hub import HfApi

    return HfApi()


def get(spec: str, source: str = ".", to: Path = Path("artifacts/data"), api=None) -> tuple[Path, str]:
    """Fetch NAME[@vK] (default: its latest version) into `to/NAME/vK/`; returns the directory and what
    happened. Files land in a staging folder beside it, are verified, then renamed into place."""
    match = _SPEC_RE.fullmatch(spec)
    if not match:
        raise ValueError(f"{spec!r}: expected NAME or NAME@vK")
    name = match["name"]
    if source.startswith("hf://"):
        bucket_id, root = _bucket_workspace(source)
        api = api or _hf_api()
        files = _bucket_files(api, bucket_id, f"{root}artifacts/data/{name}/")
        available = {int(m["version"]) for p in files if (m := _RELEASE_RE.fullmatch(p.removeprefix(root)))}
    else:
        if not Path(source).is_dir():
            raise ValueError(f"workspace {source} is not a directory")
        local = Path(source) / "artifacts" / "data" / name
        available = {
            int(m["version"])
            for p in local.glob("v*/manifest.json")
            if (m := _RELEASE_RE.fullmatch(p.relative_to(Path(source)).as_posix()))
        }
    version = int(match["version"]) if match["version"] else max(available, default=0)
    if version not in available:
        have = ", ".join(f"v{v}" for v in sorted(available)) or "no version"
        raise ValueError(f"{source}: {name} has {have}" + (f", not v{version}" if match["version"] else ""))
    final = to / name / f"v{version}"
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = temporary_for(final)  # `vK.tmp-PID`: a killed fetch's folder goes with the next fetch
    remove(staging)
    staging.mkdir()
    try:
        if source.startswith("hf://"):
            prefix = f"{root}artifacts/data/{name}/v{version}/"
            manifest = _fetch(
                staging,
                f"{name} v{version} in {source}",
                lambda paths: api.download_bucket_files(
                    bucket_id, [(files[prefix + p], str(staging / p)) for p in paths if prefix + p in files]
                ),
            )
        else:
            origin = local / f"v{version}"
            manifest = _fetch(
                staging,
                f"{name} v{version} in {source}",
                lambda paths: [shutil.copyfile(origin / p, staging / p) for p in paths if (origin / p).is_file()],
            )
        problems = verify_release(staging)
        if problems:
            raise ValueError(
                f"{name} v{version} from {source} fails verification: {problems[0]}".replace(str(staging), str(final))
            )
        try:
            os.rename(staging, final)  # refuses to replace a non-empty folder
            return final, f"fetched {name} v{version} from {source} into {final}; every checksum verified"
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                raise
        if verify_release(final) or read_manifest(final) != manifest:
            raise ValueError(f"{final} exists and differs from {name} v{version} in {source}; refusing to replace it")
        return final, f"{final} is already here, identical and verified"
    finally:
        remove(staging)


def _fetch(staging: Path, what: str, copy) -> dict:
    """The manifest first, then every file it lists (`copy` takes paths relative to the version)."""
    copy(["manifest.json"])
    manifest = read_manifest(staging)
    reason = type(manifest).__name__ if isinstance(manifest, Exception) else manifest_problem(manifest)
    if reason:
        raise ValueError(f"{what}: manifest.json is missing or malformed ({reason})")
    paths = [entry["path"] for entry in listed_entries(manifest)]
    for path in paths:
        (staging / PurePosixPath(path)).parent.mkdir(parents=True, exist_ok=True)
    copy(paths)
    return manifest


def load_line(version_dir: Path) -> str:
    return f'datasets.load_dataset("{version_dir.resolve()}", split="train")'
