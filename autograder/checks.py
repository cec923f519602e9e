"""Shapes the hidden tests share: one test for several exercise ids, checks over lists of cases,
and the "not allowed" rule.

`each(RELU, SIGMOID)` parametrizes a test over exercise ids, each case marked with its own id (so
it counts for that id alone). `values(student, exercise, cases)` compares the student's answers
with the expected ones (`reference.expected`) on every case, naming the known mistake that
explains them; `kept(student, exercise, cases)` checks that the inputs come back as they were.
`forbidden_test("01_matrices")` makes, for each id of that file with forbidden names in the
catalog, a check that reads the submission's source (`submission_dir`; the grader never imports
it) and fails with kind "forbidden" when the function, or a same-file helper it uses, makes such a
call: the id then earns no points.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import pytest

from autograder import reference
from nnkit.course import catalog
from nnkit.harness import expect, mistakes
from nnkit.harness.failures import CheckFailure
from nnkit.submission.proxy import Submission


def each(*exercise_ids: str):
    """Run the test once per exercise id (argument `exercise`), each marked with its id."""
    params = [pytest.param(i, marks=pytest.mark.exercise(i), id=i.split(".")[1]) for i in exercise_ids]
    return pytest.mark.parametrize("exercise", params)


class Twin(NamedTuple):
    """A case whose arguments differ by side: the student side gets its twins (a model's handle,
    a spec) of the checks' own objects (the torch model, a function)."""

    submission: tuple
    checks: tuple


def _sides(case: tuple | Twin) -> tuple[tuple, tuple]:
    return (case.submission, case.checks) if isinstance(case, Twin) else (case, case)


def values(
    submission: Submission, exercise: str, cases: Iterable[tuple | Twin],
    labels: list[str] | None = None, **kwargs,
) -> None:
    """Every case's answer is the expected one (`reference.expected`).

    When some are wrong, the failure reported names the known mistake that explains the answers
    of all the cases (one whose value the student's answer matches wherever it applies, right
    answers included), at the first case it shows in; else the first wrong case, as it is.
    """
    runs = []
    for case in cases:
        student_args, args = _sides(case)
        runs.append((submission.call(exercise, *student_args, **kwargs), args))
    wants = [reference.expected(exercise, *args, **kwargs) for _, args in runs]  # once: train trains
    wrong = []  # indices of the runs with a wrong answer
    for index, (out, _args) in enumerate(runs):
        try:
            reference.compare(out, wants[index], {}, labels)
        except CheckFailure as failure:
            if failure.kind not in ("failed", "error"):
                raise
            wrong.append(index)
    if not wrong:
        return
    found = [mistakes.for_call(exercise, *args, **kwargs) for _, args in runs]
    explaining = [mistake for mistake in mistakes.catalogue().get(exercise, {}).values()
                  if any(mistake in known for known in found)
                  and all(mistake not in known or _matches(out, known[mistake], labels)
                          for (out, _), known in zip(runs, found))]
    for index in wrong:
        if any(mistake in found[index] for mistake in explaining):
            reference.compare(runs[index][0], wants[index],
                              {m: found[index][m] for m in explaining if m in found[index]}, labels)
    reference.compare(runs[wrong[0]][0], wants[wrong[0]], found[wrong[0]], labels)


def _matches(out, value, labels) -> bool:
    """The student's answer passes as `value` would (the value a mistake gives)."""
    try:
        reference.compare(out, value, {}, labels)
        return True
    except CheckFailure:
        return False


def kept(submission: Submission, exercise: str, cases: Iterable[tuple], **kwargs) -> None:
    for args in cases:
        expect.unchanged(submission.call(exercise, *args, **kwargs))


def forbidden_test(stem: str):
    ids = [e.id for e in catalog.exercises() if e.file == stem and e.forbidden]

    @pytest.mark.property
    @each(*ids)
    def test_uses_no_forbidden_call(exercise, submission, submission_dir):
        expect.allowed_calls(submission, submission_dir, exercise)

    return test_uses_no_forbidden_call
