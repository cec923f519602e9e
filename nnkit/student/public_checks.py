"""Run the public checks of some exercises against a folder of the student's files, here.

The in-process half of `nnkit check`: the warm processes of `nnkit watch` and of the check server
call it too, and so does `nnkit dev check`.
"""

from __future__ import annotations

from pathlib import Path

from nnkit.course import catalog, layout
from nnkit.i18n.lang import _
from nnkit.submission.proxy import local_submission
from nnkit.testing import run
from nnkit.testing.verdict import Verdict


def run_checks(exercise_ids: list[str], path: Path | str | None = None) -> tuple[list[Verdict], list[str]]:
    """The verdicts of the public checks of `exercise_ids` on the files in `path`, and any problem
    that kept checks from running."""
    folder = layout.submission_folder(path)
    stems = list(dict.fromkeys(catalog.by_id(i).file for i in exercise_ids))
    tests = layout.checks_of(layout.exercises_dir(), stems)
    if not tests:
        return [], [_("no public checks found in {folder}").format(folder=layout.exercises_dir())]
    data = layout.data_dir(folder)
    checks = run.Run(local_submission(folder, data), folder, data, set(exercise_ids), reveal=True)
    run.run(tests, checks, layout.course_root())
    unmarked = [_("a check without an exercise marker: {test}").format(test=test) for test in checks.unmarked]
    return checks.results(), checks.problems + unmarked
