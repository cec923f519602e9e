"""Crash safety: a grader killed half-way resumes without regrading, and ends where a whole run ends.

The slow test kills `nnkit grade` with SIGKILL as soon as the first student's record is kept,
checks that nothing of the batch outlives it, runs the same command again and compares the
result with an uninterrupted run of the same class (the demo class, graded once per module).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnkit.grade import resume
from nnkit.grade.demo import build_class, students
from nnkit.grade.sandbox.limits import Limits

KILL_DEADLINE_SECONDS = 300.0
GONE_DEADLINE_SECONDS = 20.0


def nnkit(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nnkit", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kwargs)


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    return output


def descendants(root: int) -> set[tuple[int, str]]:
    """Every process below `root` now, as (pid, start time) so a reused pid is not mistaken."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add((child, starts[child]))
            todo.append(child)
    return found


def alive(processes: set[tuple[int, str]]) -> set[tuple[int, str]]:
    left = set()
    for pid, start in processes:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[19] == start and fields[0] != "Z":
            left.add((pid, start))
    return left


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory) -> Path:
    """The demo class graded without interruption: the run a resumed one must match."""
    out = tmp_path_factory.mktemp("whole")
    build_class(out / "class")
    finish(nnkit("grade", str(out / "class"), "--out", str(out), "--jobs", "2"))
    return out


def test_a_grader_killed_half_way_resumes_without_regrading_and_writes_the_same_grades(whole_run, tmp_path):
    out = tmp_path / "out"
    grading = nnkit("grade", str(whole_run / "class"), "--out", str(out), "--jobs", "2")
    deadline = time.monotonic() + KILL_DEADLINE_SECONDS
    while not list((out / ".work").glob("*.json")) and time.monotonic() < deadline:
        assert grading.poll() is None, "the grader ended before the test could kill it"
        time.sleep(0.02)
    batch = descendants(grading.pid)
    grading.kill()
    grading.wait()
    kept = stamps(out)
    assert kept and len(kept) < len(students()), f"expected the kill half-way, not at {sorted(kept)}"
    assert not (out / "grades.csv").exists(), "a killed run must not leave a gradebook"

    deadline = time.monotonic() + GONE_DEADLINE_SECONDS
    while alive(batch) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(batch), f"processes of the killed batch still run: {sorted(alive(batch))}"

    output = finish(nnkit("grade", str(whole_run / "class"), "--out", str(out), "--jobs", "2"))
    assert f"Resuming: {len(kept)} submission" in output
    again = stamps(out)
    assert {name: again[name] for name in kept} == kept, "records of the killed run were graded again"
    assert (out / "grades.csv").read_bytes() == (whole_run / "grades.csv").read_bytes()
    assert not list(out.rglob(".*.tmp")), "a half-written file was left behind"


def test_a_record_is_reused_only_for_the_same_submission_and_grader(tmp_path):
    record = {"student": "ann", "total": 7, "grader_problems": []}
    resume.save(tmp_path, "ann", "fingerprint-a", record)
    assert resume.load(tmp_path, "ann", "fingerprint-a") == record
    assert resume.load(tmp_path, "ann", "fingerprint-b") is None
    assert resume.load(tmp_path, "bob", "fingerprint-a") is None


def test_a_record_with_a_grader_problem_is_graded_again(tmp_path):
    resume.save(tmp_path, "ann", "f", {"student": "ann", "grader_problems": ["the job died"]})
    assert resume.load(tmp_path, "ann", "f") is None


@pytest.mark.parametrize("text", ['{"fingerprint": "f", "rec', "null", "[]", '"f"', '{"fingerprint": "f"}'])
def test_a_damaged_record_is_graded_again_not_an_error(tmp_path, text):
    resume.record_path(tmp_path, "ann").write_text(text)
    assert resume.load(tmp_path, "ann", "f") is None


def test_the_fingerprint_changes_with_the_submission_the_course_and_the_limits(tmp_path):
    course, data, staged = tmp_path / "course", tmp_path / "data", tmp_path / "staged"
    for folder in (course / "autograder", course / "exercises", data, staged):
        folder.mkdir(parents=True)
    (course / "autograder" / "test_a.py").write_text("def test_a(): pass\n")
    (course / "exercises" / "test_a.py").write_text("def test_a(): pass\n")
    (staged / "01_matrices.py").write_text("x = 1\n")

    def fingerprint(limits: Limits | None = None) -> str:
        batch = resume.batch_fingerprint(course, data, limits or Limits())
        return resume.submission_fingerprint(batch, "ann", staged, "ann/", [])

    seen = [fingerprint()]
    assert fingerprint() == seen[0]
    for path, text in ((staged / "01_matrices.py", "x = 2\n"),
                       (course / "autograder" / "test_a.py", "def test_a(): assert False\n"),
                       (course / "exercises" / "test_a.py", "def test_a(): assert False\n"),
                       (course / "exercises" / "info.toml", "[[exercise]]\n")):
        path.write_text(text)
        assert fingerprint() not in seen, path
        seen.append(fingerprint())
    assert fingerprint(Limits(call_seconds=3.0)) not in seen


def test_leftovers_of_atomic_writes_are_removed_and_real_files_kept(tmp_path):
    (tmp_path / "feedback").mkdir()
    leftovers = [tmp_path / ".grades.csv.abc.tmp", tmp_path / "feedback" / ".ann.md.x.tmp"]
    for path in leftovers:
        path.write_text("half")
    (tmp_path / "grades.csv").write_text("whole")
    resume.remove_leftovers(tmp_path)
    assert not any(path.exists() for path in leftovers)
    assert (tmp_path / "grades.csv").read_text() == "whole"


def copy_of(whole_run: Path, out: Path) -> Path:
    """A new output folder holding the records of the whole run (modification times kept)."""
    shutil.copytree(whole_run / ".work", out / ".work", ignore=shutil.ignore_patterns("staged"))
    return out


def stamps(out: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in (out / ".work").glob("*.json")}


def test_grading_a_graded_class_again_reuses_every_record(whole_run, tmp_path):
    out = copy_of(whole_run, tmp_path / "out")
    before = stamps(out)
    output = finish(nnkit("grade", str(whole_run / "class"), "--out", str(out)))
    assert f"Resuming: {len(students())} submissions" in output
    assert stamps(out) == before
    assert (out / "grades.csv").read_bytes() == (whole_run / "grades.csv").read_bytes()


def test_fresh_grades_everything_again(whole_run, tmp_path):
    out = copy_of(whole_run, tmp_path / "out")
    before = stamps(out)
    output = finish(nnkit("grade", str(whole_run / "class"), "--out", str(out), "--jobs", "2", "--fresh"))
    assert "Resuming" not in output
    after = stamps(out)
    assert before.keys() == after.keys() and all(after[name] != before[name] for name in before)
    assert (out / "grades.csv").read_bytes() == (whole_run / "grades.csv").read_bytes()
