"""Staging: only the eight exercise files go to a worker; everything else is left out and said."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from nnkit.course import catalog
from nnkit.grade import staging
from nnkit.grade.output import reports

ROOT = Path(__file__).resolve().parents[1]
NAMES = [f"{stem}.py" for stem in catalog.files()]


def solution_files() -> dict[str, bytes]:
    return {name: (ROOT / "solutions" / name).read_bytes() for name in NAMES}


def write_zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def stage(entry: Path, tmp_path: Path) -> staging.Staged:
    return staging.stage("someone", entry, tmp_path / "staged")


def kinds(staged: staging.Staged) -> list[str]:
    return [problem.kind for problem in staged.problems]


def test_a_zip_of_the_whole_exercises_folder_is_staged_with_all_eight_files(tmp_path):
    entry = write_zip(tmp_path / "ann.zip", {f"exercises/{n}": d for n, d in solution_files().items()})
    staged = stage(entry, tmp_path)
    assert sorted(staged.files) == sorted(NAMES)
    assert staged.problems == []
    assert (tmp_path / "staged" / "05_losses.py").read_bytes() == solution_files()["05_losses.py"]


def test_a_folder_holding_the_files_one_folder_down_is_staged(tmp_path):
    (tmp_path / "bob" / "homework").mkdir(parents=True)
    for name, data in solution_files().items():
        (tmp_path / "bob" / "homework" / name).write_bytes(data)
    assert sorted(stage(tmp_path / "bob", tmp_path).files) == sorted(NAMES)


def test_a_symlink_in_a_folder_is_not_followed_and_is_reported(tmp_path):
    folder = tmp_path / "cy"
    folder.mkdir()
    (folder / "01_matrices.py").write_text("x = 1\n")
    os.symlink(ROOT / "solutions" / "02_linear.py", folder / "02_linear.py")
    staged = stage(folder, tmp_path)
    assert list(staged.files) == ["01_matrices.py"]
    assert "symlink" in kinds(staged)


def test_zip_members_that_climb_out_or_are_absolute_are_rejected(tmp_path):
    entry = write_zip(tmp_path / "dan.zip", {"../01_matrices.py": b"x = 1\n", "/02_linear.py": b"x = 1\n",
                                             "03_activations.py": b"x = 1\n"})
    staged = stage(entry, tmp_path)
    assert list(staged.files) == ["03_activations.py"]
    assert kinds(staged).count("unsafe_path") == 2


def test_a_symlink_entry_in_a_zip_is_rejected(tmp_path):
    entry = write_zip(tmp_path / "eve.zip", {"01_matrices.py": b"x = 1\n"},
                      symlinks={"02_linear.py": "/work/main/solutions/02_linear.py"})
    staged = stage(entry, tmp_path)
    assert list(staged.files) == ["01_matrices.py"]
    assert "symlink" in kinds(staged)


@pytest.mark.parametrize("name", ["conftest.py", "sitecustomize.py", "evil.pth", "torch.py"])
def test_files_that_could_change_how_tests_run_are_ignored_and_reported(tmp_path, name):
    folder = tmp_path / "fay"
    folder.mkdir()
    (folder / "01_matrices.py").write_text("x = 1\n")
    (folder / name).write_text("import os\n")
    staged = stage(folder, tmp_path)
    assert list(staged.files) == ["01_matrices.py"]
    assert any(p.kind == "ignored_file" and name in p.message for p in staged.problems)
    assert not (tmp_path / "staged" / name).exists()


def test_an_oversized_exercise_file_is_left_out(tmp_path):
    entry = write_zip(tmp_path / "gus.zip", {"01_matrices.py": b"#" * (staging.MAX_SOURCE_BYTES + 1)})
    staged = stage(entry, tmp_path)
    assert staged.files == {}
    assert "too_large" in kinds(staged)


def test_a_file_left_out_for_its_size_is_not_also_called_missing(tmp_path):
    entry = write_zip(tmp_path / "gus.zip", {"01_matrices.py": b"#" * (staging.MAX_SOURCE_BYTES + 1),
                                             "02_linear.py": b"x = 1\n"})
    staged = stage(entry, tmp_path)
    missing = next(p.message for p in staged.problems if p.kind == "missing_file")
    assert "01_matrices.py" not in missing and "03_activations.py" in missing


@pytest.mark.parametrize("make", ["empty_folder", "empty_zip", "corrupt_zip"])
def test_an_empty_or_corrupt_submission_is_one_clear_problem_and_nothing_to_grade(tmp_path, make):
    if make == "empty_folder":
        entry = tmp_path / "hal"
        entry.mkdir()
    elif make == "empty_zip":
        entry = write_zip(tmp_path / "hal.zip", {})
    else:
        entry = tmp_path / "hal.zip"
        entry.write_bytes(b"PK\x03\x04 this is not a zip file")
    staged = stage(entry, tmp_path)
    assert staged.files == {}
    assert kinds(staged) == ["unreadable" if make == "corrupt_zip" else "empty"]


def test_a_syntax_error_is_reported_at_staging(tmp_path):
    entry = write_zip(tmp_path / "ivy.zip", {"01_matrices.py": b"def f(:\n"})
    staged = stage(entry, tmp_path)
    assert "syntax_error" in kinds(staged)
    assert list(staged.files) == ["01_matrices.py"]  # still graded: its checks say what fails


def test_a_folder_wins_over_a_zip_of_the_same_student(tmp_path):
    (tmp_path / "jo").mkdir()
    write_zip(tmp_path / "jo.zip", {"01_matrices.py": b"x = 1\n"})
    entries, notes = staging.find_entries(tmp_path)
    assert entries == {"jo": tmp_path / "jo"}
    assert [note.kind for note in notes] == ["duplicate"]


def test_student_ids_with_spaces_or_other_scripts_get_distinct_safe_file_names():
    names = [reports.safe_name(student) for student in ("Zoë Ng", "Zoe Ng", "Иван Петров", "../etc", "a/b")]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.isascii() and "/" not in name and " " not in name and not name.startswith(".")
    assert reports.safe_name("plain_id-1") == "plain_id-1"


def test_a_notebook_stands_for_its_exercise_file_in_nbgraders_layout(tmp_path):
    cell = {"id": "c1", "cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "import torch\n\ndef mse(y_hat, y):\n    return ((y_hat - y) ** 2).mean()\n"}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    entry = write_zip(tmp_path / "kim.zip", {"05_losses/whatever.ipynb": json.dumps(notebook).encode(),
                                             "06_metrics/broken.ipynb": b"{not json"})
    staged = stage(entry, tmp_path)
    assert list(staged.files) == ["05_losses.py"]
    assert b"def mse(y_hat, y):" in staged.files["05_losses.py"]
    assert "not_json" in kinds(staged)


def classroom_repository(tmp_path: Path, py: bytes, notebook_code: str) -> Path:
    """A Classroom repository's layout: exercises/05_losses.py beside notebooks/05_losses.ipynb."""
    cell = {"id": "c1", "cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": notebook_code}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    repo = tmp_path / "repo"
    (repo / "exercises").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    (repo / "exercises" / "05_losses.py").write_bytes(py)
    (repo / "notebooks" / "05_losses.ipynb").write_text(json.dumps(notebook))
    return repo


STUB_MSE = "def mse(y_hat, y):\n    '''Mean squared error.'''\n    raise NotImplementedError('not yet')\n"
WORKED_MSE = "import torch\n\ndef mse(y_hat, y):\n    return ((y_hat - y) ** 2).mean()\n"


def test_a_worked_notebook_is_graded_in_place_of_an_exercise_file_left_the_stub(tmp_path):
    staged = stage(classroom_repository(tmp_path, (ROOT / "exercises" / "05_losses.py").read_bytes(),
                                        WORKED_MSE), tmp_path)
    assert b"return ((y_hat - y) ** 2).mean()" in staged.files["05_losses.py"]
    assert not [p for p in staged.problems if "05_losses.ipynb" in p.message]


def test_a_notebook_left_the_stub_is_no_problem_beside_a_worked_exercise_file(tmp_path):
    staged = stage(classroom_repository(tmp_path, WORKED_MSE.encode(), STUB_MSE), tmp_path)
    assert staged.files["05_losses.py"] == WORKED_MSE.encode()
    assert not [p for p in staged.problems if "05_losses.ipynb" in p.message]


def test_when_both_the_file_and_the_notebook_are_worked_on_the_file_is_graded_and_that_is_said(tmp_path):
    other = WORKED_MSE.replace("** 2", "** 3")
    staged = stage(classroom_repository(tmp_path, WORKED_MSE.encode(), other), tmp_path)
    assert staged.files["05_losses.py"] == WORKED_MSE.encode()
    assert [p.kind for p in staged.problems if "05_losses.ipynb" in p.message] == ["ignored_file"]
