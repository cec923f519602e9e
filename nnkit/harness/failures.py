"""Failures a check raises, each carrying a message written for the student."""

from __future__ import annotations

from nnkit.i18n.lang import _
from nnkit.wire.messages import StudentError


class CheckFailure(AssertionError):
    """A check did not pass; `kind` tells reports how to count it.

    kinds: "failed" (wrong answer), "error" (the student's code raised), "not_started" (the stub
    is still there), "submission" (the file is missing or cannot be imported), "forbidden".

    `named` says how the message names what is wrong, for counting honestly: "catalogue" (a known
    mistake of the course, `mistake`), "diagnosis" (a fact checked on the answer: a property of
    its values, its inputs changed, a time limit used up), "rule" (a forbidden call found in the
    code or reached while it ran), or None (what was expected and what came back, alone).
    """

    kind = "failed"

    def __init__(self, message: str, kind: str | None = None, mistake: str | None = None,
                 named: str | None = None):
        super().__init__(message)
        self.message = message
        self.mistake = mistake  # the name of the known mistake the message names, if any
        self.named = named or ("catalogue" if mistake else None)
        if kind:
            self.kind = kind

    def __str__(self) -> str:
        return self.message


def from_error(target: str, call_text: str, error: StudentError) -> CheckFailure:
    """Turn an error reported by the student side into the failure a learner should read."""
    stem, _dot, name = target.partition(".")
    if error.problem is not None:
        return CheckFailure(error.message, "submission")
    if error.not_started:
        where = f"{stem}.py" if name else target
        return CheckFailure(_(
            "{id} is not started yet: open {file}, find `{name}` and replace `raise "
            "NotImplementedError(...)` with your code.").format(id=target, file=where,
                                                                name=name.split(".")[0] or target),
            "not_started")
    raised = _("raised {kind}: {message}").format(kind=error.type, message=error.message)
    return CheckFailure(
        f"{call_text}\n  {raised}" + (f"\n{error.traceback.rstrip()}" if error.traceback else ""), "error")
