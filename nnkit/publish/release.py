"""`nnkit release OUT`: the student bundle, as the folder OUT/ and the zip OUT.zip.

The bundle is assembled from an explicit list of what students may have, never by copying the
kit and deleting secrets: the generated stubs and the public checks (`exercises/`), the data
and schema pictures (`data/`), the release notebooks (`notebooks/`, made by nbgrader's own
preprocessors: solution regions replaced, hidden test regions removed), the `nnkit` package
with a pyproject so that `pip install ./BUNDLE` gives `nnkit check/watch/hint`, and a README
written for students. Solutions, hidden tests, `source/` and `autograder/` never enter it.

`--lang` picks the edition: its stubs (the solutions' prose translated, made here), its nbgrader
notebooks (`source/<lang>/`) and its README. Every bundle carries every language's catalogs of the
tool and of the public course, so its messages follow the student's language whatever the edition.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from nnkit.build import editions
from nnkit.course import catalog, layout
from nnkit.i18n import course, lang, prose
from nnkit.i18n.lang import _

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


def exercise_files(root: Path, code: str = lang.SOURCE) -> Files:
    """Stubs (of the edition `code`), public checks and the course's public files and compiled
    catalogs: exactly the files of `exercises/` named here."""
    folder = root / "exercises"
    names = [f"test_{stem}.py" for stem in catalog.files()] + list(COURSE_FILES)
    files = {f"exercises/{name}": (folder / name).read_bytes() for name in names if (folder / name).is_file()}
    for stem in catalog.files():
        files[f"exercises/{stem}.py"] = ((folder / f"{stem}.py").read_bytes() if code == lang.SOURCE
                                         else editions.stub(root, stem, code).encode("utf-8"))
    files.update({f"exercises/{path.relative_to(folder).as_posix()}": path.read_bytes()
                  for path in sorted((folder / course.PUBLIC[0].name).rglob("*.mo"))})
    return files


def data_files(root: Path, code: str = lang.SOURCE) -> Files:
    """The iris data and the schema pictures (those of the edition `code`, drawn into
    `data/schemas/<lang>/` by `data/schemas/draw_schemas.py`)."""
    folder = root / "data"
    files = {f"data/{name}": (folder / name).read_bytes() for name in DATA_FILES}
    pictures = folder / "schemas" / ("" if code == lang.SOURCE else code)
    files.update({f"data/schemas/{path.name}": path.read_bytes() for path in sorted(pictures.glob("*.png"))})
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


def notebook_files(root: Path, code: str = lang.SOURCE) -> Files:
    folder = editions.nbgrader_folder(root, code)
    sources = {stem: (folder / stem / f"{stem}.ipynb").read_text() for stem in catalog.files()}
    return {f"notebooks/{stem}.ipynb": release_notebook(text).encode() for stem, text in sources.items()}


def readme(root: Path, code: str = lang.SOURCE) -> bytes:
    """The student README of the edition `code`, translated paragraph by paragraph."""
    text = (root / STUDENT_README).read_text(encoding="utf-8")
    if code == lang.SOURCE:
        return text.encode("utf-8")
    translated = prose.translate_text(text, course.catalogs(root, code).gettext)
    return (translated.rstrip("\n") + "\n").encode("utf-8")


def student_bundle(root: Path, code: str = lang.SOURCE) -> Files:
    """Every file of the student bundle of the edition `code`."""
    files: Files = {"README.md": readme(root, code), "pyproject.toml": pyproject(root)}
    files.update(exercise_files(root, code))
    files.update(data_files(root, code))
    files.update(notebook_files(root, code))
    files.update(package_files(root))
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


def edition(root: Path, code: str | None = None) -> str:
    """The language `code` (default: the one chosen), once the course is known to have it."""
    code = code or lang.language()
    if code != lang.SOURCE and code not in editions.languages(root):
        raise ValueError(_("the course has no {language} edition: its catalog "
                                "exercises/locale/{language}/ is missing").format(language=code))
    return code


def replace_folder(out: Path, files: Files, force: bool) -> None:
    """Write `files` as the folder `out`, which must be empty or missing unless `force`."""
    if out.exists() and not (out.is_dir() and not any(out.iterdir())) and not force:
        raise FileExistsError(_("{folder} exists and is not an empty folder (use --force to replace "
                                "it)").format(folder=out))
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    write_tree(files, out)


def build(out: Path, root: Path | None = None, force: bool = False,
          code: str | None = None) -> tuple[Path, Path]:
    """Write the bundle of the edition `code` (default: the language chosen) to OUT/ and OUT.zip;
    return both paths."""
    root = root or layout.course_root()
    out = Path(out).resolve()
    files = student_bundle(root, edition(root, code))
    replace_folder(out, files, force)
    archive = out.with_name(out.name + ".zip")
    write_zip(files, archive, prefix=f"{out.name}/")
    return out, archive


def run(out: Path, force: bool = False) -> int:
    try:
        folder, archive = build(out, force=force)
    except (FileExistsError, ValueError) as error:
        print(_("nnkit release: {error}").format(error=error))
        return 1
    except ImportError as error:
        print(_("nnkit release: the release notebooks are made with nbgrader ({error}); install the notebook "
                "extra: pip install -e '.[notebooks]'").format(error=error))
        return 1
    print(_("nnkit release: wrote {folder}/ and {archive}").format(folder=folder, archive=archive))
    return 0
