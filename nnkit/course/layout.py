"""Where the course in use is: its exercise table, exercises, hidden tests and data.

A course is a folder holding `exercises/info.toml` (the exercise table), the stubs and public
checks beside it, and, on an instructor's machine, `solutions/`, `autograder/` and `source/`;
`data/` holds what the exercises read. The kit's own checkout is one; a student bundle is one too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nnkit import environment

PACKAGE = Path(__file__).resolve().parents[1]
TABLE = Path("exercises") / "info.toml"
MISTAKES = Path("exercises") / "mistakes.py"  # the known mistakes, beside their formulas
ENV_COURSE = "NNKIT_COURSE"  # a course folder to use wherever the command runs


def is_course(folder: Path) -> bool:
    return (folder / TABLE).is_file()


def course_root() -> Path:
    """$NNKIT_COURSE; else the nearest folder at or above the current one that is a course (a
    student bundle, an instructor's checkout); else the checkout this package was installed from
    (an editable install); else the current folder."""
    configured = os.environ.get(ENV_COURSE)
    if configured:
        return Path(configured).resolve()
    here = Path.cwd()
    for folder in (here, *here.parents):
        if is_course(folder):
            return folder
    return PACKAGE.parent if is_course(PACKAGE.parent) else here


@contextmanager
def using(course: Path | None) -> Iterator[None]:
    """Make `course` the course in use (in this process and the processes it starts) for a while;
    None leaves things as they are."""
    if course is None:
        yield
        return
    with environment.setting(ENV_COURSE, str(Path(course).resolve())):
        yield


def exercises_dir() -> Path:
    """The student's folder of exercise files and public checks."""
    return course_root() / "exercises"


def hidden_tests_dir() -> Path:
    return course_root() / "autograder"


def data_dir(exercises: Path | None = None) -> Path:
    """The data next to a folder of exercise files (a student's copy of the course), else the
    course's own."""
    if exercises is not None:
        beside = Path(exercises).resolve().parent / "data"
        if (beside / "data.pt").is_file():
            return beside
    return course_root() / "data"


def checks_of(folder: Path, stems: list[str]) -> list[Path]:
    """The test files of these exercise files in `folder` (`test_<stem>.py`), those that exist."""
    return [folder / f"test_{stem}.py" for stem in stems if (folder / f"test_{stem}.py").is_file()]


def submission_folder(path: Path | str | None) -> Path:
    """The folder of a student's exercise files: `path`, else the course's exercises/."""
    return Path(path).resolve() if path else exercises_dir()
