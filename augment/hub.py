"""`augment push`: send a verified version to a Hugging Face dataset repo or storage bucket.

The token is whatever huggingface_hub finds (HF_TOKEN, the saved login); it is passed
to nobody else and never printed. A version is checked against its manifest before
anything is sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from augment.publish import listed_entries, verify_release

_TARGET_RE = re.compile(r"^hf://(?P<kind>datasets|buckets)/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)(?:/(?P<path>.+?))?/?$")


@dataclass(frozen=True)
class Target:
    kind: str  # "datasets" or "buckets"
    repo_id: str
    path: str | None


def parse_target(text: str) -> Target:
    match = _TARGET_RE.fullmatch(text)
    if not match:
        raise ValueError(f"--to {text!r}: expected hf://datasets/ORG/NAME or hf://buckets/OWNER/BUCKET/PATH")
    return Target(match["kind"], f"{match['owner']}/{match['name']}", match["path"])


def push(version_dir: Path, to: str, api=None, private: bool = False) -> str:
    """Upload the manifest and the files it lists; returns a one-line description of what was sent."""
    target = parse_target(to)
    problems = verify_release(version_dir)
    if problems:
        raise ValueError(f"{version_dir} does not match its manifest: {problems[0]}")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    manifest = json.loads((version_dir / "manifest.json").read_text())
    listed = sorted(["manifest.json", *(entry["path"] for entry in listed_entries(manifest))])
    files = [version_dir / path for path in listed]
    message = f"Add {manifest['name']} v{manifest['version']} ({manifest['rows']:,} rows, run {manifest['run_id']})"
    if target.kind == "datasets":
        api.create_repo(target.repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(folder_path=str(version_dir), repo_id=target.repo_id, repo_type="dataset",
                          path_in_repo=target.path, allow_patterns=listed, commit_message=message)  # fmt: skip
        return f"uploaded {len(files)} files to https://huggingface.co/datasets/{target.repo_id}: {message}"
    prefix = f"{target.path}/" if target.path else ""
    api.create_bucket(target.repo_id, private=private, exist_ok=True)
    api.batch_bucket_files(target.repo_id, add=[(str(f), prefix + f.relative_to(version_dir).as_posix()) for f in files])
    return f"uploaded {len(files)} files to hf://buckets/{target.repo_id}/{prefix}: {message}"
