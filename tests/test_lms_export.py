"""`nnkit export canvas` and `nnkit export moodle` on a graded class, checked against the rules of
the importers themselves (written out here from their source, not taken from nnkit)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grading import run_grade

from nnkit.course import catalog, layout
from nnkit.publish import canvas
from nnkit.publish import export as lms_export

ROOT = layout.course_root()
FILE_POINTS = {stem: sum(e.points for e in catalog.exercises() if e.file == stem) for stem in catalog.files()}
MAX_TOTAL = sum(FILE_POINTS.values())
MSE = catalog.by_id("05_losses.mse").points
STUB_MSE = '\n\ndef mse(y_hat, y):\n    raise NotImplementedError("05_losses.mse is not started yet")\n'

# ---- Canvas's importer, canvas-lms lib/gradebook_importer.rb, written out as the test's rules.
# row_has_student_headers?: more than 3 cells, "Student" in the first and "ID" in the second.
# update_column_count: /SIS\s+User\s+ID/ third and /SIS\s+Login\s+ID/ fourth give 5 student columns;
# header?: the last student column (the fifth) must include "Section".
# strip_non_assignment_columns: these (anywhere in a header) are read-only, never assignments.
NON_ASSIGNMENT = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|"
                            "Final Grade|Override Score|Override Grade|Override Status")
# Assignment.title_and_id: "Title (id)" names the assignment with that id.
TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")
# check_for_non_student_row: a row whose first cell includes "Points Possible" sets points possible.
# no_score?: an empty cell (or "-") is no score.

CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Neural networks (4242),05_losses (5005),Current Score\n"
    "    Points Possible,,,,,100.00,13.00,(read only)\n"
    '"Lovelace, Ada",1001,S-0001,ada,Section A,,,\n'
    '"Boole, George",1002,S-0002,gboole,Section B,,,\n'
    '"Curie, Marie",1003,cy,mcurie,Section A,,,\n'
    '"Missing, Dee",1004,S-0004,dee,Section B,,,\n'
)
MOODLE_ROSTER = (
    "First name,Last name,ID number,Institution,Department,Email address,Course total (Real),"
    "Last downloaded from this course\n"
    "Ada,Lovelace,S-0001,Uni,CS,ada@uni.edu,-,1735689600\n"
    "George,Boole,1002,Uni,CS,g.boole@uni.edu,-,1735689600\n"
    "Marie,Curie,S-0003,Uni,CS,cy@uni.edu,-,1735689600\n"
    "Dee,Missing,S-0004,Uni,CS,dee@uni.edu,-,1735689600\n"
    "Eve,Noemail,S-0005,Uni,CS,,-,1735689600\n"
)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A graded class: `ada` solved everything, `1002` (George) handed in the stubs, `cy` (Marie)
    solved everything but mse, `zed` is on no roster; Dee handed in nothing."""
    base = tmp_path_factory.mktemp("lms")
    for student, source in (("ada", "solutions"), ("1002", "exercises"), ("cy", "solutions"),
                            ("zed", "exercises")):
        folder = base / "class" / student
        folder.mkdir(parents=True)
        for stem in catalog.files():
            shutil.copy(ROOT / source / f"{stem}.py", folder)
    with (base / "class" / "cy" / "05_losses.py").open("a") as handle:
        handle.write(STUB_MSE)
    graded = run_grade(base / "class", base / "out")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    (base / "canvas-roster.csv").write_text(CANVAS_ROSTER)
    (base / "moodle-roster.csv").write_text(MOODLE_ROSTER)
    return base


def export(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnkit", "export", *args], capture_output=True, text=True,
                          timeout=120, check=False, cwd=course)


def read(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.count(";") <= text.count(","), "Canvas would take semicolons for the separator"
    return list(csv.reader(io.StringIO(text)))


def check_canvas_rules(rows: list[list[str]]) -> list[str]:
    """The importer's header rules; returns the grade column headers."""
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4], "Section must be the last of the five student columns"
    grades = header[5:]
    assert grades and not [h for h in grades if NON_ASSIGNMENT.search(h)]
    assert "Points Possible" in rows[1][0]
    assert all(len(row) == len(header) for row in rows), "every row has every column"
    return grades


def test_canvas_csv_follows_the_importers_rules_and_grades_each_roster_student(course):
    run = export(course, "canvas", "out", "--roster", "canvas-roster.csv", "--assignment", "Neural networks")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = read(course / "out" / "canvas.csv")
    grades = check_canvas_rules(rows)
    assert grades == ["Neural networks (4242)"], "the roster's assignment id is used"
    assert TITLE_AND_ID.match(grades[0]).groups() == ("Neural networks", "4242")
    assert rows[1][5:] == [str(MAX_TOTAL)]
    students = {row[0]: row for row in rows[2:]}
    assert list(students) == ["Lovelace, Ada", "Boole, George", "Curie, Marie", "Missing, Dee"]
    assert students["Lovelace, Ada"][1:6] == ["1001", "S-0001", "ada", "Section A", str(MAX_TOTAL)]
    assert students["Boole, George"][5] == "0"
    assert students["Curie, Marie"][5] == str(MAX_TOTAL - MSE)
    assert students["Missing, Dee"][5] == "", "no submission is no score, not 0"
    printed = " ".join(run.stdout.split())
    assert "1 roster student has no submission: Missing, Dee." in printed
    assert "1 submission matches no roster student: zed." in printed


def test_canvas_per_file_columns_are_titled_with_the_ids_the_roster_knows(course):
    run = export(course, "canvas", "out", "--roster", "canvas-roster.csv", "--per-file",
                 "--assignment", "02=Linear layers (7002)", "--to", "per-file.csv", "--missing-as-zero")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = read(course / "per-file.csv")
    grades = check_canvas_rules(rows)
    expected = {stem: stem for stem in catalog.files()} | {"05_losses": "05_losses (5005)",
                                                           "02_linear": "Linear layers (7002)"}
    assert grades == list(expected.values())
    assert [TITLE_AND_ID.match(h) is not None for h in grades] == [h != s for s, h in expected.items()]
    assert rows[1][5:] == [str(FILE_POINTS[stem]) for stem in catalog.files()]
    marie = next(row for row in rows if row[0] == "Curie, Marie")
    assert dict(zip(catalog.files(), marie[5:])) == {
        stem: str(points - MSE if stem == "05_losses" else points) for stem, points in FILE_POINTS.items()}
    dee = next(row for row in rows if row[0] == "Missing, Dee")
    assert dee[5:] == ["0"] * len(FILE_POINTS)
    assert "no Canvas assignment id" in run.stdout


def test_canvas_refuses_a_title_it_would_take_for_its_own_column(course):
    run = export(course, "canvas", "out", "--roster", "canvas-roster.csv", "--assignment", "Final Score",
                 "--to", "refused.csv")
    assert run.returncode == 2 and not (course / "refused.csv").exists()
    assert "Canvas would read a column headed 'Final Score' as its own" in " ".join(run.stdout.split())


def test_moodle_csv_has_the_identifier_the_grades_and_the_feedback_moodle_maps(course):
    run = export(course, "moodle", "out", "--roster", "moodle-roster.csv", "--feedback")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = read(course / "out" / "moodle.csv")
    assert rows[0] == ["Email address", "nnkit exercises", "nnkit exercises (Feedback)"]
    assert all(len(row) == len(rows[0]) for row in rows), "Moodle's CSV reader wants every column"
    students = {row[0]: row for row in rows[1:]}
    assert list(students) == ["ada@uni.edu", "g.boole@uni.edu", "cy@uni.edu", "dee@uni.edu"]
    assert students["ada@uni.edu"][1] == str(MAX_TOTAL)
    assert students["cy@uni.edu"][1] == str(MAX_TOTAL - MSE)
    assert f"Score: {MAX_TOTAL - MSE} / {MAX_TOTAL}" in students["cy@uni.edu"][2]
    assert "05_losses.mse" in students["cy@uni.edu"][2]
    assert students["dee@uni.edu"][1:] == ["-", ""], "Moodle's 'no grade' is '-'"
    # Moodle refuses grades above gradepointmax (100 by default) and anything not a number or '-'.
    assert all(row[1] == "-" or 0 <= float(row[1]) <= 100 for row in rows[1:])
    printed = " ".join(run.stdout.split())
    assert "has no Email address in the roster, so moodle.csv has no row for them" in printed
    assert "Eve Noemail" in printed
    assert "1 submission matches no roster student: zed." in printed


def test_moodle_per_file_by_id_number_with_missing_as_zero(course):
    run = export(course, "moodle", "out", "--roster", "moodle-roster.csv", "--identifier", "idnumber",
                 "--per-file", "--missing-as-zero")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = read(course / "out" / "moodle.csv")
    assert rows[0] == ["ID number", *catalog.files()]
    students = {row[0]: row[1:] for row in rows[1:]}
    assert students["1002"] == ["0"] * len(FILE_POINTS) and students["S-0004"] == ["0"] * len(FILE_POINTS)
    assert students["S-0005"] == ["0"] * len(FILE_POINTS), "Eve has an ID number, so she has a row"
    assert students["S-0001"] == [str(p) for p in FILE_POINTS.values()]


def test_an_export_before_grading_says_to_grade_first(tmp_path, course):
    run = export(course, "canvas", str(tmp_path), "--roster", "canvas-roster.csv")
    assert run.returncode == 2
    assert f"No results.json in {tmp_path}: grade the class first" in " ".join(run.stdout.split())


@pytest.mark.parametrize(("values", "says"), [
    (["Losses (5005)"], "With --per-file, each --assignment is FILE=TITLE"),
    (["99=Nothing (1)"], "no exercise matches '99'"),
])
def test_a_per_file_assignment_that_names_no_single_file_says_how_to_write_it(values, says):
    with pytest.raises((lms_export.ExportError, catalog.UnknownSelection), match=re.escape(says)):
        canvas.titles(values, per_file=True, known=())


def test_two_assignments_for_one_total_column_are_refused():
    with pytest.raises(lms_export.ExportError, match="Give one --assignment for the total column"):
        canvas.titles(["A (1)", "B (2)"], per_file=False, known=())
