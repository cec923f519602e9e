"""What the similarity report compares: each student's exercise files, the kit's boilerplate and
the reference solutions.

Students' files are taken exactly as `nnkit grade` takes them (staging: folders, zips, one folder
down, notebooks turned into their code cells without the check cells), so both tools see the
same code. Boilerplate is what everyone was given: the stubs and the public checks. Nothing here
runs student code.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nnkit.course import catalog, layout
from nnkit.grade import staging
from nnkit.grade.command import stage_safely
from nnkit.grade.output.reports import safe_name
from nnkit.submission.source import SourceProblem, read_source

REFERENCE = "solutions/"  # the reference's owner id: no student id (a file name) holds a slash
NOTEBOOK_CODE = "# %% code cell "  # how notebook_files.code_from_cells starts the code of a notebook


@dataclass
class Submission:
    """One owner's exercise files as text (file name → code), and what could not be read."""

    owner: str
    files: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def exercise_names() -> list[str]:
    return [f"{stem}.py" for stem in catalog.files()]


def class_submissions(class_dir: Path) -> tuple[list[Submission], list[str]]:
    """Every student's files in `class_dir`, and the class folder's own notes (ignored entries)."""
    entries, notes = staging.find_entries(Path(class_dir))
    found = []
    with tempfile.TemporaryDirectory(prefix="nnkit-similarity-") as scratch:
        for student, entry in entries.items():
            dest = Path(scratch) / safe_name(student)
            staged = stage_safely(student, entry, dest)
            submission = Submission(student, problems=[p.message for p in staged.problems])
            for name in staged.files:
                try:
                    submission.files[name] = read_source(dest / name)
                except SourceProblem as problem:
                    submission.problems.append(str(problem))
            found.append(submission)
    return found, [note.message for note in notes]


def _kit_files(folder: Path, names: list[str]) -> list[str]:
    return [read_source(folder / name) for name in names if (folder / name).is_file()]


def boilerplate(notebooks: bool = False) -> list[str]:
    """The code every student was given: the stubs and the public checks of every exercise file,
    and with `notebooks` the code cells of the released notebooks (made as `nnkit release` makes
    them, which needs the `notebooks` extra)."""
    folder = layout.course_root() / "exercises"
    names = exercise_names()
    given = _kit_files(folder, names) + _kit_files(folder, [f"test_{name}" for name in names])
    return given + (released_notebook_code() if notebooks else [])


def released_notebook_code() -> list[str]:
    from nnkit.notebooks.to_python import python_files_from_bytes
    from nnkit.publish.release import release_notebook

    code = []
    for path in sorted((layout.course_root() / "source").glob("*/*.ipynb")):
        released = release_notebook(path.read_text(encoding="utf-8")).encode("utf-8")
        code += python_files_from_bytes(released, path.name, path.parent.name).values()
    return code


def has_notebooks(submissions: list[Submission]) -> bool:
    return any(text.startswith(NOTEBOOK_CODE) for s in submissions for text in s.files.values())


def reference() -> Submission | None:
    """The reference solutions, when this machine has them (an instructor's checkout)."""
    folder = layout.course_root() / "solutions"
    files = {name: read_source(folder / name) for name in exercise_names() if (folder / name).is_file()}
    return Submission(REFERENCE, files) if files else None
