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
from nnkit.i18n.lang import _
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
    from nnkit.grade import jobs as pool

    console = console or Console(highlight=False)
    class_dir, out = Path(class_dir), Path(out)
    if not class_dir.is_dir():
        console.print(f"[red]{escape(str(class_dir))} is not a folder of submissions[/]: give the folder "
                      "that holds one folder or .zip per student, named by the student id.")
        return 2
    course = layout.course_root()
    hidden = course / "autograder"
    if not any(hidden.glob("test_*.py")):
        console.print(f"[red]No hidden tests in {escape(str(hidden))}[/]: run from the course's folder "
                      "(the one holding autograder/) or pass --course DIR.")
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
    settings = pool.default_settings(work, limits, isolation, course)
    batch = resume.batch_fingerprint(settings.course, settings.data, limits)

    ledger = resume.Ledger(work, batch, staged, fresh)
    records, tasks = ledger.records, ledger.tasks()
    slots = max(1, min(jobs or os.cpu_count() or 1, uids.COUNT, len(tasks)))
    try:
        claim = uids.claim(slots, isolation.root) if tasks else uids.Claim([])
    except uids.NoFreeUid as error:
        console.print(f"[red]Cannot grade now[/]: {escape(str(error))}")
        return 2
    try:
        protections = bwrap.protections(isolation, limits, claim.describe())
        terminal.protections(console, protections)
        if ledger.reused:
            console.print(f"Resuming: {ledger.reused} submission{'s' * (ledger.reused != 1)} already "
                          f"graded by an earlier run (records in {escape(str(work))}/) are not graded "
                          "again; `--fresh` grades everything anew.")
        if tasks:
            grade(tasks, replace(settings, uids=tuple(claim.uids)), console, ledger.keep)
    except KeyboardInterrupt:
        console.print(f"[red]Interrupted[/]: {len(records)} of {len(staged)} students done; their "
                      f"records are in {escape(str(work))}/. No grades.csv was written: run the "
                      "same command again to grade the rest.")
        return 130
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
        console.print(f"[bold red]Grader problem:[/] {escape(problem[:500])}")
    console.print(f"Wrote {escape(str(out / 'grades.csv'))}, {escape(str(out / 'results.json'))} and "
                  f"{len(records)} feedback pages in {escape(str(out / 'feedback'))}/")
    classreport.run(out, console)  # one that cannot be written says why; the grades stand
    return 1 if grader_problems else 0


def stage_safely(student: str, entry: Path, dest: Path) -> staging.Staged:
    """Stage one entry; whatever goes wrong with it is that student's problem, not the batch's."""
    try:
        return staging.stage(student, entry, dest)
    except Exception as error:
        shutil.rmtree(dest, ignore_errors=True)
        staged = staging.Staged(student, entry.name)
        staged.problems.append(staging.Problem(
            "unreadable", f"{entry.name} could not be staged ({type(error).__name__}: {error}); nothing "
            "was graded. Hand in a folder or a .zip holding just the exercise files."))
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
