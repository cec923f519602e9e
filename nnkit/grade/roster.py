"""The class roster: who the submissions belong to in the LMS, and who handed in nothing.

`nnkit grade … --roster R` and `nnkit export … --roster R` read one of three files as it is:

- a Canvas gradebook export (Grades → Export): `Student`, `ID`, `SIS User ID`, `SIS Login ID`,
  `Section`, then one column per assignment headed `Title (id)`;
- a Moodle grades export (Grades → Export → Plain text file): `First name`, `Last name`,
  `ID number`, `Institution`, `Department`, `Email address`, then the grade items;
- a plain `submission,name,email,id` CSV (`id`: the student's id in the LMS).

A submission (a folder or zip of the class, named by its id) belongs to the roster student one
of whose identities it is named by: the `submission` cell, the LMS id, the SIS ids, the email
address or the part of it before `@`, the username; letter case does not matter. A submission
that fits no student, or several, and a student whom no submission fits, are kept and reported
by name: nothing is dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nnkit.i18n.lang import _, ngettext

MAX_ROSTER_BYTES = 16 * 1024 * 1024
MAX_LISTED = 20
# Rows of a Canvas export that describe the assignments, not a student (gradebook_importer.rb,
# check_for_non_student_row).
CANVAS_POINTS_ROW = "Points Possible"
CANVAS_MUTED_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
CANVAS_TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.DOTALL)  # Assignment.title_and_id
MOODLE_FIRST, MOODLE_LAST = "First name", "Last name"
MOODLE_EMAIL, MOODLE_IDNUMBER, MOODLE_USERNAME = "Email address", "ID number", "Username"

# What grades.csv's `roster` column says of a row.
GRADED, NO_SUBMISSION, NOT_ON_ROSTER = "graded", "no submission", "not on roster"


class RosterError(ValueError):
    """A roster that cannot be used; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Student:
    """One roster row: the identities a submission may be named by, and the LMS's columns."""

    name: str = ""
    email: str = ""
    lms_id: str = ""  # Canvas's ID, Moodle's ID number, the plain roster's id
    submission: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    username: str = ""

    def identities(self) -> set[str]:
        """Every name a submission of this student may carry, normalised."""
        local = self.email.split("@", 1)[0] if "@" in self.email else ""
        values = (self.submission, self.lms_id, self.sis_user_id, self.sis_login_id, self.email,
                  local, self.username)
        return {normal(value) for value in values if value.strip()}

    @property
    def label(self) -> str:
        """How reports name this student: the name, else the first identity there is."""
        return next((v for v in (self.name, self.email, self.lms_id, self.submission, self.username,
                                 self.sis_login_id, self.sis_user_id) if v.strip()), "?")


@dataclass(frozen=True)
class Roster:
    kind: str  # "canvas", "moodle" or "plain"
    path: Path
    students: tuple[Student, ...]
    assignments: tuple[str, ...] = ()  # a Canvas export's assignment headers, `Title (id)`


@dataclass
class Match:
    """Which submission is whose: roster order, then the submissions no student claims."""

    roster: Roster
    pairs: list[tuple[Student, str | None]]
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[Student]:
        return [student for student, submission in self.pairs if submission is None]

    def people(self) -> list[dict]:
        """grades.csv's rows with a roster: every roster student, then every unmatched submission."""
        rows = [{"student": submission or "", "name": student.name, "email": student.email,
                 "lms_id": student.lms_id, "roster": GRADED if submission else NO_SUBMISSION}
                for student, submission in self.pairs]
        rows += [{"student": submission, "name": "", "email": "", "lms_id": "", "roster": NOT_ON_ROSTER}
                 for submission in self.unmatched]
        return rows

    def summary(self) -> dict:
        """The roster section of results.json."""
        return {"file": str(self.roster.path), "format": self.roster.kind,
                "students": [{**asdict(student), "submission_graded": submission}
                             for student, submission in self.pairs],
                "no_submission": [student.label for student in self.missing],
                "not_on_roster": list(self.unmatched), "notes": list(self.notes)}

    def report(self) -> list[str]:
        """Sentences for the instructor: who has no submission, which submissions fit nobody."""
        lines = list(self.notes)
        missing = [student.label for student in self.missing]
        if missing:
            lines.append(ngettext(
                "{count} roster student has no submission: {names}.",
                "{count} roster students have no submission: {names}.",
                len(missing)).format(count=len(missing), names=listing(missing)))
        if self.unmatched:
            lines.append(ngettext(
                "{count} submission matches no roster student: {names}. Its grades are in grades.csv; "
                "add a row for it to the roster to export them.",
                "{count} submissions match no roster student: {names}. Their grades are in grades.csv; "
                "add a row for each to the roster to export them.",
                len(self.unmatched)).format(count=len(self.unmatched), names=listing(self.unmatched)))
        return lines


def normal(value: str) -> str:
    return value.strip().casefold()


def listing(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    if more <= 0:
        return shown
    return ngettext("{names} and {count} more", "{names} and {count} more", more).format(
        names=shown, count=more)


def match(roster: Roster, submissions: Iterable[str]) -> Match:
    """Pair each roster student with the submission named by one of their identities."""
    owners: dict[str, list[int]] = {}
    for index, student in enumerate(roster.students):
        for key in student.identities():
            owners.setdefault(key, []).append(index)
    claimed: dict[int, str] = {}
    result = Match(roster, [])
    for submission in sorted(submissions):
        found = owners.get(normal(submission), [])
        if len(found) == 1 and found[0] not in claimed:
            claimed[found[0]] = submission
            continue
        result.unmatched.append(submission)
        if len(found) == 1:
            result.notes.append(_(
                "{submission} and {other} both belong to {name}: {other} is exported for them, "
                "{submission} is listed as not on the roster.").format(
                submission=submission, other=claimed[found[0]], name=roster.students[found[0]].label))
        elif found:
            names = [roster.students[i].label for i in found]
            result.notes.append(_(
                "{submission} fits several roster students ({names}): it is listed as not on the "
                "roster; give it its own row with a `submission` column.").format(
                submission=submission, names=listing(names)))
    result.pairs = [(student, claimed.get(index)) for index, student in enumerate(roster.students)]
    return result


# ---------------------------------------------------------------- reading a roster

def load(path: Path) -> Roster:
    """Read a Canvas export, a Moodle export or a plain roster; RosterError says what is wrong."""
    path = Path(path)
    rows = _rows(path)
    header = [cell.strip() for cell in rows[0]]
    for kind, reader in (("canvas", _canvas), ("moodle", _moodle), ("plain", _plain)):
        found = reader(header, rows[1:])
        if found is not None:
            students, assignments = found
            if not students:
                raise RosterError(_("{path} has a header but no student rows: export the roster "
                                    "again with the students in it.").format(path=path))
            return Roster(kind, path, tuple(students), tuple(assignments))
    raise RosterError(_(
        "{path} is not a roster nnkit can read: its first row must be the header of a Canvas "
        "gradebook export (Student, ID, …), of a Moodle grades export (First name, Last name, …, "
        "Email address) or of a plain roster (submission,name,email,id).").format(path=path))


def _rows(path: Path) -> list[list[str]]:
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise RosterError(_("{path} is over {size} MiB: is it really a roster?").format(
                path=path, size=MAX_ROSTER_BYTES >> 20))
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(_("{path} is not UTF-8 text: save it as CSV UTF-8 and try again.").format(
            path=path)) from None
    except OSError as error:
        raise RosterError(_("Cannot read the roster {path}: {error}.").format(
            path=path, error=error.strerror or error)) from None
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter if first else ","
    except csv.Error:
        delimiter = ","
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)
                if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise RosterError(_("{path} is not a readable CSV file ({error}): export it again.").format(
            path=path, error=error)) from None
    if not rows:
        raise RosterError(_("{path} is empty: export the roster from the LMS, or write a "
                            "submission,name,email,id CSV.").format(path=path))
    return rows


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _column(header: list[str], name: str) -> int | None:
    wanted = normal(name)
    return next((i for i, cell in enumerate(header) if normal(cell) == wanted), None)


def _canvas(header: list[str], rows: list[list[str]]):
    """A Canvas gradebook export: the header test is the importer's (row_has_student_headers?)."""
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        return None
    columns = {name: _column(header, name) for name in ("SIS User ID", "SIS Login ID", "Section")}
    last = max([1, *(i for i in columns.values() if i is not None)])
    assignments = [cell for cell in header[last + 1:] if CANVAS_TITLE_AND_ID.match(cell)]
    students = []
    for row in rows:
        if CANVAS_POINTS_ROW in row[0] or all(CANVAS_MUTED_ROW.match(cell) for cell in row):
            continue
        student = Student(name=_cell(row, 0), lms_id=_cell(row, 1),
                          sis_user_id=_cell(row, columns["SIS User ID"]),
                          sis_login_id=_cell(row, columns["SIS Login ID"]),
                          section=_cell(row, columns["Section"]))
        if student.identities() or student.name:
            students.append(student)
    return students, assignments


def _moodle(header: list[str], rows: list[list[str]]):
    """A Moodle grades export: its default user fields (grade_export_userprofilefields)."""
    first, last = _column(header, MOODLE_FIRST), _column(header, MOODLE_LAST)
    email, number = _column(header, MOODLE_EMAIL), _column(header, MOODLE_IDNUMBER)
    if (first is None and last is None) or (email is None and number is None):
        return None
    username = _column(header, MOODLE_USERNAME)
    students = []
    for row in rows:
        name = " ".join(part for part in (_cell(row, first), _cell(row, last)) if part)
        student = Student(name=name, email=_cell(row, email), lms_id=_cell(row, number),
                          username=_cell(row, username))
        if student.identities():
            students.append(student)
    return students, []


def _plain(header: list[str], rows: list[list[str]]):
    """submission,name,email,id (any order, extra columns ignored; `username` is read too)."""
    columns = {name: _column(header, name) for name in ("submission", "name", "email", "id", "username")}
    if columns["submission"] is None:
        return None
    students = []
    for row in rows:
        student = Student(name=_cell(row, columns["name"]), email=_cell(row, columns["email"]),
                          lms_id=_cell(row, columns["id"]), submission=_cell(row, columns["submission"]),
                          username=_cell(row, columns["username"]))
        if student.identities():
            students.append(student)
    return students, []
