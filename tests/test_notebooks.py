"""The nbgrader source notebooks, `nnkit.notebooks.check.check`, and notebooks turned into exercise files."""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from nnkit.build import command
from nnkit.course import catalog
from nnkit.notebooks.check import check as notebook_check
from nnkit.notebooks.source import make_notebook
from nnkit.notebooks.to_python import NotebookProblem, python_files_from_notebook
from nnkit.student import public_checks

ROOT = Path(__file__).resolve().parents[1]


def source_notebook(stem: str):
    return nbformat.read(ROOT / "source" / stem / f"{stem}.ipynb", as_version=4)


def grading(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def namespace_of(path: Path) -> dict:
    """Run a file as a notebook kernel would, and return its globals."""
    names: dict = {"__name__": "__main__"}
    exec(compile(path.read_text(), str(path), "exec"), names)
    return names


@pytest.mark.parametrize("stem", catalog.files())
def test_each_notebook_starts_with_a_locked_ungraded_setup_cell_that_imports_torch(stem):
    code = [c for c in source_notebook(stem).cells if c.cell_type == "code"]
    setup = code[0]
    assert "import torch" in setup.source
    assert grading(setup) == {"grade": False, "grade_id": "setup", "locked": True,
                              "schema_version": 3, "solution": False}


@pytest.mark.parametrize("stem", catalog.files())
def test_each_exercise_has_a_solution_cell_followed_by_its_graded_check_cell(stem):
    cells = source_notebook(stem).cells
    for exercise in (e for e in catalog.exercises() if e.file == stem):
        [index] = [i for i, c in enumerate(cells) if grading(c).get("grade_id") == exercise.name]
        solution, test = cells[index], cells[index + 1]
        assert grading(solution) == {"grade": False, "grade_id": exercise.name, "locked": False,
                                     "schema_version": 3, "solution": True}
        assert "### BEGIN SOLUTION" in solution.source and "### END SOLUTION" in solution.source
        assert grading(test) == {"grade": True, "grade_id": f"test_{exercise.name}", "locked": True,
                                 "points": exercise.points, "schema_version": 3, "solution": False}
        visible, hidden = test.source.split("### BEGIN HIDDEN TESTS")
        assert f'check("{exercise.id}")' in visible
        assert f'check("{exercise.id}", hidden=True)\n### END HIDDEN TESTS' in hidden


@pytest.mark.parametrize("stem", catalog.files())
def test_a_notebooks_points_add_up_to_its_exercises_points_in_info_toml(stem):
    points = sum(grading(c).get("points", 0) for c in source_notebook(stem).cells)
    assert points == sum(e.points for e in catalog.exercises() if e.file == stem)


def test_notebooks_are_built_the_same_every_time_without_outputs_or_counts():
    stem = "05_losses"
    source = (ROOT / "solutions" / f"{stem}.py").read_text()
    text = make_notebook(source, stem)
    assert text == make_notebook(source, stem) == (ROOT / "source" / stem / f"{stem}.ipynb").read_text()
    for cell in json.loads(text)["cells"]:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
        assert cell["id"] and not cell["id"].isdigit()


def test_build_check_fails_when_a_committed_notebook_or_the_nbgrader_config_is_stale(tmp_path, capsys):
    # Every source of a generated file: the course catalog takes the README's and the schemas' texts too.
    for folder in ("solutions", "exercises", "source", "docs", "data/schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    assert command.run(check=True, root=tmp_path) == 0
    notebook = tmp_path / "source" / "06_metrics" / "06_metrics.ipynb"
    notebook.write_text(notebook.read_text().replace('"points": 3', '"points": 30'))
    (tmp_path / "source" / "nbgrader_config.py").unlink()
    assert command.run(check=True, root=tmp_path) == 1
    err = capsys.readouterr().err
    assert "source/06_metrics/06_metrics.ipynb" in err and "source/nbgrader_config.py" in err


def test_the_nbgrader_config_turns_on_ignore_pattern_for_torchs_import_warning():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "source")).load_config()
    assert config.CourseDirectory.root == str(ROOT / "source")
    assert config.CourseDirectory.source_directory == "."
    assert config.IgnorePattern.enabled is True
    import re
    warning = ("/site-packages/torch/_subclasses/functional_tensor.py:368: UserWarning: Failed to "
               "initialize NumPy: No module named 'numpy' (Triggered internally at …)")
    assert re.search(config.IgnorePattern.pattern, warning)
    for real_problem in ("Traceback (most recent call last):", "UserWarning: your tensor is odd",
                         "RuntimeError: mat1 and mat2 shapes cannot be multiplied"):
        assert not re.search(config.IgnorePattern.pattern, real_problem)


# ---------------------------------------------------------------- check() in a kernel's globals

def test_check_passes_the_reference_and_says_so_on_stdout_only(capfd):
    notebook_check("05_losses.mse", namespace=namespace_of(ROOT / "solutions" / "05_losses.py"))
    out, err = capfd.readouterr()
    assert "✓ 05_losses.mse" in out and err == ""


def test_check_of_a_stub_raises_assertion_error_saying_it_is_not_started(capfd):
    message = re.escape("05_losses.mse is not started yet: in its cell above")
    with pytest.raises(AssertionError, match=message):
        notebook_check("05_losses.mse", namespace=namespace_of(ROOT / "exercises" / "05_losses.py"))
    out, err = capfd.readouterr()
    assert "✗ 05_losses.mse" in out and err == ""


def test_check_of_a_wrong_answer_raises_with_the_learners_message():
    names = namespace_of(ROOT / "solutions" / "05_losses.py")
    names["mse"] = lambda y_hat, y: ((y_hat - y) ** 2).sum()
    with pytest.raises(AssertionError, match="sum of the squares, not their mean"):
        notebook_check("05_losses.mse", namespace=names)


def test_check_uses_the_callers_globals_when_no_namespace_is_given():
    names = namespace_of(ROOT / "solutions" / "06_metrics.py")
    exec("from nnkit.notebooks.check import check\ncheck('06_metrics.mape')", names)
    names["mape"] = lambda y_hat, y: 0.0
    with pytest.raises(AssertionError):
        exec("check('06_metrics.mape')", names)


def test_hidden_check_runs_the_autograder_tests_of_that_exercise(capfd):
    if not (ROOT / "autograder" / "test_06_metrics.py").is_file():
        pytest.skip("autograder/ is not in this checkout")
    path = ROOT / "solutions" / "06_metrics.py"
    notebook_check("06_metrics.binary_accuracy", hidden=True, namespace=namespace_of(path),
                   source=path.read_text())
    assert "hidden tests pass" in capfd.readouterr().out


def test_hidden_check_grades_the_kernels_functions_not_a_file_of_its_source():
    if not (ROOT / "autograder" / "test_06_metrics.py").is_file():
        pytest.skip("autograder/ is not in this checkout")
    path = ROOT / "solutions" / "06_metrics.py"
    names = namespace_of(path)
    names["mape"] = lambda y_hat, y: 0.0  # redefined in a later cell; the source still has the right one
    with pytest.raises(AssertionError):
        notebook_check("06_metrics.mape", hidden=True, namespace=names, source=path.read_text())


def test_check_asks_to_run_the_cell_when_the_function_is_not_defined(capfd):
    with pytest.raises(AssertionError, match="`bce` is not defined yet: run the cell"):
        notebook_check("05_losses.bce", namespace={"torch": __import__("torch")})
    assert capfd.readouterr().err == ""


def test_checks_that_cannot_be_loaded_raise_with_pytests_reason(tmp_path, monkeypatch):
    import nnkit.notebooks.check

    broken = tmp_path / "exercises" / "test_05_losses_broken.py"  # (a name this process has not imported)
    broken.parent.mkdir()
    broken.write_text("import a_module_that_is_not_there\n")
    monkeypatch.setattr(nnkit.notebooks.check, "checks_file", lambda stem, hidden=False: broken)
    with pytest.raises(RuntimeError, match="a_module_that_is_not_there"):
        notebook_check("05_losses.mse", namespace=namespace_of(ROOT / "solutions" / "05_losses.py"))


def test_check_refuses_an_unknown_exercise_id():
    with pytest.raises(ValueError, match="not an exercise id"):
        notebook_check("05_losses.mae", namespace={})


# ---------------------------------------------------------------- notebooks as exercise files

def write_notebook(path: Path, cells: list, metadata: dict | None = None) -> Path:
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def filled_release_notebook(stem: str):
    """The student's view of a notebook (nbgrader's release), with the solutions typed in."""
    from nnkit.publish.release import release_notebook

    source = source_notebook(stem)
    answers = {grading(c)["grade_id"]: c.source for c in source.cells if grading(c).get("solution")}
    released = nbformat.reads(release_notebook(nbformat.writes(source)), as_version=4)
    for cell in released.cells:
        if grading(cell).get("solution"):
            cell.source = answers[grading(cell)["grade_id"]]
    return released


def test_a_solved_notebook_becomes_an_exercise_file_that_passes_the_public_checks(tmp_path):
    path = tmp_path / "05_losses.ipynb"
    nbformat.write(filled_release_notebook("05_losses"), path)
    files = python_files_from_notebook(path)
    assert list(files) == ["05_losses.py"]
    assert "check(" not in files["05_losses.py"]
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "05_losses.py").write_text(files["05_losses.py"])
    ids = [e.id for e in catalog.select("05_losses")]
    verdicts, problems = public_checks.run_checks(ids, tmp_path / "folder")
    assert verdicts and all(r.passed for r in verdicts) and not problems


def test_the_stem_comes_from_nbgraders_assignment_folder_when_the_notebook_was_renamed(tmp_path):
    cell = nbformat.v4.new_code_cell("x = 1")
    path = write_notebook(tmp_path / "submitted" / "ada" / "07_gradient_descent" / "Copy1.ipynb", [cell])
    assert list(python_files_from_notebook(path)) == ["07_gradient_descent.py"]


def test_the_stem_comes_from_the_notebooks_metadata_as_a_last_resort(tmp_path):
    path = write_notebook(tmp_path / "my work.ipynb", [nbformat.v4.new_code_cell("x = 1")],
                          {"nnkit": {"exercise_file": "03_activations"}})
    assert list(python_files_from_notebook(path)) == ["03_activations.py"]


def test_magics_shell_lines_and_check_calls_are_commented_out_and_check_cells_dropped(tmp_path):
    cells = [nbformat.v4.new_code_cell("%matplotlib inline\n!pip install torch\nimport torch"),
             nbformat.v4.new_code_cell("%%bash\nls -l"),
             nbformat.v4.new_code_cell("%%time\ny = torch.ones(2)"),
             nbformat.v4.new_code_cell("from nnkit.notebooks.check import check\ncheck('05_losses.mse')"),
             nbformat.v4.new_code_cell("def mse(a, b):\n    return ((a - b) ** 2).mean()\n\n"
                                       "check('05_losses.mse')")]
    cells[3].metadata["nbgrader"] = {"grade": True, "solution": False}
    text = python_files_from_notebook(write_notebook(tmp_path / "05_losses.ipynb", cells))["05_losses.py"]
    assert "# %matplotlib inline" in text and "# !pip install torch" in text
    assert "# %%bash\n# ls -l" in text and "# %%time\ny = torch.ones(2)" in text
    assert "check('05_losses.mse')" not in text.replace("# check('05_losses.mse')", "")
    assert "def mse(a, b):\n    return ((a - b) ** 2).mean()" in text
    compile(text, "05_losses.py", "exec")


@pytest.mark.parametrize(("content", "kind", "words"), [
    (b'{"cells": [', "not_json", "not valid JSON"),
    (b"\xff\xfe garbage", "not_json", "not valid JSON"),
    (b'{"hello": "world"}', "not_notebook", "not a Jupyter notebook"),
    (b'[1, 2, 3]', "not_notebook", "not a Jupyter notebook"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code"}]}', "not_notebook",
     "damaged notebook"),
])
def test_a_file_that_is_not_a_notebook_gets_a_clear_message(tmp_path, content, kind, words):
    path = tmp_path / "05_losses.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookProblem, match=words) as problem:
        python_files_from_notebook(path)
    assert problem.value.kind == kind and "05_losses.ipynb" in str(problem.value)


def test_a_notebook_of_no_known_exercise_file_is_refused_by_name(tmp_path):
    path = write_notebook(tmp_path / "homework.ipynb", [nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(NotebookProblem, match=re.escape("homework.ipynb is not one of the kit's notebooks")):
        python_files_from_notebook(path)
