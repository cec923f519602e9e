"""nbgrader end to end on the generated course, with torch writing its import warning to stderr.

In a copy of `source/`: `nbgrader generate_assignment` of all eight assignments, one student who
filled every released notebook with the solutions and one who left the stubs, `nbgrader
autograde`, `nbgrader export`. Every solved notebook must get full marks: its hidden check cells
run in the kernel, on the kernel's clock, so this proves that no time limit charges torch's
start-up (the first optimizer step imports torch._dynamo) or a busy machine. The kernels import
torch next to a NumPy that fails to import, which makes torch print a UserWarning to stderr (as
it does on a machine without NumPy): nbgrader fails any graded cell with stderr, so full marks
also prove the setup cell and the IgnorePattern config keep it out.

The stubs are handed in for one assignment by default (about 2 minutes in all on a busy 2-core
machine); NNKIT_NBGRADER_ALL=1 hands them in for all eight too (about 3 minutes).
"""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnkit.course import catalog

ROOT = Path(__file__).resolve().parents[1]
ALL = bool(os.environ.get("NNKIT_NBGRADER_ALL"))
ASSIGNMENTS = catalog.files()
HANDED_IN = {"solved": ASSIGNMENTS, "stubs": ASSIGNMENTS if ALL else ["05_losses"]}
SELECTION = "[0-9]*"  # nbgrader takes a glob of assignment ids
STUDENTS = tuple(HANDED_IN)


def nbgrader(course: Path, *args: str, env: dict | None = None) -> str:
    ran = subprocess.run(["nbgrader", *args], cwd=course, env=env, check=False, capture_output=True,
                         text=True, timeout=900)
    assert ran.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{ran.stdout[-3000:]}{ran.stderr[-3000:]}"
    return ran.stdout + ran.stderr


@pytest.fixture(scope="module")
def broken_numpy(tmp_path_factory) -> Path:
    """A folder whose `numpy` fails to import: put first on PYTHONPATH, torch warns on import."""
    folder = tmp_path_factory.mktemp("broken-numpy")
    (folder / "numpy").mkdir()
    (folder / "numpy" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'numpy'\", name='numpy')\n")
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory, broken_numpy) -> Path:
    from nnkit.notebooks.source import (
        fill_solutions,  # jupytext and nbformat: the notebooks extra
    )

    course = tmp_path_factory.mktemp("nbgrader") / "course"
    shutil.copytree(ROOT / "source", course)
    nbgrader(course, "generate_assignment", SELECTION)
    for assignment in ASSIGNMENTS:
        release = course / "release" / assignment / f"{assignment}.ipynb"
        for student in (s for s in STUDENTS if assignment in HANDED_IN[s]):
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True)
            text = release.read_text()
            if student == "solved":
                text = fill_solutions(text, (course / assignment / f"{assignment}.ipynb").read_text())
            (folder / f"{assignment}.ipynb").write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(broken_numpy),
                                                                     os.environ.get("PYTHONPATH")]))}
    nbgrader(course, "autograde", SELECTION, env=env)
    nbgrader(course, "export")
    return course


def nbgrader_scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    with (course / "grades.csv").open() as handle:
        return {(row["student_id"], row["assignment"]): (float(row["score"]), float(row["max_score"]))
                for row in csv.DictReader(handle)}


def points(assignment: str) -> int:
    return sum(e.points for e in catalog.exercises() if e.file == assignment)


def test_torch_writes_a_warning_to_stderr_when_numpy_is_broken(broken_numpy):
    env = {**os.environ, "PYTHONPATH": str(broken_numpy)}
    ran = subprocess.run([sys.executable, "-c", "import torch"], env=env, check=False,
                         capture_output=True, text=True)
    assert "Failed to initialize NumPy" in ran.stderr


def test_nbgrader_gives_full_marks_to_the_solved_notebooks_of_all_eight_assignments(course):
    scores = nbgrader_scores(course)
    assert {a: scores["solved", a] for a in ASSIGNMENTS} == {a: (points(a), points(a)) for a in ASSIGNMENTS}


def test_nbgrader_gives_zero_to_the_notebooks_left_as_stubs(course):
    scores = nbgrader_scores(course)
    for assignment in HANDED_IN["stubs"]:
        assert scores["stubs", assignment] == (0, points(assignment))


def test_no_graded_cell_of_the_solved_notebooks_failed_or_wrote_to_stderr(course):
    import nbformat

    for assignment in ASSIGNMENTS:
        notebook = nbformat.read(course / "autograded" / "solved" / assignment / f"{assignment}.ipynb",
                                 as_version=4)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not [o for o in cell.get("outputs", [])
                            if o.output_type == "error" or o.get("name") == "stderr"], cell.source


def test_nnkit_grade_gives_the_same_totals_to_the_same_notebooks(course, tmp_path):
    from nnkit.grade import command

    for student in STUDENTS:
        for assignment in HANDED_IN[student]:
            folder = tmp_path / "class" / student
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(course / "submitted" / student / assignment / f"{assignment}.ipynb", folder)
    command.run(tmp_path / "class", tmp_path / "out")
    with (tmp_path / "out" / "grades.csv").open() as handle:
        ours = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    scores = nbgrader_scores(course)
    theirs = {student: sum(scores[student, a][0] for a in HANDED_IN[student]) for student in STUDENTS}
    assert ours == theirs
