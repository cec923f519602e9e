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
from nnkit.i18n import lang as languages
from nnkit.i18n.lang import _, ngettext
from nnkit.notebooks.to_python import code_from_cells
from nnkit.student.console import symbols
from nnkit.submission.proxy import local_submission
from nnkit.testing import run as runner
from nnkit.testing.verdict import Verdict, advice


def checks_file(stem: str, hidden: bool = False) -> Path | None:
    """The checks of exercise file `stem`: the course's (found from the kernel's folder)."""
    found = layout.checks_of(layout.hidden_tests_dir() if hidden else layout.exercises_dir(), [stem])
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
        if hidden:
            raise FileNotFoundError(_("cannot find the hidden tests of {file}: looked for the course's "
                                      "autograder/ folder (it exists only on the instructor's machine)"
                                      ).format(file=exercise.file))
        raise FileNotFoundError(_("cannot find the checks of {file}: looked for an exercises/ folder here "
                                  "or above").format(file=exercise.file))
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
        raise RuntimeError(_("pytest could not run {tests}:").format(tests=tests) + "\n"
                           + "\n".join(checks.problems) + noise.getvalue()[-2000:])
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
          source: str | None = None, lang: str | None = None) -> None:
    """Check exercise `exercise_id` (e.g. "05_losses.mse") against this notebook's code.

    `namespace` defaults to the caller's globals. The hidden tests also read the code (forbidden
    calls): `source` defaults there to the cells the kernel has run. Prints a one-line verdict;
    raises AssertionError with the reason when a check fails. `lang` is the notebook's language
    (a notebook of another edition says it in its check cells); None: the one chosen as usual.
    """
    __tracebackhide__ = True  # pytest and IPython leave this frame out where they can
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    with languages.speaking(lang if lang in languages.languages() else None):
        _check(exercise_id, hidden, namespace, source)


def _check(exercise_id: str, hidden: bool, namespace: dict, source: str | None) -> None:
    __tracebackhide__ = True
    try:
        exercise = catalog.by_id(exercise_id)
    except KeyError:
        raise ValueError(_("{id!r} is not an exercise id of the course (such as {example!r})").format(
            id=exercise_id, example=catalog.exercises()[0].id)) from None
    if exercise.name not in namespace:
        print(_("{mark} {id}: `{name}` is not defined").format(mark=symbols()["failed"], id=exercise_id,
                                                               name=exercise.name))
        raise AssertionError(_("`{name}` is not defined yet: run the cell that defines it (above this one) "
                               "first.").format(name=exercise.name))
    if source is None and hidden:
        source = kernel_source()
    results = run(exercise_id, namespace, hidden, source)
    failed = [r for r in results if not r.passed]
    mark, count = symbols(), len(results)
    if not results:
        raise AssertionError((_("no hidden tests ran for {id}") if hidden else _("no checks ran for {id}"))
                             .format(id=exercise_id))
    notes = [_("  Note (it costs no points): {note}").format(note=note) for _id, note in advice(results)]
    if not failed:
        passed = ngettext("{mark} {id}: all {count} hidden tests pass",
                          "{mark} {id}: all {count} hidden tests pass", count) if hidden else \
            ngettext("{mark} {id}: all {count} checks pass", "{mark} {id}: all {count} checks pass", count)
        print(passed.format(mark=mark["done"], id=exercise_id, count=count))
        print("\n".join(notes), end="\n" if notes else "")
        return
    first = failed[0]
    if first.kind == "not_started":
        print(_("{mark} {id} is not started yet").format(mark=mark["failed"], id=exercise_id))
        raise AssertionError(_("{id} is not started yet: in its cell above, replace "
                               "`raise NotImplementedError()` with your code and run that cell.").format(
                                   id=exercise_id))
    fails = ngettext("{mark} {id} fails {failed} of {count} hidden tests",
                     "{mark} {id} fails {failed} of {count} hidden tests", count) if hidden else \
        ngettext("{mark} {id} fails {failed} of {count} checks",
                 "{mark} {id} fails {failed} of {count} checks", count)
    print(fails.format(mark=mark["failed"], id=exercise_id, failed=len(failed), count=count))
    print("\n".join(notes), end="\n" if notes else "")
    raise AssertionError(first.message.rstrip() or _("{test} failed").format(test=first.test))
