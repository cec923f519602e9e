"""The roster: Canvas and Moodle exports read as they are, a plain CSV, and `nnkit grade --roster`
reporting who handed in nothing and which submission fits nobody, without losing either."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from grading import run_grade

from nnkit.course import catalog, layout
from nnkit.grade import command, roster

ROOT = layout.course_root()
MAX_TOTAL = sum(e.points for e in catalog.exercises())

# A Canvas gradebook export as Canvas writes it: a byte-order mark, the Points Possible row,
# a Manual Posting row, read-only score columns and the test student.
CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Neural networks (4242),Quiz 1 (17),"
    "Current Score,Unposted Current Score,Final Score\n"
    "    Points Possible,,,,,100.00,10.00,(read only),(read only),(read only)\n"
    ",,,,,Manual Posting,,,,\n"
    '"Lovelace, Ada",1001,S-0001,ada,Section A,,8.00,80.00,80.00,80.00\n'
    '"Boole, George",1002,S-0002,gboole,Section B,,,0.00,0.00,0.00\n'
    '"Student, Test",9999,,,Section A,,,,,\n'
)
MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Assignment: Neural networks (Real),Course total (Real),Last downloaded from this course\n"
    "Ada,Lovelace,S-0001,Uni,CS,ada@uni.edu,-,-,1735689600\n"
    "George,Boole,S-0002,Uni,CS,g.boole@uni.edu,-,-,1735689600\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_canvas_gradebook_export_is_a_roster_as_it_is(tmp_path):
    loaded = roster.load(write(tmp_path / "canvas.csv", CANVAS_EXPORT))
    assert loaded.kind == "canvas"
    assert [s.name for s in loaded.students] == ["Lovelace, Ada", "Boole, George", "Student, Test"]
    ada = loaded.students[0]
    assert (ada.lms_id, ada.sis_user_id, ada.sis_login_id, ada.section) == (
        "1001", "S-0001", "ada", "Section A")
    assert loaded.assignments == ("Neural networks (4242)", "Quiz 1 (17)")


def test_a_moodle_grades_export_is_a_roster_as_it_is_with_any_of_moodles_separators(tmp_path):
    for name, separator in (("comma.csv", ","), ("tab.txt", "\t"), ("semicolon.csv", ";")):
        loaded = roster.load(write(tmp_path / name, MOODLE_EXPORT.replace(",", separator)))
        assert loaded.kind == "moodle"
        assert [(s.name, s.email, s.lms_id) for s in loaded.students] == [
            ("Ada Lovelace", "ada@uni.edu", "S-0001"), ("George Boole", "g.boole@uni.edu", "S-0002")]


def test_a_submission_is_matched_by_any_identity_of_its_student_whatever_the_letter_case(tmp_path):
    plain = roster.load(write(tmp_path / "plain.csv", "submission,name,email,id\nrepo-ada,Ada,ada@uni.edu,1\n"
                              ",George,g.boole@uni.edu,2\n,Emmy,emmy@uni.edu,3\n"))
    assert plain.kind == "plain"
    matched = roster.match(plain, ["REPO-ADA", "g.boole", "3"])
    assert [(s.name, submission) for s, submission in matched.pairs] == [
        ("Ada", "REPO-ADA"), ("George", "g.boole"), ("Emmy", "3")]
    canvas = roster.match(roster.load(write(tmp_path / "canvas.csv", CANVAS_EXPORT)), ["1001", "S-0002"])
    assert [submission for _, submission in canvas.pairs] == ["1001", "S-0002", None]


def test_a_missing_student_and_an_extra_submission_are_both_reported_by_name(tmp_path):
    loaded = roster.load(write(tmp_path / "plain.csv", "submission,name,email,id\nada,Ada Lovelace,,\n"
                               "dee,Dee Missing,,\n"))
    matched = roster.match(loaded, ["ada", "zed"])
    assert [s.label for s in matched.missing] == ["Dee Missing"] and matched.unmatched == ["zed"]
    assert matched.report() == [
        "1 roster student has no submission: Dee Missing.",
        ("1 submission matches no roster student: zed. Its grades are in grades.csv; add a row for it "
        "to the roster to export them.")]


def test_a_submission_that_fits_two_students_is_not_guessed_and_says_why(tmp_path):
    loaded = roster.load(write(tmp_path / "plain.csv", "submission,name,email,id\n,Ann One,ann@a.edu,\n"
                               ",Ann Two,ann@b.edu,\n"))
    matched = roster.match(loaded, ["ann"])
    assert matched.unmatched == ["ann"] and [s for s, sub in matched.pairs if sub] == []
    assert matched.notes == [("ann fits several roster students (Ann One, Ann Two): it is listed as not on "
                             "the roster; give it its own row with a `submission` column.")]


def test_a_second_submission_of_one_student_stays_visible(tmp_path):
    loaded = roster.load(write(tmp_path / "plain.csv", "submission,name,email,id\nada,Ada,ada@uni.edu,\n"))
    matched = roster.match(loaded, ["ada", "ada@uni.edu"])
    assert matched.pairs[0][1] == "ada" and matched.unmatched == ["ada@uni.edu"]
    assert "ada@uni.edu and ada both belong to Ada" in matched.notes[0]


@pytest.mark.parametrize(("content", "says"), [
    (b"name,grade\nada,3\n", "is not a roster nnkit can read: its first row must be the header of a Canvas"),
    (b"", "is empty: export the roster from the LMS, or write a submission,name,email,id CSV."),
    (b"submission,name\n", "has a header but no student rows"),
    ("submission,name\nada,Ad\xe9le\n".encode("latin-1"), "is not UTF-8 text: save it as CSV UTF-8"),
])
def test_a_roster_that_cannot_be_read_says_what_is_wrong_and_what_to_do(tmp_path, content, says):
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(roster.RosterError) as raised:
        roster.load(path)
    assert says in str(raised.value) and str(path) in str(raised.value)


def test_grade_refuses_a_bad_roster_or_missing_as_zero_without_one_before_grading(tmp_path, capsys):
    (tmp_path / "class" / "ada").mkdir(parents=True)
    bad = write(tmp_path / "bad.csv", "name,grade\n")
    assert command.run(tmp_path / "class", tmp_path / "out", roster_file=bad) == 2
    assert command.run(tmp_path / "class", tmp_path / "out", missing_as_zero=True) == 2
    printed = " ".join(capsys.readouterr().out.split())
    assert "is not a roster nnkit can read" in printed
    assert "--missing-as-zero gives 0 to the roster students who handed in nothing: it needs --roster FILE." \
        in printed
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """A class of two, `ada` (the solutions) and `zed` (not on the roster), graded with a roster
    of `ada` and `dee` (who handed in nothing); then again with --missing-as-zero."""
    base = tmp_path_factory.mktemp("roster")
    for student, source in (("ada", ROOT / "solutions"), ("zed", ROOT / "exercises")):
        (base / "class" / student).mkdir(parents=True)
        for stem in catalog.files():
            shutil.copy(source / f"{stem}.py", base / "class" / student)
    plain = write(base / "roster.csv", "submission,name,email,id\nada,Ada Lovelace,ada@uni.edu,1001\n"
                  ",Dee Missing,dee@uni.edu,1004\n")
    first = run_grade(base / "class", base / "out", "--roster", str(plain))
    grades = (base / "out" / "grades.csv").read_text()
    again = run_grade(base / "class", base / "out", "--roster", str(plain), "--missing-as-zero")
    return {"first": first, "grades": grades, "again": again, "out": base / "out",
            "zeros": (base / "out" / "grades.csv").read_text()}


def rows(text: str) -> dict[str, dict]:
    return {row["name"] or row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def test_grade_with_a_roster_names_the_missing_student_and_the_extra_submission(graded):
    assert graded["first"].returncode == 0, graded["first"].stdout + graded["first"].stderr
    printed = " ".join(graded["first"].stdout.split())
    assert "1 roster student has no submission: Dee Missing." in printed
    assert "1 submission matches no roster student: zed. Its grades are in grades.csv" in printed


def test_grades_csv_with_a_roster_keeps_every_student_and_every_submission(graded):
    table = rows(graded["grades"])
    assert list(table) == ["Ada Lovelace", "Dee Missing", "zed"]
    ids = [e.id for e in catalog.exercises()]
    assert list(next(iter(table.values()))) == ["student", "name", "email", "lms_id", "roster", *ids,
                                                "total", "max_total"]
    ada, dee, zed = table.values()
    assert (ada["student"], ada["lms_id"], ada["roster"], ada["total"]) == (
        "ada", "1001", "graded", str(MAX_TOTAL))
    assert (dee["student"], dee["roster"], dee["total"], dee["max_total"]) == (
        "", "no submission", "", str(MAX_TOTAL))
    assert all(dee[i] == "" for i in ids)
    assert (zed["roster"], zed["total"]) == ("not on roster", "0")


def test_missing_as_zero_gives_the_missing_student_zeros_and_changes_nothing_else(graded):
    assert graded["again"].returncode == 0 and "Resuming: 2 submissions" in graded["again"].stdout
    before, after = rows(graded["grades"]), rows(graded["zeros"])
    dee = after["Dee Missing"]
    assert all(dee[e.id] == "0" for e in catalog.exercises()) and dee["total"] == "0"
    assert after["Ada Lovelace"] == before["Ada Lovelace"]
    assert after["zed"] == before["zed"]


def test_results_json_says_whose_each_submission_is_and_who_is_missing(graded):
    results = json.loads((graded["out"] / "results.json").read_text())
    assert sorted(s["student"] for s in results["students"]) == ["ada", "zed"]
    info = results["roster"]
    assert info["format"] == "plain" and info["no_submission"] == ["Dee Missing"]
    assert info["not_on_roster"] == ["zed"]
    assert [(s["name"], s["submission_graded"]) for s in info["students"]] == [
        ("Ada Lovelace", "ada"), ("Dee Missing", None)]
