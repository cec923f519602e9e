"""`nnkit similarity` on the planted class (tests/planted_class.py) plus a student who hands in the
reference as a notebook and two who hand in the released notebooks untouched: the copies are
found, no honest pair and no stub is, and the page renders offline."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser import load
from planted_class import COPIED, LEAK, LEAKED, RENAMED, ROOT, build

from nnkit.publish.release import release_notebook
from nnkit.report.sources import REFERENCE

NOTEBOOK = "notebook_leak"


def run_similarity(class_dir: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnkit", "similarity", str(class_dir), "--out", str(out),
                           *options], capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[Path, dict[str, str], list[dict]]:
    """(the report's folder, {student: role}, the rows of pairs.csv)."""
    work = tmp_path_factory.mktemp("similarity")
    roles = build(work / "class")
    (work / "class" / NOTEBOOK).mkdir()
    shutil.copyfile(ROOT / "source" / "05_losses" / "05_losses.ipynb",
                    work / "class" / NOTEBOOK / "05_losses.ipynb")
    roles[NOTEBOOK] = "notebook"
    for i in (1, 2):  # the notebooks a student gets, handed in untouched
        folder = work / "class" / f"notebook_stub_{i}"
        folder.mkdir()
        for path in sorted((ROOT / "source").glob("*/*.ipynb")):
            (folder / path.name).write_text(release_notebook(path.read_text()))
        roles[f"notebook_stub_{i}"] = "stub"
    done = run_similarity(work / "class", work / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    return work / "out", roles, list(csv.DictReader(io.StringIO((work / "out" / "pairs.csv").read_text())))


def origin(roles: dict[str, str], owner: str, file: str) -> str:
    """Where this owner's version of `file` comes from, by construction of the class."""
    role = roles.get(owner, "reference solution")
    if role in ("reference", "mistake", "reference solution", "notebook") or \
            (role == "leak" and file == LEAKED):
        return REFERENCE
    if role == "renamed_copy":
        return COPIED[0]
    return owner  # the honest ones (and the stubs, whose code is all boilerplate)


def pairs_of(rows: list[dict]) -> set[tuple[str, frozenset[str]]]:
    return {(row["file"], frozenset((row["first"], row["second"]))) for row in rows}


def test_the_renamed_copy_is_above_the_threshold(compared):
    _, _, rows = compared
    student, file = COPIED
    assert (file, frozenset((student, RENAMED))) in pairs_of(rows)


def test_the_reference_copy_without_comments_is_above_the_threshold(compared):
    _, _, rows = compared
    assert (LEAKED, frozenset((LEAK, REFERENCE))) in pairs_of(rows)


def test_a_notebook_is_compared_by_its_code_cells(compared):
    _, _, rows = compared
    assert (LEAKED, frozenset((NOTEBOOK, REFERENCE))) in pairs_of(rows)


def test_every_pair_above_the_threshold_is_a_copy_so_no_honest_pair_is(compared):
    _, roles, rows = compared
    honest = [r for r in rows
              if origin(roles, r["first"], r["file"]) != origin(roles, r["second"], r["file"])]
    assert not honest, honest[:5]
    assert all(float(r["share_first"]) >= 0.5 or float(r["share_second"]) >= 0.5 for r in rows)


def test_the_stub_pair_never_appears(compared):
    _, roles, rows = compared
    stubs = {s for s, role in roles.items() if role == "stub"}
    assert not [r for r in rows if {r["first"], r["second"]} & stubs]
    assert all(r["file"] == LEAKED for r in rows if LEAK in (r["first"], r["second"]))


def test_the_page_says_that_similarity_is_a_reason_to_look_not_proof(compared):
    out, _, _ = compared
    assert "Similarity is a reason to look, not proof." in (out / "index.html").read_text()


def test_chromium_renders_the_similarity_report_side_by_side_with_no_network(compared, tmp_path):
    out, _, _ = compared
    loaded = load(out / "index.html", tmp_path)
    views = re.findall(r'<section class="pair" id="pair-\d+">(.*?)</section>', loaded.dom, flags=re.DOTALL)
    assert views and all("<mark>" in view for view in views)
    renamed = next(v for v in views if f"{COPIED[1]}: {COPIED[0]} and {RENAMED}" in v)
    assert renamed.count("<pre>") == 2
    assert loaded.requests == []


@pytest.mark.parametrize("options, says", [(("--threshold", "1.5"), "--threshold"),
                                           (("--limit", "-1"), "--limit")])
def test_options_out_of_range_get_a_clear_message(tmp_path, options, says):
    done = run_similarity(tmp_path, tmp_path / "out", *options)
    assert done.returncode == 2 and says in done.stdout, done.stdout + done.stderr
    assert not (tmp_path / "out").exists()
