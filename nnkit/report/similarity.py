"""`nnkit similarity CLASS_DIR --out DIR`: submissions that share code beyond what the kit gave.

Reads the class as `nnkit grade` does (see `sources`), compares each exercise file between every
two students and with the reference solution (see `overlap`), and writes DIR/index.html and
DIR/pairs.csv (see `similaritypage`). It runs no student code and needs no grading first.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nnkit.grade.output.reports import write_atomic
from nnkit.i18n.lang import _, ngettext
from nnkit.report import overlap, similaritypage, sources
from nnkit.report.page import percent

LIMIT = 100


def problem(threshold: float, limit: int) -> str:
    """What is wrong with the options, or ""."""
    if not 0 < threshold <= 1:
        return _("--threshold is a share of a file's code: give a number above 0 and at most 1, "
                 "e.g. 0.5.")
    if limit < 0:
        return _("--limit counts pairs shown side by side: give 0 or more.")
    try:
        import copydetect  # noqa: F401
    except ImportError:
        return _("The similarity report uses copydetect, which is not installed: install the kit's "
                 "report extra (pip install 'nnkit[report]').")
    return ""


def compare(submissions: list[sources.Submission], boilerplate: list[str],
            threshold: float) -> list[overlap.Match]:
    """Matches above `threshold`, most similar first, larger groups first among equals."""
    boilerplate = overlap.boilerplate_hashes(boilerplate)
    found = []
    for name in sources.exercise_names():
        versions = {s.owner: s.files[name] for s in submissions if name in s.files}
        found += overlap.matches(name, versions, boilerplate, threshold)
    order = {s.owner: i for i, s in enumerate(submissions)}
    found.sort(key=lambda m: (-m.share, -len(m.pairs()), order[m.first[0]], order[m.second[0]], m.file))
    return found


def run(class_dir: Path, out: Path, threshold: float | None = None, limit: int | None = None,
        console: Console | None = None) -> int:
    """The command: 0 when the report was written, 2 when it could not be."""
    console = console or Console(highlight=False)
    threshold = overlap.THRESHOLD if threshold is None else threshold
    limit = LIMIT if limit is None else limit
    class_dir, out = Path(class_dir), Path(out)
    wrong = problem(threshold, limit) or ("" if class_dir.is_dir() else _(
        "{folder} is not a folder of submissions: give the folder that holds one folder or .zip per "
        "student, named by the student id.").format(folder=class_dir))
    if wrong:
        console.print("[red]" + escape(wrong) + "[/]")
        return 2
    students, notes = sources.class_submissions(class_dir)
    reference = sources.reference()
    if reference is None:
        notes.append(_("The reference solutions (solutions/) are not on this machine: run from the "
                       "kit's folder to compare with them too."))
    owners = students + ([reference] if reference else [])
    given = sources.boilerplate(notebooks=sources.has_notebooks(students))
    found = compare(owners, given, threshold)
    texts = {(name, s.owner): text for s in owners for name, text in s.files.items()}
    notes += [_("{student}: {problem}").format(student=s.owner, problem=p)
              for s in students for p in s.problems]
    write_atomic(out / "pairs.csv", similaritypage.pairs_csv(found))
    write_atomic(out / "index.html", similaritypage.page(found, texts, overlap.given_lines(given),
                                                           len(students), threshold, limit, notes))
    count = sum(len(m.pairs()) for m in found)
    console.print(escape(ngettext(
        "Compared {students} students' files; {count} pair at or above {threshold}: {page} (all in {csv}).",
        "Compared {students} students' files; {count} pairs at or above {threshold}: {page} (all in {csv}).",
        count).format(students=len(students), count=count, threshold=percent(threshold),
                      page=out / "index.html", csv=out / "pairs.csv")))
    return 0
