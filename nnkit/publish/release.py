"""`nnkit release OUT`: the student bundle, as the folder OUT/ and the zip OUT.zip.

The bundle is assembled from an explicit list of what students may have, never by copying the
kit and deleting secrets: the generated stubs and the public checks (`exercises/`), the data
and schema pictures (`data/`), the release notebooks (`notebooks/`, made by nbgrader's own
preprocessors: solution regions replaced, hidden test regions removed), the `nnkit` package
with a pyproject so that `pip install ./BUNDLE` gives `nnkit check/watch/hint`, and a README
written for students. Solutions, hidden tests, `source/` and `autograder/` never enter it.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from nnkit.course import catalog, layout

Files = dict[str, bytes]  # a bundle: relative path (with "/") → content

DATA_FILES = ("iris.csv", "data.pt", "target.pt")
PACKAGE_SUFFIXES = (".py", ".mo")
# The course's public part besides the stubs and their checks: its table, known mistakes, contract.
COURSE_FILES = ("conftest.py", "info.toml", "mistakes.py", "CURRICULUM.md")
STUDENT_README = Path("docs") / "student-README.md"
EXECUTABLE = {"run_autograder", "setup.sh"}
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so the same kit gives the same zip



def pyproject(root: Path) -> bytes:
    """The kit's own pyproject.toml: `pip install ./BUNDLE` then installs the `nnkit` package
    with the same version and dependencies (the bundle holds the package, not the tests)."""
    return (root / "pyproject.toml").read_bytes()


def package_files(root: Path) -> Files:
    """The `nnkit` package's sources and data, without caches."""
    package = root / "nnkit"
    files = {f"nnkit/{path.relative_to(package).as_posix()}": path
             for path in sorted(package.rglob("*"))
             if path.is_file() and path.suffix in PACKAGE_SUFFIXES and "__pycache__" not in path.parts}
    return {name: path.read_bytes() for name, path in files.items()}


def exercise_files(root: Path) -> Files:
    """Stubs, public checks and the course's public files: exactly the files of `exercises/` named here."""
    folder = root / "exercises"
    names = [f"{stem}.py" for stem in catalog.files()] + [f"test_{stem}.py" for stem in catalog.files()]
    names += COURSE_FILES
    return {f"exercises/{name}": (folder / name).read_bytes() for name in names if (folder / name).is_file()}


def data_files(root: Path) -> Files:
    """The iris data and the schema pictures."""
    folder = root / "data"
    files = {f"data/{name}": (folder / name).read_bytes() for name in DATA_FILES}
    files.update({f"data/schemas/{path.name}": path.read_bytes()
                  for path in sorted((folder / "schemas").glob("*.png"))})
    return files


def release_notebook(source: str) -> str:
    """What nbgrader's generate_assignment releases, from a source notebook's text (no database)."""
    import nbformat
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    notebook = nbformat.reads(source, as_version=4)
    resources: dict = {}
    # generate_assignment's order, without the header/footer and the gradebook steps.
    for step in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums,
                 ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata):
        notebook, resources = step().preprocess(notebook, resources)
    return nbformat.writes(notebook) + "\n"


def notebook_files(root: Path) -> Files:
    return {f"notebooks/{stem}.ipynb":
            release_notebook((root / "source" / stem / f"{stem}.ipynb").read_text()).encode()
            for stem in catalog.files()}


def student_bundle(root: Path) -> Files:
    """Every file of the student bundle."""
    files: Files = {"README.md": (root / STUDENT_README).read_bytes(),
                    "pyproject.toml": pyproject(root)}
    for part in (exercise_files, data_files, notebook_files, package_files):
        files.update(part(root))
    return files


def write_tree(files: Files, folder: Path) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        if path.name in EXECUTABLE:
            path.chmod(0o755)


def write_zip(files: Files, path: Path, prefix: str = "") -> None:
    """A zip of `files` (under folder `prefix`), byte-for-byte the same for the same files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(prefix + name, date_time=ZIP_TIME)
            info.external_attr = (0o755 if Path(name).name in EXECUTABLE else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    temporary.replace(path)


def build(out: Path, root: Path | None = None, force: bool = False) -> tuple[Path, Path]:
    """Write the bundle to OUT/ and OUT.zip; return both paths."""
    root = root or layout.course_root()
    out = Path(out).resolve()
    if out.exists() and not (out.is_dir() and not any(out.iterdir())) and not force:
        raise FileExistsError(f"{out} exists and is not an empty folder (use --force to replace it)")
    files = student_bundle(root)
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    write_tree(files, out)
    archive = out.with_name(out.name + ".zip")
    write_zip(files, archive, prefix=f"{out.name}/")
    return out, archive


def run(out: Path, force: bool = False) -> int:
    try:
        folder, archive = build(out, force=force)
    except FileExistsError as error:
        print(f"nnkit release: {error}")
        return 1
    except ImportError as error:
        print(f"nnkit release: the release notebooks are made with nbgrader ({error}); install "
              "the notebook extra: pip install -e '.[notebooks]'")
        return 1
    print(f"nnkit release: wrote {folder}/ and {archive}")
    return 0
