"""`check(exercise_id)`: run an exercise's checks from inside a Jupyter notebook.

The notebook's globals play the exercise file (`Executor.provide`); the public checks (or, on
the instructor's machine, those and the hidden tests of `autograder/`, as grading runs them) run
through `nnkit.testing.run` against them, exactly as `nnkit check` runs them. The verdict goes
to stdout; a failure raises AssertionError with the learner's message, so nbgrader scores the
cell 0. Nothing is written to stderr: nbgrader would count any stderr in a test cell as a failure.

As with nbgrader itself, the checks run in the student's own kernel: this is a tutor, not a
trust boundary (`nnkit grade` grades collected notebooks in isolated workers).
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

from nnkit.course import catalog, layout
from nnkit.notebooks.to_python import code_from_cells
from nnkit.student.console import symbols
from nnkit.submission.proxy import local_submission
from nnkit.i18n.lang import _
from nnkit.testing import run as runner
from nnkit.testing.verdict import Verdict, advice

PUBLIC, HIDDEN = "exercises", "autograder"


def checks_file(stem: str, hidden: bool = False) -> Path | None:
    """The checks of exercise file `stem`: the course's (found from the kernel's folder)."""
    found = layout.checks_of(layout.course_root() / (HIDDEN if hidden else PUBLIC), [stem])
    return found[0].resolve() if found else None


def run(exercise_id: str, namespace: dict, hidden: bool = False, source: str | None = None) -> list[Verdict]:
    """Run the checks of one exercise id against `namespace`, quietly; return the verdicts.

    `hidden` runs the public checks and the hidden tests together, as grading does (an exercise
    may have no hidden test of its own). `source` (the notebook's code) is written where checks
    that read the file look for it.
    """
    exercise = catalog.by_id(exercise_id)
    tests = checks_file(exercise.file, hidden)
    if tests is None:
        where = ("the course's autograder/ folder (it exists only on the instructor's machine)"
                 if hidden else "an exercises/ folder here or above")
        raise FileNotFoundError(f"cannot find the checks of {exercise.file}: looked for {where}")
    files = [path for path in (checks_file(exercise.file), tests) if path is not None] if hidden else [tests]
    data = layout.data_dir(tests.parent)
    noise = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="nnkit-notebook-") as folder:
        if source is not None:
            (Path(folder) / f"{exercise.file}.py").write_text(source, encoding="utf-8")
        submission = local_submission(Path(folder), data, provided={exercise.file: namespace})
        checks = runner.Run(submission, Path(folder), data, {exercise_id}, reveal=not hidden)
        with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
            runner.run(list(dict.fromkeys(files)), checks, layout.course_root())
    if checks.problems:
        raise RuntimeError(f"pytest could not run {tests}:\n" + "\n".join(checks.problems)
                           + noise.getvalue()[-2000:])
    return checks.results()


def kernel_source() -> str | None:
    """The code this IPython kernel has run so far, as one file; None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    return code_from_cells(shell.history_manager.input_hist_raw[1:])


def check(exercise_id: str, hidden: bool = False, namespace: dict | None = None,
          source: str | None = None) -> None:
    """Check exercise `exercise_id` (e.g. "05_losses.mse") against this notebook's code.

    `namespace` defaults to the caller's globals. The hidden tests also read the code (forbidden
    calls): `source` defaults there to the cells the kernel has run. Prints a one-line verdict;
    raises AssertionError with the reason when a check fails.
    """
    __tracebackhide__ = True  # pytest and IPython leave this frame out where they can
    try:
        exercise = catalog.by_id(exercise_id)
    except KeyError:
        raise ValueError(f"{exercise_id!r} is not an exercise id of the course (such as "
                         f"{catalog.exercises()[0].id!r})") from None
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    if exercise.name not in namespace:
        print(f"{symbols()['failed']} {exercise_id}: `{exercise.name}` is not defined")
        raise AssertionError(f"`{exercise.name}` is not defined yet: run the cell that defines it "
                             "(above this one) first.")
    if source is None and hidden:
        source = kernel_source()
    results = run(exercise_id, namespace, hidden, source)
    kind = "hidden tests" if hidden else "checks"
    failed = [r for r in results if not r.passed]
    if not results:
        raise AssertionError(f"no {kind} ran for {exercise_id}")
    notes = [_("  Note (it costs no points): {note}").format(note=note) for _id, note in advice(results)]
    if not failed:
        print(f"{symbols()['done']} {exercise_id}: all {len(results)} {kind} pass")
        print("\n".join(notes), end="\n" if notes else "")
        return
    first = failed[0]
    if first.kind == "not_started":
        print(f"{symbols()['failed']} {exercise_id} is not started yet")
        raise AssertionError(f"{exercise_id} is not started yet: in its cell above, replace "
                             "`raise NotImplementedError()` with your code and run that cell.")
    print(f"{symbols()['failed']} {exercise_id} fails {len(failed)} of {len(results)} {kind}")
    print("\n".join(notes), end="\n" if notes else "")
    raise AssertionError(first.message.rstrip() or f"{first.test} failed")
