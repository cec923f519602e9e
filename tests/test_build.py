"""`nnkit build`: stubs come from solutions, and `--check` catches stale generated files."""

import shutil
from pathlib import Path

import pytest

from nnkit.build import command
from nnkit.build.stubs import MarkerError, make_stub
from nnkit.course import catalog

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A copy of the kit's solutions and generated exercises."""
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_build_check_passes_on_the_committed_files():
    assert command.run(check=True, root=ROOT) == 0


def test_the_english_stubs_come_out_the_same_whatever_language_the_author_speaks():
    from nnkit.i18n import lang

    with lang.speaking("ru"):
        assert command.run(check=True, root=ROOT) == 0


def test_build_check_fails_after_a_solution_is_edited(kit: Path, capsys):
    solution = kit / "solutions" / "05_losses.py"
    solution.write_text(solution.read_text().replace("Loss functions", "Losses, edited"))
    assert command.run(check=True, root=kit) == 1
    assert "exercises/05_losses.py" in capsys.readouterr().err


def test_build_rewrites_stale_stubs_so_check_passes_again(kit: Path):
    (kit / "exercises" / "03_activations.py").write_text("# stale\n")
    assert command.run(check=False, root=kit) == 0
    assert command.run(check=True, root=kit) == 0


def test_every_solution_region_becomes_a_stub_naming_its_exercise_id():
    for stem in catalog.files():
        stub = make_stub((ROOT / "solutions" / f"{stem}.py").read_text(), stem)
        assert "BEGIN SOLUTION" not in stub and "END SOLUTION" not in stub
        for exercise in catalog.exercises():
            if exercise.file == stem:
                assert f'NotImplementedError("{exercise.id} is not started yet")' in stub


def test_stub_keeps_signature_and_docstring_but_drops_the_solution_code():
    source = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n'
    stub = make_stub(source, "09_demo")
    assert 'def f(x):\n    """Doc."""\n    # YOUR CODE HERE\n' in stub
    assert 'raise NotImplementedError("09_demo.f is not started yet")' in stub
    assert "return x + 1" not in stub


@pytest.mark.parametrize("source", [
    "def f():\n    ### BEGIN SOLUTION\n    pass\n",
    "def f():\n    pass\n    ### END SOLUTION\n",
    "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
])
def test_unbalanced_or_stray_markers_are_refused(source: str):
    with pytest.raises(MarkerError):
        make_stub(source, "09_demo")


def test_the_table_and_the_solution_regions_name_the_same_exercise_ids():
    assert command.consistency_problems(ROOT) == []
