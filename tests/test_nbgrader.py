"""nbgrader end to end on the generated courses, with torch writing its import warning to stderr.

In a copy of `source/`: `nbgrader generate_assignment` of all eight assignments, one student who
filled every released notebook with the solutions, one who left the stubs, and one who solved
`05_losses` but sums the squares in `mse` instead of averaging them; `nbgrader autograde`,
`nbgrader export`. Every solved notebook must get full marks: its hidden check cells run in the
kernel, on the kernel's clock, so this proves that no time limit charges torch's start-up (the
first optimizer step imports torch._dynamo) or a busy machine. The kernels import torch next to a
NumPy that fails to import, which makes torch print a UserWarning to stderr (as it does on a
machine without NumPy): nbgrader fails any graded cell with stderr, so full marks also prove the
setup cell and the IgnorePattern config keep it out.

The Russian course `source/ru/` gets the same three students for `05_losses`: each Russian
notebook must get the marks of its English twin, from nbgrader and from `nnkit grade`, and its
check cells explain a mistake in Russian.

The stubs and the Russian course are handed in for one assignment by default (about 3 minutes in
all on a busy 2-core machine); NNKIT_NBGRADER_ALL=1 hands them in for all eight too.
"""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnkit.build import editions
from nnkit.course import catalog

ROOT = Path(__file__).resolve().parents[1]
ALL = bool(os.environ.get("NNKIT_NBGRADER_ALL"))
ASSIGNMENTS = catalog.files()
SOME = ASSIGNMENTS if ALL else ["05_losses"]
HANDED_IN = {"solved": ASSIGNMENTS, "stubs": SOME, "mistake": ["05_losses"]}
RUSSIAN_HANDED_IN = {"solved": SOME, "stubs": SOME, "mistake": ["05_losses"]}
STUDENTS = tuple(HANDED_IN)
# The mistake: mse sums the squares instead of averaging them.
MEAN, SUM = "((y_hat - y) ** 2).mean()", "((y_hat - y) ** 2).sum()"


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


def answer(student: str, released: str, source: str) -> str:
    """What `student` hands in for a released notebook whose source notebook is `source`."""
    from nnkit.notebooks.source import fill_solutions  # jupytext and nbformat: the notebooks extra

    if student == "stubs":
        return released
    solved = fill_solutions(released, source)
    if student == "mistake":
        assert MEAN in solved
        return solved.replace(MEAN, SUM)
    return solved


def autograded(source: Path, folder: Path, broken_numpy: Path, handed_in: dict[str, list[str]]) -> Path:
    """A copy of the nbgrader course `source`, the notebooks of `handed_in` autograded and exported."""
    course = folder / "course"
    shutil.copytree(source, course)
    chosen = sorted({a for assignments in handed_in.values() for a in assignments})
    selection = "[0-9]*" if chosen == ASSIGNMENTS else chosen[0]  # nbgrader takes a glob of assignment ids
    assert selection == "[0-9]*" or len(chosen) == 1
    nbgrader(course, "generate_assignment", selection)
    for assignment in chosen:
        release = (course / "release" / assignment / f"{assignment}.ipynb").read_text()
        solution = (course / assignment / f"{assignment}.ipynb").read_text()
        for student in (s for s in handed_in if assignment in handed_in[s]):
            (course / "submitted" / student / assignment).mkdir(parents=True)
            (course / "submitted" / student / assignment / f"{assignment}.ipynb").write_text(
                answer(student, release, solution))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(broken_numpy),
                                                                     os.environ.get("PYTHONPATH")]))}
    nbgrader(course, "autograde", selection, env=env)
    nbgrader(course, "export")
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory, broken_numpy) -> Path:
    return autograded(ROOT / "source", tmp_path_factory.mktemp("nbgrader"), broken_numpy, HANDED_IN)


@pytest.fixture(scope="module")
def russian_course(tmp_path_factory, broken_numpy) -> Path:
    return autograded(editions.nbgrader_folder(ROOT, "ru"), tmp_path_factory.mktemp("nbgrader-ru"),
                      broken_numpy, RUSSIAN_HANDED_IN)


def nbgrader_scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(student, assignment) → (score, max score), for what the student handed in."""
    with (course / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return {(row["student_id"], row["assignment"]): (float(row["score"]), float(row["max_score"]))
            for row in rows if (course / "submitted" / row["student_id"] / row["assignment"]).is_dir()}


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


def test_the_mistake_costs_the_points_of_mse_alone(course):
    mse = next(e.points for e in catalog.exercises() if e.id == "05_losses.mse")
    assert nbgrader_scores(course)["mistake", "05_losses"] == (points("05_losses") - mse, points("05_losses"))


def test_no_graded_cell_of_the_solved_notebooks_failed_or_wrote_to_stderr(course):
    import nbformat

    for assignment in ASSIGNMENTS:
        notebook = nbformat.read(course / "autograded" / "solved" / assignment / f"{assignment}.ipynb",
                                 as_version=4)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert not [o for o in cell.get("outputs", [])
                            if o.output_type == "error" or o.get("name") == "stderr"], cell.source


@pytest.fixture(scope="module")
def nnkit_totals(course, russian_course, tmp_path_factory) -> dict[tuple[str, str], float]:
    """(language, student) → the total `nnkit grade --lang ru` gives the notebooks nbgrader collected
    in both courses, graded in one batch (a folder of notebooks per student and language)."""
    folder = tmp_path_factory.mktemp("nnkit-grade")
    for code, graded, handed_in in (("en", course, HANDED_IN), ("ru", russian_course, RUSSIAN_HANDED_IN)):
        for student, assignments in handed_in.items():
            (folder / "class" / f"{code}-{student}").mkdir(parents=True)
            for assignment in assignments:
                shutil.copy(graded / "submitted" / student / assignment / f"{assignment}.ipynb",
                            folder / "class" / f"{code}-{student}")
    command = [sys.executable, "-m", "nnkit", "grade", str(folder / "class"), "--out", str(folder / "out"),
               "--jobs", "2", "--lang", "ru"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    with (folder / "out" / "grades.csv").open() as handle:
        return {tuple(row["student"].split("-", 1)): float(row["total"]) for row in csv.DictReader(handle)}


def nbgrader_totals(course: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for (student, _assignment), (score, _most) in nbgrader_scores(course).items():
        totals[student] = totals.get(student, 0.0) + score
    return totals


def test_nnkit_grade_gives_the_same_totals_to_the_same_notebooks(course, nnkit_totals):
    assert {student: nnkit_totals["en", student] for student in STUDENTS} == nbgrader_totals(course)


def test_a_russian_notebook_gets_the_marks_of_its_english_twin_from_nbgrader(course, russian_course):
    english, russian = nbgrader_scores(course), nbgrader_scores(russian_course)
    assert set(russian) == {(s, a) for s, assignments in RUSSIAN_HANDED_IN.items() for a in assignments}
    assert russian == {key: english[key] for key in russian}


def test_nnkit_grade_gives_the_russian_notebooks_the_totals_nbgrader_gives(russian_course, nnkit_totals):
    assert {student: nnkit_totals["ru", student] for student in STUDENTS} == nbgrader_totals(russian_course)


def test_the_russian_check_cells_explain_the_mistake_in_russian(russian_course):
    import nbformat

    notebook = nbformat.read(russian_course / "autograded" / "mistake" / "05_losses" / "05_losses.ipynb",
                             as_version=4)
    errors = ["\n".join(o.get("traceback", [])) + o.get("evalue", "") for cell in notebook.cells
              for o in cell.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1 and "Похоже на известную ошибку" in errors[0], errors
