"""`nnkit export moodle OUT_DIR --roster R`: the CSV Moodle's grade import maps (Grades → Import → CSV file).

How Moodle reads it (MoodleDocs "Grade import"; moodle `grade/import/csv/classes/load_data.php`):

- On the mapping page the instructor picks one column as "Map from" and a user field as "Map to":
  `useremail` (email address), `username` or `useridnumber` (ID number); `map_user_data_with_value`
  looks each row's student up by it, and a value no user has aborts the whole import
  (`check_user_exists`). A blank one is skipped and the row goes to the student of the row before,
  so a student without the chosen identifier gets no row here at all (and is named instead).
- Each other column maps to a grade item, a new grade item, or "feedback for" an item
  (`feedback_<itemid>`), or is ignored. '' or '-' is no grade (`update_grade_item`); a new grade
  item skips '-' only (`import_new_grade_item`), so no grade is written as '-'.
- Grades above 100 are refused unless the site allows them (`insert_grade_record`).
- The columns are named as Moodle's own export names them (`grade/export/lib.php`,
  `format_column_name`): a grade item's feedback column is "<item> (Feedback)"; the user
  fields "Email address", "ID number", "Username". MoodleDocs: include both the grade and the
  feedback of an item in one import, as feedback alone overwrites the linked grades.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from nnkit.grade import points, roster, scoring
from nnkit.grade.output import feedback
from nnkit.i18n.lang import _, ngettext
from nnkit.publish import export

IDENTIFIERS = {"email": (roster.MOODLE_EMAIL, "email"), "idnumber": (roster.MOODLE_IDNUMBER, "lms_id"),
               "username": (roster.MOODLE_USERNAME, "username")}
NO_GRADE = "-"


def builder(identifier: str = "email", with_feedback: bool = False) -> export.Builder:
    """The Moodle table, identified by `identifier` (a key of IDENTIFIERS)."""
    label, field = IDENTIFIERS[identifier]

    def build(matched: roster.Match, records: dict[str, dict], options: export.Options) -> export.Table:
        columns = export.grade_columns(options, lambda stem, default: default)
        header = [label]
        for column in columns:
            header += [column.header, *([f"{column.header} (Feedback)"] if with_feedback else [])]
        rows, left_out, graded = [header], [], 0
        for student, submission in matched.pairs:
            if not getattr(student, field):
                left_out.append(student.label)
                continue
            record = records.get(submission) if submission else None
            graded += record is not None
            cells = export.grade_cells(record, columns, options, blank=NO_GRADE)
            row = [getattr(student, field)]
            for column, cell in zip(columns, cells):
                row += [cell, *([feedback_text(record, column.stem)] if with_feedback else [])]
            rows.append(row)
        notes = [ngettext(
            "{count} roster student has no {field} in the roster, so moodle.csv has no row for them "
            "(Moodle would give a row without one to the student above): {names}.",
            "{count} roster students have no {field} in the roster, so moodle.csv has no row for "
            "them (Moodle would give a row without one to the student above): {names}.",
            len(left_out)).format(count=len(left_out), field=label, names=roster.listing(left_out))
            ] if left_out else []
        return export.Table(rows, len(rows) - 1, graded, notes)

    return build


def feedback_text(record: dict | None, stem: str | None) -> str:
    """The student's feedback page (Markdown) for the whole kit, or for one exercise file."""
    if record is None:
        return ""
    if stem is None:
        return feedback.markdown(record)
    exercises = [e for e in record["exercises"] if e["id"].split(".")[0] == stem]
    part = {**record, "exercises": exercises,
            "tests": [t for t in record["tests"] if (t.get("exercise") or "").split(".")[0] == stem],
            "total": scoring.number(points.by_file(record["tests"])[stem]),
            "max_total": points.maxima()[stem]}
    return feedback.markdown(part)


def run(out_dir: Path, roster_file: Path, identifier: str = "email", per_file: bool = False,
        with_feedback: bool = False, to: Path | None = None, missing_as_zero: bool = False,
        console: Console | None = None) -> int:
    if identifier not in IDENTIFIERS:
        raise ValueError(_("The identifier must be one of {choices}.").format(choices=", ".join(IDENTIFIERS)))
    return export.run("moodle", out_dir, roster_file, to, builder(identifier, with_feedback),
                      export.Options(per_file, missing_as_zero), console)
