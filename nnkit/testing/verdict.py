"""One check's verdict, as every path reports it: `nnkit check`, a notebook's check cell, grading.

Free of torch and pytest, so the check client can read verdicts that a warm process sent.
"""

from __future__ import annotations

import builtins
from dataclasses import asdict, dataclass, field, fields

STATUSES = ("passed", "failed", "error", "timeout")


@dataclass
class Verdict:
    """`message` and `output` may be shown to the student; `detail` only to the instructor."""

    file: str  # the test file's name
    test: str  # the test's name, for people to read; no rule depends on it
    exercise: str | None  # the exercise id its `exercise` marker names
    status: str  # one of STATUSES
    kind: str = ""  # why it did not pass: failed, error, not_started, submission, forbidden, timeout, …
    message: str = ""
    output: str = ""  # what the student's code printed during the check
    detail: str = ""
    property: bool = False  # checks a property (inputs kept, dtype, gradients), not values
    mistake: str | None = None  # the known mistake its message names
    measures: dict[str, float] = field(default_factory=dict)  # values a test recorded (a held-out accuracy)
    named: str = ""  # how its message names what is wrong: catalogue, diagnosis, rule or "" (CheckFailure)
    notes: list[str] = field(default_factory=list)  # advice that costs no points, failed or passed

    @builtins.property  # (the field `property` hides the builtin in this class's body)
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Verdict:
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def advice(tests: list[dict] | list[Verdict]) -> list[tuple[str, str]]:
    """The notes of these tests (verdicts, or their dicts in results.json), each (exercise id, note)
    once, in the order the tests ran: advice that costs no points."""
    found: dict[tuple[str, str], None] = {}
    for test in tests:
        exercise, notes = (test.exercise, test.notes) if isinstance(test, Verdict) else \
            (test.get("exercise"), test.get("notes") or [])
        for note in notes:
            found[(str(exercise or ""), str(note))] = None
    return list(found)
