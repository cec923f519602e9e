"""Failures a check raises, each carrying a message written for the student."""

from __future__ import annotations


class CheckFailure(AssertionError):
    """A check did not pass; `kind` tells reports how to count it.

    kinds: "failed" (wrong answer), "error" (the student's code raised), "not_started" (the stub
    is still there), "submission" (the file is missing or cannot be imported), "forbidden".
    `mistake` is the catalogue name of the known mistake the answer matched, if any.
    """

    kind = "failed"

    def __init__(self, message: str, kind: str | None = None, mistake: str | None = None):
        super().__init__(message)
        self.message = message
        self.mistake = mistake
        if kind:
            self.kind = kind

    def __str__(self) -> str:
        return self.message


def from_error(target: str, call_text: str, error: dict) -> CheckFailure:
    """Turn an error reported by the student side into the failure a learner should read."""
    stem, _, name = target.partition(".")
    if error.get("type") == "SubmissionError":
        return CheckFailure(error.get("message", "the submission could not be loaded"), "submission")
    if error.get("not_started"):
        where = f"{stem}.py" if name else target
        return CheckFailure(
            f"{target} is not started yet: open {where}, find `{name.split('.')[0] or target}` and "
            "replace `raise NotImplementedError(...)` with your code.", "not_started")
    trace = error.get("traceback", "")
    return CheckFailure(
        f"{call_text}\n  raised {error.get('type', 'an error')}: {error.get('message', '')}"
        + (f"\n{trace.rstrip()}" if trace else ""), "error")
