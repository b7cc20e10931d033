"""A recording, stateful, in-memory stand-in for `huggingface_hub.HfApi` (the Hub is unreachable in tests).

Every call is bound to the installed huggingface_hub's real signature of the same method, so a
renamed or misspelt argument fails here as it would against the Hub. Answers are the library's
own types (GitRefs, RepoFile, CommitInfo, BucketFile, BucketFolder). One instance is one Hub:
several agents' code can share it, as they share a bucket.
"""

from __future__ import annotations

import fnmatch
import hashlib
import inspect
from pathlib import Path

import httpx
import huggingface_hub
from huggingface_hub._buckets import BucketFile, BucketFolder
from huggingface_hub.errors import BucketNotFoundError, EntryNotFoundError, RepositoryNotFoundError
from huggingface_hub.hf_api import CommitInfo, GitRefInfo, GitRefs, RepoFile


def _not_found(error, what: str):
    return error(f"{what} not found", response=httpx.Response(404, request=httpx.Request("GET", "https://hub")))


class FakeHfApi:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.repos: dict[str, dict[str, bytes]] = {}  # repo -> path -> bytes at main
        self.commits: dict[str, dict[str, bytes]] = {}  # oid -> snapshot
        self.tags: dict[str, dict[str, str]] = {}  # repo -> tag -> oid
        self.buckets: dict[str, dict[str, bytes]] = {}

    def _record(self, name: str, *args, **kwargs) -> dict:
        bound = inspect.signature(getattr(huggingface_hub.HfApi, name)).bind(None, *args, **kwargs)
        arguments = dict(bound.arguments)
        arguments.pop("self")
        self.calls.append((name, arguments))
        return arguments

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def _snapshot(self, repo_id: str, revision: str) -> dict[str, bytes]:
        if repo_id not in self.repos:
            raise _not_found(RepositoryNotFoundError, repo_id)
        if revision == "main":
            return self.repos[repo_id]
        return self.commits[self.tags[repo_id].get(revision, revision)]

    # dataset repos
    def create_repo(self, *args, **kwargs):
        a = self._record("create_repo", *args, **kwargs)
        self.repos.setdefault(a["repo_id"], {})
        self.tags.setdefault(a["repo_id"], {})

    def list_repo_refs(self, *args, **kwargs):
        a = self._record("list_repo_refs", *args, **kwargs)
        if a["repo_id"] not in self.repos:
            raise _not_found(RepositoryNotFoundError, a["repo_id"])
        tags = [GitRefInfo(name=t, ref=f"refs/tags/{t}", target_commit=o) for t, o in self.tags[a["repo_id"]].items()]
        return GitRefs(branches=[], converts=[], tags=tags)

    def list_repo_files(self, *args, **kwargs):
        a = self._record("list_repo_files", *args, **kwargs)
        return sorted(self._snapshot(a["repo_id"], a.get("revision") or "main"))

    def get_paths_info(self, *args, **kwargs):
        a = self._record("get_paths_info", *args, **kwargs)
        files = self._snapshot(a["repo_id"], a.get("revision") or "main")
        infos = []
        for path in [a["paths"]] if isinstance(a["paths"], str) else a["paths"]:
            data = files[path]
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            lfs = None
            if path.endswith(".parquet"):
                lfs = {"size": len(data), "oid": hashlib.sha256(data).hexdigest(), "pointerSize": 134}
            infos.append(RepoFile(path=path, size=len(data), oid=blob, lfs=lfs))
        return infos

    def upload_folder(self, *args, **kwargs):
        a = self._record("upload_folder", *args, **kwargs)
        folder = Path(a["folder_path"])
        files = dict(self.repos[a["repo_id"]])
        for path in list(files):
            if any(fnmatch.fnmatch(path, pattern) for pattern in a.get("delete_patterns") or []):
                del files[path]
        for local in folder.rglob("*"):
            relative = local.relative_to(folder).as_posix()
            if local.is_file() and any(fnmatch.fnmatch(relative, p) for p in a.get("allow_patterns") or ["*"]):
                files[relative] = local.read_bytes()
        oid = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
        self.commits[oid] = files
        url = f"https://huggingface.co/datasets/{a['repo_id']}"
        pr_url = None
        if a.get("create_pr"):
            pr_url = f"{url}/discussions/1"
        else:
            self.repos[a["repo_id"]] = files
        return CommitInfo(
            commit_url=f"{url}/commit/{oid}",
            commit_message=a.get("commit_message") or "",
            commit_description="",
            oid=oid,
            pr_url=pr_url,
        )

    def create_tag(self, *args, **kwargs):
        a = self._record("create_tag", *args, **kwargs)
        self.tags[a["repo_id"]][a["tag"]] = a["revision"]

    # buckets
    def create_bucket(self, *args, **kwargs):
        a = self._record("create_bucket", *args, **kwargs)
        self.buckets.setdefault(a["bucket_id"], {})

    def get_bucket_paths_info(self, *args, **kwargs):
        a = self._record("get_bucket_paths_info", *args, **kwargs)
        if a["bucket_id"] not in self.buckets:
            raise _not_found(BucketNotFoundError, a["bucket_id"])
        files = self.buckets[a["bucket_id"]]
        for path in a["paths"]:
            if path in files:
                yield BucketFile(
                    type="file", path=path, size=len(files[path]), xetHash=hashlib.sha256(files[path]).hexdigest()
                )

    def batch_bucket_files(self, *args, **kwargs):
        a = self._record("batch_bucket_files", *args, **kwargs)
        for local, remote in a.get("add") or []:
            self.buckets[a["bucket_id"]][remote] = Path(local).read_bytes()

    def _bucket(self, bucket_id: str) -> dict[str, bytes]:
        if bucket_id not in self.buckets:
            raise _not_found(BucketNotFoundError, bucket_id)
        return self.buckets[bucket_id]

    @staticmethod
    def _bucket_file(path: str, data: bytes) -> BucketFile:
        return BucketFile(type="file", path=path, size=len(data), xetHash=hashlib.sha256(data).hexdigest())

    def list_bucket_tree(self, *args, **kwargs):
        """Like the Hub: `prefix` is a raw string prefix; not recursive, the first level below it only."""
        a = self._record("list_bucket_tree", *args, **kwargs)
        files = self._bucket(a["bucket_id"])
        prefix = a.get("prefix") or ""
        folders = set()
        for path in sorted(p for p in files if p.startswith(prefix)):
            rest = path[len(prefix) :].lstrip("/")
            if a.get("recursive") or "/" not in rest:
                yield self._bucket_file(path, files[path])
            elif (folder := path[: len(path) - len(rest)] + rest.split("/")[0]) not in folders:
                folders.add(folder)
                yield BucketFolder(type="directory", path=folder)

    def download_bucket_files(self, *args, **kwargs):
        a = self._record("download_bucket_files", *args, **kwargs)
        files = self._bucket(a["bucket_id"])
        wanted = [remote.path if isinstance(remote, BucketFile) else remote for remote, _ in a["files"]]
        missing = [path for path in wanted if path not in files]
        if missing and a.get("raise_on_missing_files"):
            raise EntryNotFoundError(f"{len(missing)} file(s) not found in bucket '{a['bucket_id']}'")
        for path, (_, local) in zip(wanted, a["files"]):
            if path in files:
                Path(local).write_bytes(
                    files[path]
                )  # no folder is made: callers make them (the Hub does only for empty files)
