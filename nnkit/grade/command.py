"""`nnkit grade CLASS_DIR --out OUT_DIR`: stage, grade in parallel, score, write the reports.

The flow: stage every entry of the class (nothing runs); probe bubblewrap; start the sandboxed
zygote and fork the job processes (see `jobs`); hand them the gradable submissions and keep
each scored record in OUT_DIR/.work/ as it arrives; then write grades.csv, results.json and the
feedback pages, print the gradebook, and write the class report (OUT_DIR/report/) from results.json.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nnkit.course import layout
from nnkit.grade import resume, roster, staging
from nnkit.grade.output import feedback, reports, terminal
from nnkit.grade.sandbox import bwrap, uids
from nnkit.grade.sandbox.limits import Limits
from nnkit.i18n.lang import _, ngettext
from nnkit.report import classreport


def run(class_dir: Path, out: Path, jobs: int | None = None, timeout: float = 10.0,
        total: float = 300.0, course: Path | None = None, console: Console | None = None,
        fresh: bool = False, roster_file: Path | None = None, missing_as_zero: bool = False) -> int:
    """Grade the class in `class_dir` into `out` with the checks and hidden tests of `course`
    (default: the course in use); 0 when done, 1 when the grader had problems, 2 when it could not
    start. Records of an earlier, interrupted run of the same class are reused (see `resume`)
    unless `fresh` is set. With `roster_file`, grades.csv and results.json also say whose each
    submission is and which roster students handed in nothing (see `roster`)."""
    with layout.using(course):  # its table and known mistakes too, here and in the jobs
        return grade_class(class_dir, out, jobs, timeout, total, console, fresh, roster_file,
                           missing_as_zero)


def grade_class(class_dir: Path, out: Path, jobs: int | None, timeout: float, total: float,
                console: Console | None, fresh: bool, roster_file: Path | None = None,
                missing_as_zero: bool = False) -> int:
    console = console or Console(highlight=False)
    class_dir, out = Path(class_dir), Path(out)
    if not class_dir.is_dir():
        console.print("[red]" + escape(_("{folder} is not a folder of submissions: give the folder that "
                                         "holds one folder or .zip per student, named by the student "
                                         "id.").format(folder=class_dir)) + "[/]")
        return 2
    course = layout.course_root()
    hidden = course / "autograder"
    if not any(hidden.glob("test_*.py")):
        console.print("[red]" + escape(_("No hidden tests in {folder}: run from the course's folder (the one "
                                         "holding autograder/) or pass --course DIR.").format(folder=hidden))
                      + "[/]")
        return 2
    try:
        class_roster = roster.load(roster_file) if roster_file else None
    except roster.RosterError as error:
        console.print(f"[red]{escape(str(error))}[/]")
        return 2
    if missing_as_zero and class_roster is None:
        console.print(escape(_("--missing-as-zero gives 0 to the roster students who handed in "
                               "nothing: it needs --roster FILE.")))
        return 2
    work = out / ".work"
    shutil.rmtree(work / "staged", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    resume.remove_leftovers(out)

    entries, class_problems = staging.find_entries(class_dir)
    staged = [stage_safely(student, entry, work / "staged" / reports.safe_name(student))
              for student, entry in entries.items()]
    limits = Limits(call_seconds=timeout, total_seconds=total)
    isolation = bwrap.detect()
    from nnkit.grade import jobs as pool  # imports torch: only once the arguments are known good

    settings = pool.default_settings(work, limits, isolation, course)
    batch = resume.batch_fingerprint(settings.course, settings.data, limits)

    ledger = resume.Ledger(work, batch, staged, fresh)
    records, tasks = ledger.records, ledger.tasks()
    slots = max(1, min(jobs or os.cpu_count() or 1, uids.COUNT, len(tasks)))
    try:
        claim = uids.claim(slots, isolation.root) if tasks else uids.Claim([])
    except uids.NoFreeUid as error:
        console.print("[red]" + escape(_("Cannot grade now: {reason}").format(reason=error)) + "[/]")
        return 2
    try:
        protections = bwrap.protections(isolation, limits, claim.describe())
        terminal.protections(console, protections)
        if ledger.reused:
            console.print(escape(ngettext(
                "Resuming: {count} submission already graded by an earlier run (records in {folder}/) is "
                "not graded again; `--fresh` grades everything anew.",
                "Resuming: {count} submissions already graded by an earlier run (records in {folder}/) are "
                "not graded again; `--fresh` grades everything anew.", ledger.reused).format(
                    count=ledger.reused, folder=work)))
        if tasks:
            grade(tasks, replace(settings, uids=tuple(claim.uids)), console, ledger.keep)
    except KeyboardInterrupt:
        console.print("[red]" + escape(ngettext(
            "Interrupted: {done} of {count} students done; their records are in {folder}/. No grades.csv was "
            "written: run the same command again to grade the rest.",
            "Interrupted: {done} of {count} students done; their records are in {folder}/. No grades.csv was "
            "written: run the same command again to grade the rest.", len(staged)).format(
                done=len(records), count=len(staged), folder=work)) + "[/]")
        return 130
    except (RuntimeError, OSError) as error:  # no job could start, or none could be launched
        console.print("[red]" + escape(_("Cannot grade now: {reason}").format(reason=error)) + "[/]")
        return 1
    finally:
        claim.release()

    matched = roster.match(class_roster, records) if class_roster else None
    write_outputs(out, list(records.values()), protections, [asdict(p) for p in class_problems],
                  matched, missing_as_zero)
    terminal.gradebook(console, list(records.values()))
    for line in matched.report() if matched else ():
        console.print(f"[yellow]{escape(line)}[/]")
    grader_problems = sorted({p for r in records.values() for p in r["grader_problems"]})
    for problem in grader_problems[:5]:
        told = _("Grader problem: {problem}").format(problem=problem[:500])
        console.print("[bold red]" + escape(told) + "[/]")
    console.print(escape(ngettext(
        "Wrote {grades}, {results} and {count} feedback pages in {folder}/",
        "Wrote {grades}, {results} and {count} feedback pages in {folder}/", len(records)).format(
            grades=out / "grades.csv", results=out / "results.json", count=len(records),
            folder=out / "feedback")))
    classreport.run(out, console)  # one that cannot be written says why; the grades stand
    return 1 if grader_problems else 0


def stage_safely(student: str, entry: Path, dest: Path) -> staging.Staged:
    """Stage one entry; whatever goes wrong with it is that student's problem, not the batch's."""
    try:
        return staging.stage(student, entry, dest)
    except Exception as error:
        shutil.rmtree(dest, ignore_errors=True)
        staged = staging.Staged(student, entry.name)
        staged.problems.append(staging.Problem("unreadable", _(
            "{name} could not be staged ({kind}: {error}); nothing was graded. Hand in a folder or a .zip "
            "holding just the exercise files.").format(name=entry.name, kind=type(error).__name__,
                                                        error=error)))
        return staged


def grade(tasks: list[dict], settings, console: Console, keep) -> None:
    """Run the tasks through the job pool, one job a claimed uid, with a progress bar."""
    from nnkit.grade import jobs

    pool = jobs.Pool(len(settings.uids), settings)
    try:
        with terminal.progress(console, len(tasks)) as advance:
            def done(raw: dict) -> None:
                keep(raw)
                advance(raw["student"])

            pool.run(tasks, done)
    except BaseException:
        pool.close(now=True)
        raise
    pool.close()


def write_outputs(out: Path, records: list[dict], protections: dict, class_problems: list[dict],
                  matched: roster.Match | None = None, missing_as_zero: bool = False) -> None:
    """grades.csv, results.json and the feedback pages, each written atomically."""
    for record in records:
        name = reports.safe_name(record["student"])
        reports.write_atomic(out / "feedback" / f"{name}.md", feedback.markdown(record))
        reports.write_atomic(out / "feedback" / f"{name}.html", feedback.page(record))
    grader_problems = sorted({p for r in records for p in r["grader_problems"]})
    reports.write_json(out / "results.json",
                       reports.results_json(records, protections, class_problems, grader_problems,
                                            matched.summary() if matched else None))
    reports.write_atomic(out / "grades.csv", reports.grades_csv(
        records, matched.people() if matched else None, missing_as_zero))
