"""Points per exercise file by the kit's scoring rule: the gradebook, the LMS columns, the Classroom steps.

All add up `scoring.score`'s exact fractions per file, so a file's points in the terminal's
gradebook, in canvas.csv, in moodle.csv and in a Classroom step are the same, rounded only when
printed.
"""

from __future__ import annotations

from fractions import Fraction

from nnkit.course import catalog
from nnkit.grade import scoring


def by_file(tests: list[dict]) -> dict[str, Fraction]:
    """Earned points per exercise file stem, in contract order, from a student's test results."""
    totals = dict.fromkeys(catalog.files(), Fraction(0))
    for exercise in scoring.score(tests).exercises.values():
        totals[catalog.by_id(exercise.id).file] += exercise.earned
    return totals


def maxima() -> dict[str, int]:
    """Points possible per exercise file stem, in contract order."""
    totals = dict.fromkeys(catalog.files(), 0)
    for exercise in catalog.exercises():
        totals[exercise.file] += exercise.points
    return totals
