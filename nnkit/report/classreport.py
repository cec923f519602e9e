"""`nnkit report OUT_DIR`: the class report, rebuilt from OUT_DIR/results.json without regrading.

Writes OUT_DIR/report/index.html (one page, pictures inline), summary.csv and mistakes.csv, each
atomically. `nnkit grade` calls `write` at the end of a batch.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nnkit.grade.output.reports import write_atomic
from nnkit.i18n.lang import _
from nnkit.report import classcsv, classpage, classstats


class ReportError(Exception):
    """The report cannot be written; the message says why and what to do."""


def load(path: Path) -> dict:
    """results.json as written by `nnkit grade`, or ReportError saying what is wrong with it."""
    if not path.is_file():
        raise ReportError(_("{path} is missing: give the folder that `nnkit grade --out` wrote "
                            "(it holds results.json).").format(path=path))
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(_("{path} is not valid JSON ({error}): grade the class again to rewrite "
                            "it.").format(path=path, error=error)) from None
    if not isinstance(results, dict) or not isinstance(results.get("students"), list) \
            or not isinstance(results.get("exercises"), list):
        raise ReportError(_("{path} is not the results.json of `nnkit grade` (it has no students and "
                            "exercises lists).").format(path=path))
    return results


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportError(_("The class report draws its figures with matplotlib, which is not installed: "
                            "install the kit's report extra (pip install 'nnkit[report]'), then run "
                            "`nnkit report OUT_DIR`.")) from None


def write(out: Path) -> Path:
    """Write the report of the class graded into `out`; the page's path."""
    out = Path(out)
    results = load(out / "results.json")
    require_matplotlib()
    try:
        stats = classstats.summarise(results)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        raise ReportError(_("{path} does not hold what `nnkit grade` writes ({kind}: {error}): grade "
                            "the class again to rewrite it.").format(path=out / "results.json",
                                                                     kind=type(error).__name__,
                                                                     error=error)) from None
    folder = out / "report"
    write_atomic(folder / "summary.csv", classcsv.summary(stats))
    write_atomic(folder / "mistakes.csv", classcsv.mistakes(stats))
    write_atomic(folder / "index.html", classpage.page(stats))
    return folder / "index.html"


def run(out: Path, console: Console | None = None) -> int:
    """The command: 0 when the report was written, 2 when it could not be."""
    console = console or Console(highlight=False)
    try:
        page = write(out)
    except ReportError as error:
        console.print("[red]" + escape(str(error)) + "[/]")
        return 2
    console.print(escape(_("Wrote the class report {page}, with summary.csv and mistakes.csv beside "
                           "it.").format(page=page)))
    return 0
