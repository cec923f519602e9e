"""No grade depends on a test's name: what a test counts for is declared by its markers.

The course's public checks and hidden tests are copied with every test function renamed to a
meaningless name, and the same class is graded with both: the reference, the stubs, and a
submission whose functions hand back their first argument unchanged (which keeps its inputs
intact, and would earn the points of such checks if a name made them count as values).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnkit.course import catalog, layout

ROOT = layout.course_root()


def renamed(source: str) -> str:
    """The test file with every `def test_…` and `test_… = …` at its top level given a new name."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for number, node in enumerate(tree.body):
        new = f"test_{number:03d}_x"
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            line = lines[node.lineno - 1]
            lines[node.lineno - 1] = line.replace(f"def {node.name}(", f"def {new}(", 1)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.startswith("test_")
                                                   for t in node.targets):
            line = lines[node.lineno - 1]
            lines[node.lineno - 1] = new + line[line.index(" ="):]
    return "".join(lines)


def identity_file(stem: str) -> str:
    """An exercise file whose every function returns its first argument, every class its input."""
    parts = ["import torch\n"]
    for exercise in catalog.exercises():
        if exercise.file != stem:
            continue
        if exercise.name[0].isupper():
            parts.append(f"\nclass {exercise.name}(torch.nn.Module):\n    def __init__(self, *args):\n"
                         "        super().__init__()\n\n    def forward(self, X):\n        return X\n")
        else:
            parts.append(f"\ndef {exercise.name}(*args, **kwargs):\n    return args[0] if args else None\n")
    return "".join(parts)


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    for student in ("reference", "stubs", "echo"):
        (folder / student).mkdir()
    for stem in catalog.files():
        shutil.copy(ROOT / "solutions" / f"{stem}.py", folder / "reference")
        shutil.copy(ROOT / "exercises" / f"{stem}.py", folder / "stubs")
        (folder / "echo" / f"{stem}.py").write_text(identity_file(stem))
    return folder


def grade(school: Path, course: Path, out: Path) -> dict[str, dict[str, float]]:
    done = subprocess.run([sys.executable, "-m", "nnkit", "grade", str(school), "--out", str(out),
                           "--jobs", "2", "--course", str(course)],
                          capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, layout.ENV_COURSE: str(course)}, cwd=out.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    students = json.loads((out / "results.json").read_text())["students"]
    return {s["student"]: {**{e["id"]: e["earned"] for e in s["exercises"]}, "total": s["total"]}
            for s in students}


def test_renaming_every_test_changes_no_grade(school, tmp_path):
    course = tmp_path / "renamed course"
    for part in ("exercises", "autograder", "data", "solutions"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__", ".nnkit-*"))
    names_before, names_after = set(), set()
    for path in [*course.glob("exercises/test_*.py"), *course.glob("autograder/test_*.py")]:
        source = path.read_text()
        names_before |= {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}
        path.write_text(renamed(source))
        renamed_tree = ast.parse(path.read_text())
        names_after |= {n.name for n in ast.walk(renamed_tree) if isinstance(n, ast.FunctionDef)}
    assert "test_mse_does_not_modify_its_inputs" in names_before and not names_before & names_after & {
        n for n in names_before if n.startswith("test_")}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    original = grade(school, ROOT, tmp_path / "a" / "out")
    meaningless = grade(school, course, tmp_path / "b" / "out")
    assert original == meaningless
    assert original["reference"]["total"] == 100 and original["stubs"]["total"] == 0
    assert original["echo"]["total"] < 10, original["echo"]
