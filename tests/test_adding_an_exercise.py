"""docs/adding-an-exercise.md, carried out: a toy exercise added to a scratch copy of the course
touches only the course's files, and the tool builds, checks and grades it; its texts are
translated in the Russian catalog, as a translator's editor would, before the build is complete.

The copy holds the course (exercises/, solutions/, autograder/, data/), not the tool: the kit
installed in this environment runs it through NNKIT_COURSE.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from nnkit.course import layout
from nnkit.i18n import catalogs

ROOT = layout.course_root()
COURSE_PARTS = ("exercises", "solutions", "autograder", "data")

SOLUTION = '''# %% [markdown]
# # 09 · Toy
#
# Twice a tensor: the smallest exercise a course can have.

# %%
import torch
from torch import Tensor

# %%
def double(x: Tensor) -> Tensor:
    """Return twice x, the same shape."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
'''

TABLE_ROW = '''
[[exercise]]
id = "09_toy.double"
points = 4
forbidden = ["torch.mul"]
hints = ["Multiply by two.", "2 * x is the whole answer."]
'''

PUBLIC = '''import pytest
import torch

from nnkit.harness import expect, mistakes
from nnkit.i18n.course import N_

DOUBLE = "09_toy.double"
X = torch.tensor([[1.0, -2.0], [3.5, 0.0]])


@pytest.mark.exercise(DOUBLE)
def test_double_of_a_small_matrix(submission):
    expect.shaped(submission.call(DOUBLE, X), (2, 2), what=N_("twice the input, in its shape"))
    expect.tensor(submission.call(DOUBLE, X), 2 * X, mistakes=mistakes.lazy(DOUBLE, X))


@pytest.mark.exercise(DOUBLE)
@pytest.mark.property
def test_double_leaves_its_input_alone(submission):
    expect.unchanged(submission.call(DOUBLE, X))
'''

HIDDEN = '''import pytest
import torch

from autograder import cases, checks
from nnkit.harness import expect, mistakes

DOUBLE = "09_toy.double"

test_uses_no_forbidden_call = checks.forbidden_test("09_toy")


@pytest.mark.exercise(DOUBLE)
def test_double_of_random_tensors(submission):
    for x in cases.tensors(9):
        expect.tensor(submission.call(DOUBLE, x), 2 * x, mistakes=mistakes.lazy(DOUBLE, x))
'''

MISTAKE = '''

@mistake("09_toy.double", squared="this is x squared, not twice x")
def _double_squared(x):
    return x * x
'''

SQUARED = "\n\ndef double(x):\n    return x * x\n"

# The Russian of the toy's texts: its prose, hints, known mistake and public check's text.
RUSSIAN = {
    "# 09 · Toy": "# 09 · Игрушечное упражнение",
    "Twice a tensor: the smallest exercise a course can have.":
        "Удвоенный тензор: самое маленькое упражнение, какое может быть в курсе.",
    "Return twice x, the same shape.": "Верните удвоенный x той же формы.",
    "Multiply by two.": "Умножьте на два.",
    "2 * x is the whole answer.": "2 * x — это весь ответ.",
    "this is x squared, not twice x": "это x в квадрате, а не удвоенный x",
    "twice the input, in its shape": "удвоенный вход той же формы",
}


def nnkit(course: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnkit", *args], cwd=cwd or course, capture_output=True,
                          text=True, timeout=900, check=False,
                          env={**os.environ, layout.ENV_COURSE: str(course)})


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A scratch copy of the course with the toy exercise added, by the document's steps."""
    root = tmp_path_factory.mktemp("course")
    for part in COURSE_PARTS:
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", ".nnkit-*"))
    (root / "solutions" / "09_toy.py").write_text(SOLUTION)
    with (root / "exercises" / "info.toml").open("a") as table:
        table.write(TABLE_ROW)
    (root / "exercises" / "test_09_toy.py").write_text(PUBLIC)
    (root / "autograder" / "test_09_toy.py").write_text(HIDDEN)
    with (root / "exercises" / "mistakes.py").open("a") as known:
        known.write(MISTAKE)
    return root


def translate(po: Path, translations: dict[str, str]) -> None:
    """Fill entries of a catalog, as Poedit does: the translation in, the fuzzy flag off."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id in translations:
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
    with po.open("wb") as handle:
        write_po(handle, catalog)


def test_build_writes_the_stub_and_notebooks_and_asks_for_the_new_texts_russian(course):
    built = nnkit(course, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    stub = (course / "exercises" / "09_toy.py").read_text()
    assert 'raise NotImplementedError("09_toy.double is not started yet")' in stub and "2 * x" not in stub
    for source in (course / "source", course / "source" / "ru"):
        notebook = source / "09_toy" / "09_toy.ipynb"
        cells = json.loads(notebook.read_text())["cells"]
        assert any('check("09_toy.double"' in "".join(cell["source"]) for cell in cells)
    course_po = catalogs.PUBLIC.po(Path(""), "ru")
    wanted = {f"{course_po}: {text}" for text in RUSSIAN}
    assert wanted <= set(catalogs.build(course, write=False).untranslated)
    unfinished = nnkit(course, "build", "--check")
    assert unfinished.returncode == 1 and "Twice a tensor" in unfinished.stderr, unfinished.stderr


def test_once_the_new_texts_are_translated_the_build_is_complete_and_russian(course):
    translate(catalogs.PUBLIC.po(course, "ru"), RUSSIAN)
    built = nnkit(course, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    russian = (course / "source" / "ru" / "09_toy" / "09_toy.ipynb").read_text()
    assert "Удвоенный тензор" in russian and "Twice a tensor" not in russian
    again = nnkit(course, "build", "--check")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    hint = nnkit(course, "--lang", "ru", "hint", "09_toy.double")
    assert hint.returncode == 0 and "Умножьте на два." in hint.stdout, hint.stdout


def test_check_and_dev_check_know_the_new_exercise(course):
    solved = nnkit(course, "check", "--no-server", "09", "--path", "solutions")
    assert (solved.returncode == 0 and "Progress: 1/1" in solved.stdout
            and "double" in solved.stdout), solved.stdout
    stub = nnkit(course, "check", "--no-server", "09")
    assert stub.returncode == 1 and "09_toy.double is not started yet" in stub.stdout, stub.stdout
    dev = nnkit(course, "dev", "check")
    assert dev.returncode == 0 and "All 35 stubs fail" in dev.stdout, dev.stdout + dev.stderr
    hint = nnkit(course, "hint", "09_toy.double")
    assert hint.returncode == 0 and "Multiply by two." in hint.stdout


def test_grading_scores_the_new_exercise_with_its_hidden_tests_and_known_mistake(course, tmp_path):
    school = tmp_path / "class"
    for student, snippet in (("ada", ""), ("sam", SQUARED)):
        (school / student).mkdir(parents=True)
        for path in (course / "solutions").glob("*.py"):
            text = path.read_text() + (snippet if path.stem == "09_toy" else "")
            (school / student / path.name).write_text(text)
    (school / "cy").mkdir()
    shutil.copy(course / "exercises" / "09_toy.py", school / "cy" / "09_toy.py")
    done = nnkit(course, "grade", str(school), "--out", str(tmp_path / "out"), "--jobs", "2",
                 "--course", str(course), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    students = json.loads((tmp_path / "out" / "results.json").read_text())["students"]
    results = {s["student"]: s for s in students}
    earned = {name: {e["id"]: e["earned"] for e in record["exercises"]} for name, record in results.items()}
    assert results["ada"]["total"] == results["ada"]["max_total"] == 104
    assert earned["sam"]["09_toy.double"] == 0 and results["sam"]["total"] == 100
    assert earned["cy"]["09_toy.double"] == 0
    hidden = [t for t in results["ada"]["tests"] if t["file"] == "test_09_toy.py"]
    assert {t["test"] for t in hidden} >= {"test_double_of_random_tensors", "test_double_of_a_small_matrix"}
    messages = [t["message"] for t in results["sam"]["tests"] if t["exercise"] == "09_toy.double"]
    assert any("this is x squared, not twice x" in m for m in messages), messages
