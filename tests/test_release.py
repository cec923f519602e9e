"""`nnkit release`: what students get, and proof that no solution or hidden test is in it."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hidden_lines import leaks, secret_lines

from nnkit.build.stubs import BEGIN
from nnkit.course import catalog
from nnkit.publish import release

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    folder, _ = release.build(tmp_path_factory.mktemp("release") / "nnkit-exercises")
    return folder


def bundle_texts(folder: Path) -> dict[Path, str]:
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # data.pt, target.pt, the pictures
    return texts


def test_the_search_looks_for_real_solution_and_hidden_test_lines():
    secrets = secret_lines()
    assert "return ((y_hat - y) ** 2).mean()" in secrets
    assert sum(where.startswith("solutions/") for where in secrets.values()) >= 50
    assert any(where.startswith("autograder/") for where in secrets.values())


def test_no_solution_line_or_hidden_test_line_is_anywhere_in_the_bundle(bundle):
    texts = {str(path.relative_to(bundle)): text for path, text in bundle_texts(bundle).items()}
    assert leaks(texts) == []


def test_the_bundle_holds_no_solutions_hidden_tests_or_nbgrader_source(bundle):
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert not [n for n in names if n.split("/")[0] in ("solutions", "autograder", "source", "tests")]
    assert [n for n in names if n.endswith("conftest.py")] == ["exercises/conftest.py"]
    conftest = (ROOT / "autograder" / "conftest.py")
    if conftest.is_file():
        assert all(conftest.read_text() not in text for text in bundle_texts(bundle).values())
    for path, text in bundle_texts(bundle).items():
        if path.relative_to(bundle).parts[0] in ("exercises", "notebooks", "data"):
            assert BEGIN not in text and "BEGIN HIDDEN TESTS" not in text and "hidden=True" not in text


def test_the_bundle_has_stubs_checks_data_notebooks_commands_and_a_students_readme(bundle):
    for stem in catalog.files():
        stub = (ROOT / "exercises" / f"{stem}.py").read_text()
        assert (bundle / "exercises" / f"{stem}.py").read_text() == stub
        assert (bundle / "exercises" / f"test_{stem}.py").is_file()
        assert (bundle / "notebooks" / f"{stem}.ipynb").is_file()
    for name in ("data.pt", "target.pt", "iris.csv", "schemas/schema_a.png"):
        assert (bundle / "data" / name).is_file()
    assert (bundle / "nnkit" / "cli.py").is_file() and (bundle / "exercises" / "info.toml").is_file()
    assert ((bundle / "exercises" / "mistakes.py").is_file()
            and (bundle / "exercises" / "CURRICULUM.md").is_file())
    readme = (bundle / "README.md").read_text()
    assert all(command in readme for command in ("nnkit check", "nnkit watch", "nnkit hint", "pip install"))


def test_release_notebooks_have_stubs_where_the_solutions_were(bundle):
    import nbformat

    for stem in catalog.files():
        notebook = nbformat.read(bundle / "notebooks" / f"{stem}.ipynb", as_version=4)
        solutions = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert len(solutions) == sum(e.file == stem for e in catalog.exercises())
        assert all("raise NotImplementedError()" in c.source for c in solutions)


def test_the_zip_holds_the_same_files_as_the_folder_under_its_name(bundle):
    with zipfile.ZipFile(bundle.with_name(bundle.name + ".zip")) as archive:
        zipped = {info.filename: archive.read(info) for info in archive.infolist()}
    folder = {f"{bundle.name}/{p.relative_to(bundle).as_posix()}": p.read_bytes()
              for p in bundle.rglob("*") if p.is_file()}
    assert zipped == folder


def test_the_same_kit_gives_the_same_zip(bundle, tmp_path):
    _, again = release.build(tmp_path / "nnkit-exercises")
    assert again.read_bytes() == bundle.with_name(bundle.name + ".zip").read_bytes()


def test_release_refuses_to_overwrite_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        release.build(tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_pip_builds_the_bundle_into_a_package_with_the_nnkit_command(bundle, tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path), str(bundle)], check=False, capture_output=True,
                           text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("nnkit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert ("nnkit/cli.py" in names and "nnkit/notebooks/check.py" in names
            and "nnkit/student/check.py" in names)
    assert "nnkit = nnkit.cli:main" in entry_points
    assert not [n for n in names if n.startswith(("exercises/", "autograder/", "solutions/"))]
