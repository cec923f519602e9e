"""The scoring rule, in one place.

An exercise id's points (from the catalog) are split equally over its tests; a passed test earns
its share. The whole id earns 0 when a test reports a forbidden call, a stub left in place or a
broken submission file, and when none of its value checks passed: checks of a property (inputs
left unchanged, dtype kept, differentiable; marked `property`) count only alongside right values,
so an answer that is wrong, or a cheat, earns nothing for keeping its inputs intact. Points are
exact fractions until they are printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from nnkit.course import catalog

ZEROING_KINDS = ("forbidden", "not_started", "submission")
NO_VALUE = "no_value"


@dataclass
class ExerciseScore:
    """Points of one exercise id for one student."""

    id: str
    points: int
    tests: int = 0
    earned: Fraction = Fraction(0)
    zeroed_by: str | None = None


@dataclass
class Score:
    exercises: dict[str, ExerciseScore] = field(default_factory=dict)
    test_points: list[tuple[Fraction, Fraction]] = field(default_factory=list)  # (earned, possible)

    @property
    def total(self) -> Fraction:
        return sum((e.earned for e in self.exercises.values()), Fraction(0))

    @property
    def max_total(self) -> int:
        return sum(e.points for e in self.exercises.values())


def score(tests: list[dict]) -> Score:
    """Score a student's test results (each a dict with "exercise", "status" and "kind")."""
    result = Score({e.id: ExerciseScore(e.id, e.points) for e in catalog.exercises()})
    for test in tests:
        exercise = result.exercises.get(test.get("exercise"))
        if exercise is not None:
            exercise.tests += 1
            if test.get("kind") in ZEROING_KINDS and exercise.zeroed_by is None:
                exercise.zeroed_by = test["kind"]
    for exercise in result.exercises.values():
        values = [t for t in tests if t.get("exercise") == exercise.id and not t.get("property")]
        if exercise.zeroed_by is None and values and not any(t.get("status") == "passed" for t in values):
            exercise.zeroed_by = NO_VALUE
    for test in tests:
        exercise = result.exercises.get(test.get("exercise"))
        if exercise is None:  # a test without a known exercise id counts for nothing
            result.test_points.append((Fraction(0), Fraction(0)))
            continue
        share = Fraction(exercise.points, exercise.tests)
        earned = share if test.get("status") == "passed" and not exercise.zeroed_by else Fraction(0)
        exercise.earned += earned
        result.test_points.append((earned, share))
    return result


def number(value: Fraction | int) -> int | float:
    """Points as a JSON number: an integer when whole, else rounded to two decimals."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else round(float(value), 2)


def text(value: float) -> str:
    """Points as text for grades.csv: "3" or "1.67", the same every time."""
    return str(value) if isinstance(value, int) else f"{value:.2f}"
