"""The course's exercise table (`exercises/info.toml`): ids in contract order, points, forbidden
calls, hints.

Every tool reads exercise metadata from here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nnkit.course import layout
from nnkit.course.tomlcompat import tomllib
from nnkit.i18n.lang import _


@dataclass(frozen=True)
class Exercise:
    id: str
    points: int
    forbidden: tuple[str, ...]
    hints: tuple[str, ...]

    @property
    def file(self) -> str:
        """The exercise file's stem, e.g. "05_losses"."""
        return self.id.split(".")[0]

    @property
    def name(self) -> str:
        """The function or class name, e.g. "mse"."""
        return self.id.split(".", 1)[1]


def exercises() -> tuple[Exercise, ...]:
    """The course's exercises, in the table's order."""
    return _read(layout.course_root() / layout.TABLE)


@cache
def _read(path: Path) -> tuple[Exercise, ...]:
    with path.open("rb") as handle:
        table = tomllib.load(handle)
    return tuple(Exercise(e["id"], int(e["points"]), tuple(e.get("forbidden", ())),
                          tuple(e.get("hints", ()))) for e in table["exercise"])


def files() -> list[str]:
    """Exercise file stems in contract order."""
    return list(dict.fromkeys(e.file for e in exercises()))


def by_id(exercise_id: str) -> Exercise:
    for exercise in exercises():
        if exercise.id == exercise_id:
            return exercise
    raise KeyError(exercise_id)


class UnknownSelection(ValueError):
    pass


def select(selector: str | None) -> list[Exercise]:
    """Exercises matching "05", "05_losses", "05_losses.mse", "mse" or "losses"; all for None."""
    if not selector:
        return list(exercises())
    chosen = [e for e in exercises()
              if selector in (e.id, e.file, e.name, e.file.split("_")[0], e.file.split("_", 1)[1])]
    if not chosen:
        example = exercises()[-1]
        raise UnknownSelection(
            _("no exercise matches {selector!r}: use a number like {number}, a file like {file}, or an id "
              "like {id} (the files are {files})").format(
                  selector=selector, number=example.file.split("_")[0], file=example.file, id=example.id,
                  files=", ".join(files())))
    return chosen


def forbidden_lists() -> list[list[str]]:
    """The distinct lists of forbidden names of the course's exercises (the student side resolves
    them before it imports any student code)."""
    return [list(names) for names in dict.fromkeys(e.forbidden for e in exercises() if e.forbidden)]
