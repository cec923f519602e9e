"""What a graded class says, computed from its results.json alone (so a report never regrades).

Per exercise: the mean share of its points, the share of students at full marks and the share
who did not start it (the stub left in place, or its file not handed in). Across the class: the
totals, the named mistakes (a test's `mistake`, counted once a student), the submission
problems, the values tests recorded (`measures`, a held-out accuracy say) and the
students at risk. Nothing here names an exercise: ids come from results.json.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from nnkit.i18n.lang import _

# A student is at risk below this share of the points, or with this share of exercises not started.
RISK_TOTAL_SHARE = 0.5
RISK_NOT_STARTED_SHARE = 0.5
# Problem kinds of results.json, by the group the report counts them in.
MISSING = ("missing_file", "empty")
UNREADABLE_SOURCE = ("syntax_error", "encoding", "unreadable", "not_json", "not_notebook", "too_large")


@dataclass
class Spread:
    """Five numbers of a distribution (all equal for one value)."""

    count: int
    low: float
    first_quartile: float
    median: float
    third_quartile: float
    high: float


@dataclass
class ExerciseSummary:
    id: str
    points: int
    students: int
    mean_share: float
    full_share: float
    not_started_share: float


@dataclass
class Mistake:
    exercise: str
    name: str
    students: list[str]
    share: float
    example: str  # one failure message naming it, as a student read it


@dataclass
class Problem:
    """One submission problem of one student; `group` is missing, source, timeout, forbidden or other."""

    group: str
    student: str
    what: str


@dataclass
class AtRisk:
    student: str
    total: float
    max_total: int
    not_started: int
    exercises: int


@dataclass
class Measure:
    exercise: str
    name: str
    values: dict[str, float]  # student → value


@dataclass
class ClassStats:
    students: list[str]
    max_total: int
    totals: dict[str, float]
    feedback: dict[str, str]  # student → feedback page, relative to the output folder
    exercises: list[ExerciseSummary]  # hardest first
    mistakes: list[Mistake]  # most common first
    problems: list[Problem]
    measures: list[Measure]
    at_risk: list[AtRisk]
    not_started: dict[str, list[str]] = field(default_factory=dict)  # exercise id → students


def spread(values: list[float]) -> Spread | None:
    """Quartiles by the inclusive method (a class is the whole population, not a sample)."""
    if not values:
        return None
    if len(values) == 1:
        return Spread(1, values[0], values[0], values[0], values[0], values[0])
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), min(values), q1, median, q3, max(values))


def exercise_file(exercise_id: str) -> str:
    return exercise_id.split(".")[0]


def not_started(record: dict, exercise: dict) -> bool:
    """The stub is still there, or the exercise's file was not handed in."""
    if exercise.get("zeroed_by") == "not_started":
        return True
    if exercise.get("zeroed_by") != "submission":
        return False
    name = f"{exercise_file(exercise['id'])}.py"
    return any(p.get("kind") == "empty" or (p.get("kind") == "missing_file" and name in p.get("message", ""))
               for p in record.get("problems", []))


def summarise(results: dict) -> ClassStats:
    records = results.get("students", [])
    ids = [e["id"] for e in results.get("exercises", [])]
    points = {e["id"]: e["points"] for e in results.get("exercises", [])}
    students = [r["student"] for r in records]
    started_not: dict[str, list[str]] = {i: [] for i in ids}
    shares: dict[str, list[float]] = {i: [] for i in ids}
    for record in records:
        for exercise in record.get("exercises", []):
            if exercise["id"] not in shares:
                continue
            points_of = exercise["points"]
            shares[exercise["id"]].append(exercise["earned"] / points_of if points_of else 0)
            if not_started(record, exercise):
                started_not[exercise["id"]].append(record["student"])
    count = len(records)
    exercises = [ExerciseSummary(i, points[i], count, statistics.fmean(shares[i]) if shares[i] else 0.0,
                                 sum(s >= 1 for s in shares[i]) / count if count else 0.0,
                                 len(started_not[i]) / count if count else 0.0) for i in ids]
    order = {i: n for n, i in enumerate(ids)}
    exercises.sort(key=lambda e: (e.mean_share, e.full_share, order[e.id]))
    return ClassStats(
        students=students,
        max_total=max((r.get("max_total", 0) for r in records), default=sum(points.values())),
        totals={r["student"]: r.get("total", 0) for r in records},
        feedback={r["student"]: str(PurePosixPath(r["feedback"]).with_suffix(".html"))
                  for r in records if r.get("feedback")},
        exercises=exercises, mistakes=mistakes(records, order), problems=problems(records),
        measures=measures(records), at_risk=at_risk(records, started_not), not_started=started_not)


def mistakes(records: list[dict], order: dict[str, int]) -> list[Mistake]:
    """Each named mistake with the students who made it (once each), most common first."""
    who: dict[tuple[str, str], list[str]] = defaultdict(list)
    example: dict[tuple[str, str], str] = {}
    for record in records:
        for test in record.get("tests", []):
            key = (test.get("exercise"), test.get("mistake"))
            if key[0] is None or key[1] is None:
                continue
            if record["student"] not in who[key]:
                who[key].append(record["student"])
            example.setdefault(key, test.get("message", ""))
    found = [Mistake(exercise, name, students, len(students) / len(records), example[(exercise, name)])
             for (exercise, name), students in who.items()]
    found.sort(key=lambda m: (-len(m.students), order.get(m.exercise, len(order)), m.name))
    return found


def problems(records: list[dict]) -> list[Problem]:
    """Submission problems (staging's, and time-outs and forbidden calls from the tests)."""
    found = []
    for record in records:
        student = record["student"]
        for problem in record.get("problems", []):
            kind = problem.get("kind", "")
            group = "missing" if kind in MISSING else "source" if kind in UNREADABLE_SOURCE else "other"
            found.append(Problem(group, student, problem.get("message", kind)))
        tests = record.get("tests", [])
        for exercise in sorted({t.get("exercise") or "?" for t in tests if t.get("status") == "timeout"}):
            found.append(Problem("timeout", student, _("{exercise}: a check ran longer than the time "
                                                       "limit.").format(exercise=exercise)))
        for exercise in sorted({t.get("exercise") or "?" for t in tests if t.get("kind") == "forbidden"}):
            found.append(Problem("forbidden", student, _("{exercise}: it makes a call the exercise does "
                                                         "not allow.").format(exercise=exercise)))
    return found


def measures(records: list[dict]) -> list[Measure]:
    """The values tests recorded, one distribution per (exercise, name)."""
    found: dict[tuple[str, str], dict[str, float]] = {}
    for record in records:
        for test in record.get("tests", []):
            for name, value in (test.get("measures") or {}).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    key = (test.get("exercise") or "?", name)
                    found.setdefault(key, {})[record["student"]] = float(value)
    return [Measure(exercise, name, values) for (exercise, name), values in found.items()]


def at_risk(records: list[dict], not_started_by_exercise: dict[str, list[str]]) -> list[AtRisk]:
    """Students with a low total or many exercises not started, lowest total first."""
    count = len(not_started_by_exercise)
    found = []
    for record in records:
        skipped = sum(record["student"] in s for s in not_started_by_exercise.values())
        low = record.get("max_total", 0) and record.get("total", 0) < RISK_TOTAL_SHARE * record["max_total"]
        if low or (count and skipped >= RISK_NOT_STARTED_SHARE * count):
            found.append(AtRisk(record["student"], record.get("total", 0), record.get("max_total", 0),
                                skipped, count))
    found.sort(key=lambda r: (r.total, -r.not_started, r.student))
    return found
