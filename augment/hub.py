"""`augment push`: send a verified version to a Hugging Face dataset repo or storage bucket.

A dataset repo holds one release at its root (so `load_dataset(repo)` sees one version's
shards, and the card is the repo's card) and a tag `vK` per version, so
`load_dataset(repo, revision="vK")` gives exactly that version. A bucket mirrors the
workspace layout `artifacts/data/<name>/vK/` plus the release's notes; files already
there are never overwritten. Only manifest-listed files (and the notes) are sent.

The token is whatever huggingface_hub finds (HF_TOKEN, the saved login); it is never printed.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from augment.announce import message_board, read_notes
from augment.publish import file_sha256, listed_entries, verify_release

_TARGET_RE = re.compile(r"^hf://(?P<kind>datasets|buckets)/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)(?:/(?P<path>.+?))?/?$")
# What a release owns in a dataset repo: old shards and reports go when a new version lands.
RELEASE_OWNED = ["data/*", "reports/*"]


@dataclass(frozen=True)
class Target:
    kind: str  # "datasets" or "buckets"
    repo_id: str
    path: str | None


def parse_target(text: str) -> Target:
    match = _TARGET_RE.fullmatch(text)
    if not match:
        raise ValueError(f"--to {text!r}: expected hf://datasets/ORG/NAME or hf://buckets/OWNER/BUCKET[/PREFIX]")
    if match["kind"] == "datasets" and match["path"]:
        raise ValueError(f"--to {text!r}: a dataset repo takes a release at its root (tag vK), not under a sub-path")
    return Target(match["kind"], f"{match['owner']}/{match['name']}", match["path"])


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def release_notes(version_dir: Path, manifest: dict) -> list[Path]:
    """The message-board notes of this version: those announcing it (their first line names it)
    and the proposals they link."""
    board = message_board(version_dir.parent.parent)
    header = f"# {manifest['name']} v{manifest['version']}:"
    if not board.is_dir():
        return []
    results = [p for p in board.glob("*.md") if p.read_text(encoding="utf-8").startswith(header)]
    proposals = [
        board / PurePosixPath(n.fields["proposal"]).name
        for n in read_notes(board)
        if n.path in results and "proposal" in n.fields
    ]
    return sorted({*results, *(p for p in proposals if p.is_file())})


def push(
    version_dir: Path, to: str, api=None, private: bool = False, dry_run: bool = False, create_pr: bool = False
) -> str:
    """Send a verified version; returns what was (or, with dry_run, would be) done, ending with its URL."""
    target = parse_target(to)
    problems = verify_release(version_dir)
    if problems:
        raise ValueError(f"{version_dir} does not match its manifest: {problems[0]}")
    if create_pr and target.kind == "buckets":
        raise ValueError("--create-pr applies to dataset repos only; buckets have no pull requests")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    manifest = json.loads((version_dir / "manifest.json").read_text())
    listed = sorted(["manifest.json", *(entry["path"] for entry in listed_entries(manifest))])
    message = f"Add {manifest['name']} v{manifest['version']} ({manifest['rows']:,} rows, run {manifest['run_id']})"
    if target.kind == "datasets":
        return _push_dataset(api, version_dir, target.repo_id, listed, message, manifest, private, dry_run, create_pr)
    files = {path: version_dir / path for path in listed}
    notes = {f"message_board/{note.name}": note for note in release_notes(version_dir, manifest)}
    return _push_bucket(api, target, files, notes, manifest, private, dry_run)


def _remote_matches(remote, local: Path) -> bool:
    """Whether a Hub RepoFile holds the same bytes as a local file (LFS sha256 or git blob id)."""
    if remote.lfs is not None:
        return remote.lfs.sha256 == file_sha256(local)
    return remote.blob_id == _git_blob_id(local)


def _remote_state(api, repo_id: str, revision: str, paths: list[str]) -> tuple[list[str], dict]:
    """All files at a revision, and the info of the given paths among them."""
    remote_files = api.list_repo_files(repo_id, revision=revision, repo_type="dataset")
    present = [p for p in paths if p in remote_files]
    infos = {info.path: info for info in api.get_paths_info(repo_id, present, revision=revision, repo_type="dataset")}
    return remote_files, infos


def _plan(version_dir: Path, listed: list[str], remote_files: list[str], infos: dict) -> list[str]:
    """One line per change: add, update or delete (unchanged files are not listed)."""
    lines = []
    for path in listed:
        if path not in infos:
            lines.append(f"add {path}")
        elif not _remote_matches(infos[path], version_dir / path):
            lines.append(f"update {path}")
    owned = [p for p in remote_files if any(p.startswith(prefix[:-1]) for prefix in RELEASE_OWNED)]
    lines += [f"delete {p}" for p in owned if p not in listed]
    return lines


def _push_dataset(api, version_dir, repo_id, listed, message, manifest, private, dry_run, create_pr) -> str:
    from huggingface_hub.utils import RepositoryNotFoundError, RevisionNotFoundError

    tag = f"v{manifest['version']}"
    url = f"https://huggingface.co/datasets/{repo_id}"
    try:
        tags = {ref.name for ref in api.list_repo_refs(repo_id, repo_type="dataset").tags}
    except RepositoryNotFoundError:
        tags = None
    if tags and tag in tags:
        remote_files, infos = _remote_state(api, repo_id, tag, listed)
        if _plan(version_dir, listed, remote_files, infos):
            raise ValueError(f"{repo_id} already has tag {tag} with different files; publish a new version instead")
        return f"{tag} is already on the Hub, identical: {url}/tree/{tag}"
    if dry_run:
        try:
            remote_files, infos = _remote_state(api, repo_id, "main", listed) if tags is not None else ([], {})
        except RevisionNotFoundError:  # a repo with no commit yet
            remote_files, infos = [], {}
        changes = _plan(version_dir, listed, remote_files, infos) or ["no file changes"]
        pr = " as a pull request" if create_pr else ""
        return "\n".join([f"dry run, nothing sent; would commit to {url}{pr}:", *changes, f"tag {tag}"])
    if tags is None:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        folder_path=str(version_dir),
        repo_type="dataset",
        allow_patterns=listed,
        delete_patterns=RELEASE_OWNED,
        commit_message=message,
        create_pr=create_pr,
    )
    api.create_tag(repo_id, tag=tag, revision=commit.oid, repo_type="dataset", tag_message=message)
    where = commit.pr_url if create_pr else f"{url}/tree/{tag}"
    return f"pushed {len(listed)} files and tag {tag}: {where}"


def _push_bucket(api, target: Target, files: dict, notes: dict, manifest: dict, private: bool, dry_run: bool) -> str:
    root = f"{target.path}/" if target.path else ""
    release = f"{root}artifacts/data/{manifest['name']}/v{manifest['version']}/"
    wanted = {release + path: local for path, local in files.items()} | {root + p: n for p, n in notes.items()}
    from huggingface_hub.errors import BucketNotFoundError

    try:
        remote = {info.path: info for info in api.get_bucket_paths_info(target.repo_id, list(wanted))}
    except BucketNotFoundError:
        remote = {}
    send, same = [], []
    for path, local in sorted(wanted.items()):
        if path not in remote:
            send.append(path)
        elif _bucket_file_matches(api, target.repo_id, remote[path], local):
            same.append(path)
        else:
            raise ValueError(
                f"hf://buckets/{target.repo_id}/{path} exists with different content; refusing to overwrite"
            )
    url = f"hf://buckets/{target.repo_id}/{release} (https://huggingface.co/buckets/{target.repo_id})"
    if dry_run:
        return "\n".join(
            [
                f"dry run, nothing sent; would upload to {url}:",
                *(f"add {p}" for p in send),
                *(f"skip {p} (identical)" for p in same),
            ]
        )
    if send:
        api.create_bucket(target.repo_id, private=private, exist_ok=True)
        api.batch_bucket_files(target.repo_id, add=[(str(wanted[p]), p) for p in send])
    return f"uploaded {len(send)} files, skipped {len(same)} identical: {url}"


def _bucket_file_matches(api, bucket_id: str, remote, local: Path) -> bool:
    """Same size, then the same bytes (the remote file is downloaded to compare; buckets expose no sha256)."""
    if remote.size != local.stat().st_size:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "remote"
        api.download_bucket_files(bucket_id, [(remote, str(copy))], raise_on_missing_files=True)
        return file_sha256(copy) == file_sha256(local)
