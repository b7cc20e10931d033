"""The run id follows the code that makes rows; the template cache key only the derivation's code;
the workspace fingerprint no code at all. Shown on an edited copy of the packages, in real subprocesses."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

IDENTITIES = """
import json

import polars as pl

import augment
from augment.announce import config_fingerprint
from augment.config import RunConfig
from augment.symbolic.generator import cache_key

config, source = RunConfig(), {"sha256": "0" * 64}
frame = pl.DataFrame({"source_index": [0], "question": ["Ann has 3 apples."], "answer": ["3 apples\\n#### 3"]})
print(json.dumps({"package": augment.__file__, "run_id": config.fingerprint(source), "template_key": cache_key(frame),
                  "workspace": config_fingerprint(config.to_dict(), source)}))
"""


@pytest.fixture()
def package_copy(tmp_path) -> Path:
    copy = tmp_path / "copy"
    for package in ("augment", "filters", "dedup", "data_cards"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def identities(copy: Path) -> dict:
    environment = os.environ | {"PYTHONPATH": str(copy)}
    command = [sys.executable, "-c", IDENTITIES]
    result = subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert Path(found["package"]).is_relative_to(copy)
    return found


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# an edit\n")


def test_an_edit_to_row_making_code_changes_the_run_id_but_not_the_workspace_fingerprint(package_copy):
    before = identities(package_copy)
    edit(package_copy / "augment" / "symbolic" / "variants.py")
    after_variants = identities(package_copy)
    assert after_variants["run_id"] != before["run_id"]
    assert after_variants["workspace"] == before["workspace"]  # ruling 6: no code version in the collision check
    assert after_variants["template_key"] == before["template_key"]  # variants do not change templates
    (package_copy / "augment" / "llm" / "prompts" / "rephrase.txt").write_text("Rephrase it.\n")
    after_prompt = identities(package_copy)
    assert after_prompt["run_id"] != after_variants["run_id"]
    assert after_prompt["template_key"] == before["template_key"]


def test_an_edit_to_the_derivation_changes_the_template_key(package_copy):
    before = identities(package_copy)
    edit(package_copy / "augment" / "symbolic" / "ties.py")  # imported by template.py, not named in the key
    after = identities(package_copy)
    assert after["template_key"] != before["template_key"] and after["run_id"] != before["run_id"]


def test_code_that_makes_no_rows_leaves_the_run_id(package_copy):
    before = identities(package_copy)
    edit(package_copy / "data_cards" / "card.py")
    assert identities(package_copy) == before
