"""Write what grading produced: grades.csv, results.json and the per-student records.

Every file is written to a temporary name and renamed into place, so a reader (or an interrupted
run) never sees half a file. grades.csv holds no timestamps and sorts its rows, so grading the
same class twice gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from nnkit.course import catalog
from nnkit.grade import scoring

SAFE = re.compile(r"[^A-Za-z0-9._-]+")
ROSTER_COLUMNS = ("name", "email", "lms_id", "roster")  # grades.csv's columns with --roster


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_json(path: Path, value: object) -> None:
    write_atomic(path, json.dumps(value, indent=1, ensure_ascii=False) + "\n")


def safe_name(student: str) -> str:
    """A file name for a student id: ASCII letters, digits, `._-`; a hash keeps changed ids apart."""
    ascii_text = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode()
    name = SAFE.sub("_", ascii_text).strip("._-")[:60]
    if name == student and name:
        return name
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name or 'student'}-{digest}"


def grades_csv(records: list[dict], people: list[dict] | None = None, missing_as_zero: bool = False) -> str:
    """One row a student: points per exercise id in contract order, total, max_total.

    With a roster (`people`, from `roster.Match.people`), its columns come after `student` and
    its rows keep the roster's order: a roster student without a submission gets empty cells
    (0 with `missing_as_zero`), a submission not on the roster a row of its own."""
    ids = [exercise.id for exercise in catalog.exercises()]
    by_student = {record["student"]: record for record in records}
    rows = people if people is not None else [{"student": s} for s in sorted(by_student)]
    extra = list(ROSTER_COLUMNS) if people is not None else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *extra, *ids, "total", "max_total"])
    for row in rows:
        record = by_student.get(row["student"])
        if record is None:
            empty = "0" if missing_as_zero else ""
            cells = [empty] * (len(ids) + 1) + [sum(e.points for e in catalog.exercises())]
        else:
            earned = {e["id"]: scoring.text(e["earned"]) for e in record["exercises"]}
            cells = [*(earned.get(i, "0") for i in ids), scoring.text(record["total"]), record["max_total"]]
        writer.writerow([row["student"], *(row[column] for column in extra), *cells])
    return out.getvalue()


def results_json(records: list[dict], protections: dict, class_problems: list[dict],
                 grader_problems: list[str], roster: dict | None = None) -> dict:
    """Everything about the batch: protections in force, exercises, every student and test, and
    with --roster who is whose and who handed in nothing."""
    results = {
        "kit_version": protections.get("kit_version"),
        "protections": protections,
        "exercises": [{"id": e.id, "points": e.points} for e in catalog.exercises()],
        "class_problems": class_problems,
        "grader_problems": grader_problems,
        "students": sorted(records, key=lambda r: r["student"]),
    }
    if roster is not None:
        results["roster"] = roster
    return results


def student_record(student: str, source: str, problems: list[dict], raw: dict) -> dict:
    """A student's scored record: per exercise, per test, and submission-level problems."""
    tests = raw.get("tests", [])
    result = scoring.score(tests)
    scored_tests = [{**test, "points": scoring.number(earned), "max_points": scoring.number(possible)}
                    for test, (earned, possible) in zip(tests, result.test_points)]
    return {
        "student": student,
        "source": source,
        "feedback": f"feedback/{safe_name(student)}.md",
        "total": scoring.number(result.total),
        "max_total": result.max_total,
        "exercises": [{"id": e.id, "earned": scoring.number(e.earned), "points": e.points,
                       "tests": e.tests, "zeroed_by": e.zeroed_by} for e in result.exercises.values()],
        "problems": problems,
        "grader_problems": raw.get("grader_problems", []),  # for the instructor, never on a page
        "worker_restarts": raw.get("restarts", 0),
        "tests": scored_tests,
    }
