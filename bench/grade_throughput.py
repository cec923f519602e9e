"""Grading throughput: `nnkit grade --jobs 2` against one pytest process per submission.

Grades N copies of the reference solutions both ways over the same hidden tests and prints the
seconds per submission and their ratio. A third number is the floor: the bare compute of the
hidden tests, run in-process on the reference in one warm process with one torch thread (no
isolation, no imports), so the isolation's own cost per submission shows. The baseline is what a
plain setup does: a fresh `python -m pytest autograder` per submission with the in-process
student fixture pointed at it, so each pays for importing torch and pytest
(`--baseline-threads 1` gives it one torch thread, as the grader's workers have). Both runs
happen in this script, one after the other, because these machines are noisy; the numbers are
printed, never asserted.

    python bench/grade_throughput.py [-n 8] [--jobs 2] [--baseline-threads 1]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_class(folder: Path, count: int) -> list[Path]:
    """`count` students, each handing in the reference solutions."""
    students = []
    for number in range(count):
        student = folder / f"student-{number:02d}"
        student.mkdir(parents=True)
        for source in sorted((ROOT / "solutions").glob("0*.py")):
            shutil.copy(source, student / source.name)
        students.append(student)
    return students


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False, env={**os.environ, **(env or {})})
    if done.returncode not in (0, 1):  # 1: some check failed, the run itself is complete
        sys.exit(f"{' '.join(command[:4])}… failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


BARE = """
import sys, time, pytest, torch
from pathlib import Path
from nnkit.grade.jobs import pytest_args
torch.set_num_threads(1)
args = pytest_args(Path("autograder").resolve(), Path("solutions").resolve(), Path("data").resolve())
codes = [pytest.main(args)]  # imports, collection caches, torch's lazy imports
started = time.perf_counter()
codes += [pytest.main(args) for _ in range(int(sys.argv[1]))]
seconds = (time.perf_counter() - started) / int(sys.argv[1])
print(seconds if set(codes) == {0} else f"pytest exit statuses {codes}")
"""


def job_seconds(work: Path) -> float:
    """Mean seconds a grading job spent on one submission, from the lines the jobs log."""
    times = [float(match) for log in work.glob("job-*.log")
             for match in re.findall(r": \d+ tests in ([\d.]+) s", log.read_text(errors="replace"))]
    if not times:
        sys.exit(f"no per-submission times in the job logs of {work}")
    return sum(times) / len(times)


def bare_compute(rounds: int) -> float:
    """Seconds a submission of the hidden tests costs in-process once everything is imported."""
    done = subprocess.run([sys.executable, "-c", BARE, str(rounds)], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"the bare-compute run failed:\n{done.stdout[-1000:]}{done.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=8, help="submissions (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="nnkit grade --jobs (default 2)")
    parser.add_argument("--baseline-threads", type=int, default=None,
                        help="OMP_NUM_THREADS for the baseline (default: torch's own choice)")
    args = parser.parse_args()
    threads = {"OMP_NUM_THREADS": str(args.baseline_threads)} if args.baseline_threads else {}
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-") as scratch:
        students = make_class(Path(scratch) / "class", args.n)
        grade = timed([sys.executable, "-m", "nnkit", "grade", str(Path(scratch) / "class"),
                       "--out", str(Path(scratch) / "out"), "--jobs", str(args.jobs)])
        in_jobs = job_seconds(Path(scratch) / "out" / ".work")
        baseline = sum(timed([sys.executable, "-m", "pytest", "autograder", "-q", "-p", "no:cacheprovider",
                              "--nnkit-path", str(student)], threads) for student in students)
    bare = bare_compute(max(2, args.n // 4))
    per_grade, per_baseline = grade / args.n, baseline / args.n
    print(f"{args.n} submissions of the reference solutions, hidden tests in autograder/")
    print(f"  {f'nnkit grade --jobs {args.jobs}:':<34} {grade:7.2f} s total, {per_grade:6.3f} s a submission")
    label = f"one pytest process per submission{f' ({args.baseline_threads} thread)' if threads else ''}:"
    print(f"  {label:<34} {baseline:7.2f} s total, {per_baseline:6.3f} s a submission")
    print(f"  {'bare compute, in-process, 1 thread:':<34} {'':>9} {bare:13.3f} s a submission")
    print(f"  ratio: nnkit grade is {per_baseline / per_grade:.1f}x faster (target: at least 5x)")
    print(f"  a job spends {in_jobs:.3f} s on a submission (hidden tests through a worker): "
          f"{in_jobs / bare:.2f}x the bare compute; the rest of nnkit grade's time is its start-up "
          f"({grade - in_jobs * args.n / args.jobs:.1f} s, paid once a batch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
