"""Nothing left behind by kill -9, and one publish per run id, with real `augment` processes.

Waits poll for a state (a chunk on disk, a line printed, a process gone) with a generous
deadline; nothing asserts how long anything took.
"""

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, augment_cli, write_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

ENV = os.environ | {"AUGMENT_AGENT_ID": "tester", "PYTHONUNBUFFERED": "1"}


def run_args(source: Path, out: Path, n: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "augment.cli",
        "run",
        "--n",
        str(n),
        "--source",
        str(source),
        "--max-per-source",
        "16",
        "--chunk-size",
        "64",
        "--out",
        str(out),
        "--embeddings",
        "off",
        "--quiet",
        *extra,
    ]


def poll(predicate, limit: float = 300.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def state(pid: int) -> str | None:
    """The process state letter from /proc (None when the process is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def dead(pid: int) -> bool:
    return state(pid) in (None, "Z", "X")


def kill_group(process: subprocess.Popen) -> None:
    """After the test, whatever it asserted: the run and every process it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def leftovers(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if ".tmp-" in p.name or p.name.startswith(".publish-"))


@pytest.fixture
def helper():
    """A live process that holds a lock on the path it is given until the test ends."""
    started = []

    def start(lock: Path | None = None) -> subprocess.Popen:
        code = (
            "import fcntl, sys\nif len(sys.argv) > 1:\n    h = open(sys.argv[1], 'a'); fcntl.flock(h, fcntl.LOCK_EX)\n"
            "print('ready', flush=True); sys.stdin.read()"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code, *([str(lock)] if lock else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().strip() == "ready"
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_workers_die_with_a_run_killed_by_sigkill(small_source, tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen(
        run_args(small_source, out, 3000, "--workers", "2", "--no-announce"),
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert poll(lambda: any(out.glob("*/.runs/*/chunks/000000")) or process.poll() is not None)
        assert process.poll() is None, "the run ended before it could be killed"
        workers = [pid for pid in children(process.pid) if not dead(pid)]
        assert len(workers) >= 2  # two generation workers (and multiprocessing's resource tracker)
        process.kill()  # the run only: its process group is left alone
        process.wait()
        assert poll(lambda: all(dead(pid) for pid in workers), limit=60), [state(p) for p in workers]
    finally:
        kill_group(process)


def test_two_identical_runs_at_once_publish_once(small_source, tmp_path):
    """The first run is stopped while it holds the run's lock; the second must wait for it, then
    find the version the first one published."""
    out = tmp_path / "artifacts" / "data"
    first = subprocess.Popen(
        run_args(small_source, out, 600),
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    second_log = tmp_path / "second.log"
    try:
        assert poll(lambda: any(out.glob("*/.runs/*/chunks/000000")) or first.poll() is not None)
        first.send_signal(signal.SIGSTOP)
        assert first.poll() is None, "the first run ended before the second started"
        with open(second_log, "w") as log:
            second = subprocess.Popen(
                run_args(small_source, out, 600), cwd=tmp_path, env=ENV, stdout=log, stderr=subprocess.STDOUT
            )
            assert poll(lambda: "waiting for it to finish" in second_log.read_text() or second.poll() is not None)
            assert second.poll() is None, second_log.read_text()
            first.send_signal(signal.SIGCONT)
            first_out, first_err = first.communicate(timeout=600)
            assert second.wait(timeout=600) == 0, second_log.read_text()
    finally:
        kill_group(first)
    assert first.returncode == 0, first_err
    dataset = out / "tester-gsm8k-aug"
    assert sorted(p.name for p in dataset.glob("v*")) == ["v1"]
    assert "published 600 rows" in first_out and "already published" in second_log.read_text()
    assert len(list((tmp_path / "message_board").glob("*_dataset.md"))) == 1
    assert leftovers(out) == []


def test_the_next_run_removes_what_killed_runs_left(small_source, tmp_path, helper):
    """Leftovers as kill -9 leaves them: a run's own staging and temporaries, the staging of a run
    that no one runs any more, next to the staging of a run still alive (kept)."""
    out = tmp_path / "out"
    args = run_args(small_source, out, 60, "--no-announce")[3:]
    assert augment_cli(*args, cwd=tmp_path).returncode == 0
    dataset = out / "tester-gsm8k-aug"
    run_id = json.loads((dataset / "v1" / "manifest.json").read_text())["run_id"]
    store = dataset / ".runs" / run_id
    stale = [
        dataset / f".publish-{run_id}-0badc0de",
        dataset / ".publish-00000000deadbeef-0badc0de",
        store / "chunks" / f"000099.tmp-{dead_pid()}",
        store / f"run.json.tmp-{dead_pid()}",
    ]
    for path in stale[:3]:
        (path / "data").mkdir(parents=True)
        (path / "data" / "train-00000-of-00001.parquet").write_bytes(b"partial")
    stale[3].write_text("{")
    live = dataset / ".publish-1111111111111111-0badc0de"
    live.mkdir()
    helper(dataset / ".runs" / "1111111111111111.lock")
    again = augment_cli(*args[:2], "80", *args[3:], cwd=tmp_path)  # same run id, more rows: new work, v2
    assert again.returncode == 0, again.stderr
    assert (dataset / "v2").is_dir() and not any(p.exists() for p in stale) and live.is_dir()
    assert leftovers(out) == [str(live)]


def test_templates_out_removes_temporaries_of_dead_writers_only(tmp_path, train_rows, helper):
    source = tmp_path / "train.jsonl"
    write_jsonl(source, train_rows[:20])
    out = tmp_path / "templates.jsonl"
    gone = tmp_path / f"templates.jsonl.tmp-{dead_pid()}"
    writing = tmp_path / f"templates.jsonl.tmp-{helper().pid}"
    gone.write_text("partial")
    writing.write_text("partial")
    result = augment_cli("templates", str(source), "--out", str(out), "--workers", "1", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert not gone.exists() and writing.exists() and len(out.read_text().splitlines()) == 20


def test_a_held_run_lock_is_exclusive(tmp_path, helper):
    from augment.lifetime import run_lock

    lock = tmp_path / "x.lock"
    holder = helper(lock)
    with run_lock(lock, wait=False) as held:
        assert not held
    holder.kill()
    holder.wait()
    with run_lock(lock, wait=False) as held, open(lock) as other:
        assert held
        with pytest.raises(BlockingIOError):  # another open file description conflicts while the lock is held
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
