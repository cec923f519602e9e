"""`nnkit demo` grades its class right, and every cheat in it earns nothing for its function.

The demo class is built from solutions/ and exercises/ at run time: a perfect student, one with
four realistic mistakes (handed in as a zip of the exercises/ folder), one with the stubs, and
one who cheats. It is graded once for this module, with real workers (bubblewrap when present).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnkit.course import catalog
from nnkit.grade.demo import broken_ids, students

BY_ID = {student.id: student for student in students()}
POINTS = {exercise.id: exercise.points for exercise in catalog.exercises()}


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnkit", *args], capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = grade("demo", "--out", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "terminal.txt").write_text(done.stdout)
    return out


@pytest.fixture(scope="module")
def results(demo) -> dict:
    return json.loads((demo / "results.json").read_text())


def earned(results: dict, student: str) -> dict[str, float]:
    record = next(r for r in results["students"] if r["student"] == student)
    return {e["id"]: e["earned"] for e in record["exercises"]}


def checks_of(results: dict, student: str, exercise: str) -> list[dict]:
    record = next(r for r in results["students"] if r["student"] == student)
    return [t for t in record["tests"] if t["exercise"] == exercise]


def test_the_perfect_student_earns_every_point_of_the_catalog(results):
    record = next(r for r in results["students"] if r["student"] == "ada_perfect")
    assert earned(results, "ada_perfect") == POINTS
    assert record["total"] == record["max_total"] == sum(POINTS.values())
    assert all(t["status"] == "passed" for t in record["tests"])


def test_the_stubs_student_earns_nothing(results):
    assert set(earned(results, "cy_stubs").values()) == {0}


def test_the_student_with_mistakes_loses_points_exactly_on_the_broken_ids(results):
    lost = {i for i, points in earned(results, "bo_mistakes").items() if points < POINTS[i]}
    assert lost == broken_ids(BY_ID["bo_mistakes"])


def test_the_cheater_earns_nothing_where_it_cheats_and_keeps_the_rest(results):
    cheated = broken_ids(BY_ID["dee_cheater"])
    got = earned(results, "dee_cheater")
    assert {i for i in cheated if got[i] != 0} == set()
    assert {i for i in POINTS if i not in cheated and got[i] != POINTS[i]} == set()


def test_a_result_whose_eq_is_always_true_earns_no_points(results):
    assert earned(results, "dee_cheater")["05_losses.mse"] == 0
    assert not any(t["status"] == "passed" and not t["property"]
                   for t in checks_of(results, "dee_cheater", "05_losses.mse"))


def test_reading_the_expected_value_from_the_callers_frame_earns_no_points(results):
    assert earned(results, "dee_cheater")["03_activations.relu"] == 0


def test_patching_assert_close_at_import_earns_no_points(results):
    assert earned(results, "dee_cheater")["06_metrics.mape"] == 0


def test_sys_exit_at_import_earns_no_points_for_that_file(results):
    gradient_descent = [i for i in POINTS if i.startswith("07_")]
    assert [earned(results, "dee_cheater")[i] for i in gradient_descent] == [0] * len(gradient_descent)
    kinds = {t["kind"] for i in gradient_descent for t in checks_of(results, "dee_cheater", i)}
    assert kinds == {"submission"}


def test_a_fake_pytest_summary_earns_no_points_and_is_only_shown_as_output(results, demo):
    assert earned(results, "dee_cheater")["06_metrics.binary_accuracy"] == 0
    printed = [t["output"] for t in checks_of(results, "dee_cheater", "06_metrics.binary_accuracy")]
    assert any("42 passed" in text for text in printed)
    assert "42 passed" in (demo / "feedback" / "dee_cheater.md").read_text()


def test_bubblewrap_is_reported_as_used_when_it_is_installed(results, demo):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed on this machine")
    assert results["protections"]["bwrap"] is True
    assert results["protections"]["off"] == []
    assert "bubblewrap sandbox" in (demo / "terminal.txt").read_text()


def test_the_gradebook_and_the_feedback_pages_are_written(demo):
    rows = (demo / "grades.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == sorted(BY_ID)
    for student in BY_ID:
        assert (demo / "feedback" / f"{student}.md").is_file()
        assert (demo / "feedback" / f"{student}.html").is_file()
        assert (demo / ".work" / f"{student}.json").is_file()


def test_feedback_pages_show_no_hidden_test_source_or_instructor_details(demo, results):
    details = [t["detail"] for r in results["students"] for t in r["tests"] if t["detail"]]
    for page in (demo / "feedback").iterdir():
        text = page.read_text()
        assert "def test_" not in text and "import pytest" not in text and "student.call(" not in text
        assert not any(detail in text for detail in details)


def test_grading_the_same_class_twice_gives_byte_identical_grades_csv(demo, tmp_path):
    again = grade("grade", str(demo / "class"), "--out", str(tmp_path), "--jobs", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "grades.csv").read_bytes() == (demo / "grades.csv").read_bytes()


def test_every_student_has_a_verdict_for_every_check(results):
    checks = [sorted(f"{t['file']}::{t['test']}" for t in r["tests"]) for r in results["students"]]
    assert checks[0] and all(names == checks[0] for names in checks)
