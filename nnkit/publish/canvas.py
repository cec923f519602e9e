"""`nnkit export canvas OUT_DIR --roster R`: a CSV that Canvas's gradebook importer takes as it is.

The rules below are Canvas's own, from canvas-lms `lib/gradebook_importer.rb` (and the Canvas
guide "How do I import grades in the Gradebook?"), method by method:

- `row_has_student_headers?`: the header row has more than 3 cells, the first includes
  "Student" and the second "ID".
- `update_column_count`: "SIS User ID" third and "SIS Login ID" fourth make five student
  columns; `header?` then requires the last of them (the fifth) to include "Section".
- `strip_non_assignment_columns`: every later header matching Current Score, Current Points,
  Current Grade, Final Score, Final Points, Final Grade, Override Score, Override Grade or
  Override Status (anywhere in it) is a read-only column, not an assignment; and
  `GRADEBOOK_IMPORTER_RESERVED_NAMES` are student columns. No grade title may be either.
- `parse_assignments` with `Assignment.title_and_id` (/\\A(.*)\\s\\((\\d+)\\)\\z/): a header
  "Title (id)" grades the assignment with that id; any other header names an assignment by its
  title, and Canvas creates one when none has it.
- `check_for_non_student_row` / `process_pp`: a row whose first cell includes "Points Possible"
  gives each assignment its points possible (what a new assignment is out of).
- `process_student`: a row's student is found by ID, else SIS User ID, else SIS Login ID, else
  by name ("Student" equal to the name or the sortable "Last, First").
- `no_score?`: an empty cell (or "-") is no score.
- `identify_delimiter`: commas, unless semicolons split the first lines into more fields
  consistently; every row here has the same number of comma-separated fields.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from nnkit.course import catalog
from nnkit.grade import roster
from nnkit.i18n.lang import _, ngettext
from nnkit.publish import export

STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
READ_ONLY = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                       "Override Score|Override Grade|Override Status")
RESERVED = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID", "Section",
            "Integration ID", "Root Account")


def builder(assignments: list[str], points_possible: bool = True) -> export.Builder:
    """The Canvas table for these `--assignment` values (see `titles`)."""
    def build(matched: roster.Match, records: dict[str, dict], options: export.Options) -> export.Table:
        chosen = titles(assignments, options.per_file, matched.roster.assignments)
        columns = export.grade_columns(options, lambda stem, default: chosen.get(stem, default))
        for column in columns:
            check_title(column.header)
        rows = [[*STUDENT_COLUMNS, *(column.header for column in columns)]]
        if points_possible:
            rows.append([POINTS_POSSIBLE, *[""] * (len(STUDENT_COLUMNS) - 1),
                         *(str(column.points) for column in columns)])
        for student, submission in matched.pairs:
            record = records.get(submission) if submission else None
            rows.append([student.name or student.label, student.lms_id, student.sis_user_id,
                         student.sis_login_id, student.section,
                         *export.grade_cells(record, columns, options, blank="")])
        no_id = [c.header for c in columns if not roster.CANVAS_TITLE_AND_ID.match(c.header)]
        notes = [ngettext(
            "The column {headers} has no Canvas assignment id (a header like 'Title (1234)'): Canvas "
            "grades the assignment of that title, or creates one.",
            "The columns {headers} have no Canvas assignment id (headers like 'Title (1234)'): Canvas "
            "grades the assignment of each title, or creates one.",
            len(no_id)).format(headers=roster.listing(no_id))] if no_id else []
        graded = sum(1 for _student, submission in matched.pairs if submission)
        return export.Table(rows, len(matched.pairs), graded, notes)

    return build


def titles(assignments: list[str], per_file: bool, known: tuple[str, ...]) -> dict[str | None, str]:
    """Column headers by exercise file (None: the total), from --assignment and the roster.

    Without --per-file one value names the total column; with it each value is FILE=TITLE.
    A title without an id takes the id of the roster's (a Canvas export's) assignment of that
    title; file columns named by no value look for an assignment titled like the file."""
    by_title = {roster.CANVAS_TITLE_AND_ID.match(h).group(1): h for h in known}
    chosen: dict[str | None, str] = {}
    if not per_file:
        if len(assignments) > 1:
            raise export.ExportError(_("Give one --assignment for the total column, or add --per-file "
                                       "and give FILE=TITLE for each file."))
        if assignments:
            chosen[None] = assignments[0].strip()
    for value in assignments if per_file else ():
        selector, equals, title = value.partition("=")
        if not equals or not title.strip():
            raise export.ExportError(_("With --per-file, each --assignment is FILE=TITLE, e.g. "
                                       "'{file}=Title (1234)'; {value!r} is not.").format(
                value=value, file=catalog.files()[0]))
        files = {exercise.file for exercise in catalog.select(selector.strip())}
        if len(files) != 1:
            raise export.ExportError(_("{selector!r} names more than one exercise file: name one of "
                                       "{files}.").format(selector=selector,
                                                          files=", ".join(catalog.files())))
        chosen[files.pop()] = title.strip()
    columns: list[str | None] = [*catalog.files()] if per_file else [None]
    for stem in columns:
        title = chosen.get(stem, export.DEFAULT_TITLE if stem is None else stem)
        chosen[stem] = title if roster.CANVAS_TITLE_AND_ID.match(title) else by_title.get(title, title)
    return chosen


def check_title(header: str) -> None:
    """A grade header Canvas would take for one of its own columns is refused, with the reason."""
    clash = READ_ONLY.search(header)
    if clash or header in RESERVED:
        raise export.ExportError(_("Canvas would read a column headed {header!r} as its own "
                                   "{column!r} column, not as an assignment: choose another title "
                                   "with --assignment.").format(header=header,
                                                                column=clash.group(0) if clash else header))


def run(out_dir: Path, roster_file: Path, assignments: list[str] | None = None, per_file: bool = False,
        to: Path | None = None, missing_as_zero: bool = False, points_possible: bool = True,
        console: Console | None = None) -> int:
    return export.run("canvas", out_dir, roster_file, to, builder(list(assignments or []), points_possible),
                      export.Options(per_file, missing_as_zero), console)
