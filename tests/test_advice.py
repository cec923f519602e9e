"""Advice that costs no points: a `train` that returns its losses as 0-dim tensors still attached to
the graph passes every check and earns a note, shown on the feedback page, by `nnkit check` and
under a notebook's check cell; an answer without anything to comment on shows none."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

from nnkit.course import layout
from nnkit.grade.output import feedback, reports
from nnkit.notebooks.check import check as notebook_check

ROOT = layout.course_root()
NOTE = "still attached to the autograd graph"
KEPT, ATTACHED = "losses.append(loss.item())", "losses.append(loss)"


def attached_solutions(folder: Path) -> Path:
    """The solutions, with a train that keeps each loss with its graph (a 0-dim tensor, not a float)."""
    shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / "08_training.py"
    text = path.read_text(encoding="utf-8")
    assert text.count(KEPT) == 1
    path.write_text(text.replace(KEPT, ATTACHED), encoding="utf-8")
    return folder


def record(tests: list[dict]) -> dict:
    return reports.student_record("ada", "ada", [], {"tests": tests})


def verdict(exercise: str, notes: list[str], status: str = "passed") -> dict:
    return {"file": "test_08_training.py", "test": "test_train", "exercise": exercise, "status": status,
            "kind": "", "message": "", "output": "", "detail": "", "property": False, "mistake": None,
            "measures": {}, "named": "", "notes": notes}


def test_the_feedback_page_shows_each_note_once_and_no_section_without_notes():
    text = "Your list holds tensors still attached to the autograd graph <b>"
    noted = record([verdict("08_training.train", [text]), verdict("08_training.train", [text])])
    page, html = feedback.markdown(noted), feedback.page(noted)
    assert "## Advice (it costs no points)" in page and page.count("still attached") == 1
    assert "<h2>Advice (it costs no points)</h2>" in html and "&lt;b&gt;" in html
    assert "Advice" not in feedback.markdown(record([verdict("08_training.train", [])]))


def test_nnkit_check_prints_the_note_and_still_passes_without_a_warning(tmp_path):
    folder = attached_solutions(tmp_path / "ada")
    run = subprocess.run([sys.executable, "-m", "nnkit", "check", "08_training.train", "--path", str(folder)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0 and "Warning" not in run.stderr, run.stdout + run.stderr
    assert "Note on 08_training.train (it costs no points)" in run.stdout and NOTE in run.stdout
    clean = subprocess.run([sys.executable, "-m", "nnkit", "check", "08_training.train", "--path",
                            "solutions"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert clean.returncode == 0 and "Note on" not in clean.stdout


def test_a_notebooks_check_cell_prints_the_note_under_its_verdict_and_nothing_on_stderr(tmp_path, capfd):
    path = attached_solutions(tmp_path / "ada") / "08_training.py"
    names: dict = {"__name__": "__main__"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would reach the kernel's stderr: nbgrader's 0
        notebook_check("08_training.train", namespace=names)
    out, err = capfd.readouterr()
    assert "✓ 08_training.train" in out and "Note (it costs no points)" in out and NOTE in out and err == ""
