"""What the class report and the similarity report cost on a class of 200 built from the mutants.

The class: N students (200 by default), each the reference solutions with one mutant of
tests/mutants.toml planted (all of them, the `extra` ones too, taken in turn). It is graded once
by `nnkit grade` (which writes the class report at its end, as it always does); then, in this
process, each report is timed against a baseline run here on the same input, since these
machines are noisy:

- the class report (`nnkit report`'s work, from results.json) against writing the batch's other
  outputs from the same records (the feedback pages, results.json and grades.csv);
- the similarity report against copydetect's own CopyDetector over the same exercise files
  (same-name pairs only, the same noise threshold, no boilerplate, no report page).

A mutant changes one function of one file, so most of its files are the reference's, byte for
byte; the similarity report compares byte-identical files once (as one group), which copydetect's
loop does not, and that is most of the ratio here. A class of independent work gains less.
Numbers are printed, never asserted.

    python bench/report_speed.py [-n 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnkit.course.tomlcompat import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/ is not a package: build_class imports from it


def build_class(folder: Path, count: int) -> int:
    """`count` mutant submissions in `folder`; how many distinct mutants they use."""
    from test_mutants import build_mutant, student_id

    found = tomllib.loads((ROOT / "tests" / "mutants.toml").read_text(encoding="utf-8"))["mutant"]
    for number in range(count):
        mutant = found[number % len(found)]
        build_mutant(mutant, folder / f"s{number:03d}-{student_id(mutant)}")
    return min(count, len(found))


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("-n", type=int, default=200, help="students in the class (default 200)")
    options.add_argument("--repeat", type=int, default=3, help="runs of each timed step (default 3)")
    options.add_argument("--jobs", type=int, default=2)
    args = options.parse_args()

    from copydetect import CopyDetector

    from nnkit.grade.command import write_outputs
    from nnkit.report import classreport, overlap, similarity

    with tempfile.TemporaryDirectory(prefix="nnkit-bench-report-") as scratch:
        work = Path(scratch)
        kinds = build_class(work / "class", args.n)
        print(f"{args.n} submissions built from {kinds} mutants of tests/mutants.toml")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "nnkit", "grade", str(work / "class"), "--out",
                               str(work / "out"), "--jobs", str(args.jobs)], cwd=ROOT, capture_output=True,
                              text=True, check=False)
        batch = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"nnkit grade failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        print(f"  nnkit grade --jobs {args.jobs} (class report included): {batch:8.2f} s")

        results = json.loads((work / "out" / "results.json").read_text())
        report = median_seconds(lambda: classreport.write(work / "out"), args.repeat)

        def other_outputs() -> None:
            write_outputs(work / "copy", results["students"], results["protections"],
                          results["class_problems"])

        outputs = median_seconds(other_outputs, args.repeat)
        print(f"  class report from results.json:        {report:8.3f} s (median of {args.repeat})")
        print(f"  baseline, the batch's other outputs:   {outputs:8.3f} s (feedback pages, results.json, "
              "grades.csv)")
        print(f"  ratio: the class report costs {report / outputs:.2f}x the other outputs, "
              f"{report / batch:.1%} of the batch")

        with open(work / "similarity.log", "w") as log:
            from rich.console import Console

            console = Console(file=log)
            similar = median_seconds(
                lambda: similarity.run(work / "class", work / "similar", console=console), args.repeat)

        def detector() -> None:
            CopyDetector(test_dirs=[str(work / "class")], extensions=["py"], noise_t=overlap.NOISE,
                         guarantee_t=overlap.NOISE, same_name_only=True, autoopen=False, silent=True).run()

        baseline = median_seconds(detector, 1)
        print(f"  similarity report:                     {similar:8.3f} s (median of {args.repeat})")
        print(f"  baseline, copydetect's CopyDetector:   {baseline:8.3f} s (same files, same-name pairs, "
              "no boilerplate, no page; one run)")
        print(f"  ratio: the similarity report takes {similar / baseline:.2f}x copydetect's own loop")


if __name__ == "__main__":
    main()
