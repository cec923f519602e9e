"""`nnkit grade` against `nbgrader autograde` on the same class of notebooks.

Builds an nbgrader course from `source/` in a temporary folder, releases the assignments and
hands in N students who solved every notebook (nbgrader's submitted/ layout). Then grades that
class both ways: `nbgrader autograde` (a kernel per notebook, tests in the student's kernel)
and `nnkit grade` over the same submitted/ folder (isolated workers forked from one warm
zygote). Prints seconds per student and their ratio, and each tool's total for the first
student, so a fast run that grades wrongly shows. Numbers are printed, never asserted.

    python bench/grade_vs_nbgrader.py [-n 2] [--assignments 05_losses,06_metrics] [--jobs 2]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnkit.course import catalog
from nnkit.notebooks.source import fill_solutions

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str], cwd: Path) -> float:
    """Seconds `command` took; exits with its output when it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = done.stdout[-2000:] + done.stderr[-2000:]
        sys.exit(f"{' '.join(command[:3])}… failed ({done.returncode}):\n{output}")
    return time.perf_counter() - started


def make_course(folder: Path, assignments: list[str], students: int) -> Path:
    """A copy of source/ with the assignments released and `students` solved hand-ins."""
    course = folder / "course"
    shutil.copytree(ROOT / "source", course)
    run(["nbgrader", "generate_assignment", "[0-9]*" if len(assignments) > 1 else assignments[0]], course)
    for assignment in assignments:
        released = (course / "release" / assignment / f"{assignment}.ipynb").read_text()
        solved = fill_solutions(released, (course / assignment / f"{assignment}.ipynb").read_text())
        for number in range(students):
            target = course / "submitted" / f"student-{number:02d}" / assignment
            target.mkdir(parents=True)
            (target / f"{assignment}.ipynb").write_text(solved)
    return course


def nbgrader_total(course: Path, student: str) -> float:
    with (course / "grades.csv").open() as handle:
        return sum(float(row["score"]) for row in csv.DictReader(handle) if row["student_id"] == student)


def nnkit_total(out: Path, student: str) -> float:
    with (out / "grades.csv").open() as handle:
        return next(float(row["total"]) for row in csv.DictReader(handle) if row["student"] == student)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2, help="students (default 2)")
    parser.add_argument("--assignments", default=",".join(catalog.files()),
                        help="comma-separated assignment ids (default: all eight)")
    parser.add_argument("--jobs", type=int, default=2, help="nnkit grade --jobs (default 2)")
    args = parser.parse_args()
    assignments = [a for a in args.assignments.split(",") if a]
    if len(assignments) not in (1, len(catalog.files())):
        sys.exit("give one assignment or all eight (nbgrader selects them by one glob)")
    if shutil.which("nbgrader") is None:
        sys.exit("nbgrader is not installed: pip install -e '.[notebooks]'")
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-") as scratch:
        course = make_course(Path(scratch), assignments, args.n)
        selection = "[0-9]*" if len(assignments) > 1 else assignments[0]
        nbgrader = run(["nbgrader", "autograde", selection], course)
        run(["nbgrader", "export"], course)
        out = Path(scratch) / "nnkit-out"
        nnkit = run([sys.executable, "-m", "nnkit", "grade", str(course / "submitted"), "--out", str(out),
                     "--jobs", str(args.jobs)], ROOT)
        first = "student-00"
        totals = nbgrader_total(course, first), nnkit_total(out, first)
    per_nbgrader, per_nnkit = nbgrader / args.n, nnkit / args.n
    print(f"{args.n} students, {len(assignments)} notebook{'s' * (len(assignments) > 1)} each, all solved")
    print(f"  nbgrader autograde:        {nbgrader:7.2f} s total, {per_nbgrader:6.2f} s a student "
          f"(student-00: {totals[0]:g} points)")
    print(f"  nnkit grade --jobs {args.jobs}:      {nnkit:7.2f} s total, {per_nnkit:6.2f} s a student "
          f"(student-00: {totals[1]:g} points)")
    print(f"  ratio: nnkit grade is {per_nbgrader / per_nnkit:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
