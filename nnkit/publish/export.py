"""What `nnkit export canvas` and `nnkit export moodle` share: the graded class, the roster, the
grade columns, and writing the file.

An export reads `OUT_DIR/results.json` (what `nnkit grade` wrote) and a roster, pairs them with
`roster.match`, and writes one row per roster student. A student with no submission gets an
empty grade (0 with --missing-as-zero); a submission with no roster entry cannot be a row (the
LMS would not know whose it is), so it is named on the terminal; its grades stay in grades.csv.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nnkit.course import catalog
from nnkit.grade import points, roster, scoring
from nnkit.grade.output import reports
from nnkit.i18n.lang import _, ngettext

DEFAULT_TITLE = "nnkit exercises"  # the total column's title when none is given


class ExportError(ValueError):
    """Input an export cannot use; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Column:
    """One grade column: its header, the exercise file it sums (None: all of them), its maximum."""

    header: str
    stem: str | None
    points: int


@dataclass(frozen=True)
class Options:
    per_file: bool = False
    missing_as_zero: bool = False


@dataclass
class Table:
    """What a format builds: the CSV's rows, how many are students (and graded), notes."""

    rows: list[list[str]]
    students: int
    graded: int
    notes: list[str]


Builder = Callable[[roster.Match, dict[str, dict], Options], Table]  # one per format


def load_results(out_dir: Path) -> dict[str, dict]:
    """Submission id → scored record, from the results.json `nnkit grade` wrote into `out_dir`."""
    path = Path(out_dir) / "results.json"
    if not path.is_file():
        raise ExportError(_("No results.json in {folder}: grade the class first with "
                            "`nnkit grade CLASS_DIR --out {folder}`.").format(folder=out_dir))
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        return {record["student"]: record for record in results["students"]}
    except (ValueError, KeyError, TypeError) as error:
        raise ExportError(_("{path} is not a results.json written by `nnkit grade` ({error}): grade "
                            "the class again.").format(path=path, error=error)) from None


def grade_columns(options: Options, title: Callable[[str | None, str], str]) -> list[Column]:
    """The total column, or one column per exercise file; `title(stem, default)` names each."""
    maxima = points.maxima()
    if not options.per_file:
        return [Column(title(None, DEFAULT_TITLE), None, sum(maxima.values()))]
    return [Column(title(stem, stem), stem, maxima[stem]) for stem in catalog.files()]


def grade_cells(record: dict | None, columns: list[Column], options: Options, blank: str) -> list[str]:
    """A student's points in each column; `blank` (or 0 with --missing-as-zero) without a record."""
    if record is None:
        return ["0" if options.missing_as_zero else blank for _column in columns]
    by_file = points.by_file(record["tests"])
    values = [sum(by_file.values(), Fraction(0)) if c.stem is None else by_file[c.stem] for c in columns]
    return [scoring.text(scoring.number(value)) for value in values]


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def run(name: str, out_dir: Path, roster_file: Path, to: Path | None, build: Builder,
        options: Options, console: Console | None = None) -> int:
    """Write `OUT_DIR/<name>.csv` (or `to`) with `build`; 0 when written, 2 on bad input."""
    console = console or Console(highlight=False)
    try:
        records = load_results(out_dir)
        class_roster = roster.load(roster_file)
        matched = roster.match(class_roster, records)
        table = build(matched, records, options)
    except (ExportError, roster.RosterError, catalog.UnknownSelection) as error:
        console.print(f"[red]{escape(str(error))}[/]")
        return 2
    target = Path(to) if to else Path(out_dir) / f"{name}.csv"
    reports.write_atomic(target, csv_text(table.rows))
    for line in [*matched.report(), *table.notes]:
        console.print(f"[yellow]{escape(line)}[/]")
    console.print(escape(ngettext(
        "Wrote {path}: {count} student row, {graded} of them with a graded submission.",
        "Wrote {path}: {count} student rows, {graded} of them with a graded submission.",
        table.students).format(path=target, count=table.students, graded=table.graded)))
    return 0
