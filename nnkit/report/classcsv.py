"""summary.csv (one row per exercise) and mistakes.csv (one row per exercise and mistake).

The columns are stable names for spreadsheets and scripts, like grades.csv's; shares are
fractions with four decimals, rows in the page's order, so the files diff cleanly.
"""

from __future__ import annotations

import csv
import io

from nnkit.report.classstats import ClassStats


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def share(value: float) -> str:
    return f"{value:.4f}"


def summary(stats: ClassStats) -> str:
    return _csv(["rank", "exercise", "points", "students", "mean_share", "full_marks_share",
                 "not_started_share"],
                [[rank, e.id, e.points, e.students, share(e.mean_share), share(e.full_share),
                  share(e.not_started_share)] for rank, e in enumerate(stats.exercises, start=1)])


def mistakes(stats: ClassStats) -> str:
    return _csv(["exercise", "mistake", "count", "share", "students"],
                [[m.exercise, m.name, len(m.students), share(m.share), ";".join(m.students)]
                 for m in stats.mistakes])
