"""The grader's pytest plugin: who `student` is, seeding, and one verdict per test.

`autograder/conftest.py` wires these into the hidden tests. When a grading job runs pytest it
passes a `GradingSession`: the `student` fixture then talks to that submission's worker, and the
session records each test's status, the message a student may read and what their code printed.
Run by hand (`pytest autograder --nnkit-path solutions`), the same tests use an in-process
student instead. Verdicts come from the exceptions raised here, in the trusted process only.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest
import torch

from nnkit import kitpaths
from nnkit.grade.supervisor import WorkerLink
from nnkit.harness.failures import CheckFailure
from nnkit.pytest_plugin import PROVIDED_STUDENT
from nnkit.student import Student, StudentSideError, local_student

SESSION = pytest.StashKey["GradingSession"]()
MAX_OUTPUT = 4000
HIDDEN = "This check failed; its details are not shown."
INTERNAL = ("This check could not finish because of a problem in the grader, not in your code. "
            "Your instructor can see the details.")
# Public checks named like these test a property of the answer, not its values (see scoring).
PROPERTY_NAME = re.compile(r"does_not_modify|_leaves?_|keeps_the_(shape|dtype)|is_differentiable|"
                           r"returns_a_module")
FAILED_STATUS = {"error": "error", "submission": "error", "crashed": "error", "internal": "error",
                 "timeout": "timeout"}


@dataclass
class TestResult:
    """One test's verdict. `message` and `output` may be shown to the student; `detail` may not."""

    file: str
    test: str
    exercise: str | None
    status: str  # passed, failed, error, timeout
    kind: str = ""
    message: str = ""
    output: str = ""
    detail: str = ""
    property: bool = False  # checks a property (inputs kept, dtype, gradients), not values
    mistake: str | None = None  # the catalogue name of the known mistake the answer matched
    measures: dict = field(default_factory=dict)  # values a test recorded (record_property), for reports


class GradingSession:
    """A pytest plugin object: the submission under test, and the results of its tests."""

    def __init__(self, link: WorkerLink, folder: Path):
        self.link = link
        self.folder = folder
        self.student = Student(link)
        self.results: dict[str, TestResult] = {}
        self.problems: list[str] = []
        self._output_start = 0

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SESSION] = self

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"cannot collect {report.nodeid}: {str(report.longrepr)[-2000:]}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._output_start = len(self.student.outputs)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Record the verdict of each test once, whichever plugin builds its report."""
        report = yield
        if item.nodeid not in self.results and call.when != "teardown" \
                and (call.when == "call" or call.excinfo is not None):  # a failed cleanup changes nothing
            status, kind, message, detail = classify(call.excinfo)
            marker = item.get_closest_marker("exercise")
            if marker is None or not marker.args:
                self.problems.append(f"{item.nodeid} has no exercise marker: it counts for nothing")
            printed = "".join(self.student.outputs[self._output_start:])
            self.results[item.nodeid] = TestResult(
                file=Path(str(item.path)).name, test=item.name,
                exercise=str(marker.args[0]) if marker and marker.args else None, status=status,
                kind=kind, message=message, detail=detail, output=cap(printed),
                property=item.get_closest_marker("property") is not None,
                mistake=getattr(call.excinfo.value, "mistake", None) if call.excinfo else None,
                measures=dict(item.user_properties))
        return report

    @pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
    def brief_report(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        """A report without a traceback: pytest's own would format one, with source, for every
        failure, which costs more than running the check (and nobody reads it here)."""
        _, _, message, detail = classify(call.excinfo)
        skipped = call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception)
        outcome = "passed" if call.excinfo is None else "skipped" if skipped else "failed"
        longrepr = (str(item.path), 0, message) if skipped else (message or detail or None)
        return pytest.TestReport(item.nodeid, item.location, {name: 1 for name in item.keywords},
                                 outcome, longrepr, call.when, [], call.duration, call.start,
                                 call.stop, user_properties=item.user_properties)

    def records(self) -> list[dict]:
        return [asdict(result) for result in self.results.values()]


def classify(excinfo: pytest.ExceptionInfo | None) -> tuple[str, str, str, str]:
    """(status, kind, message for the student, detail for the instructor) of a test's outcome."""
    if excinfo is None:
        return "passed", "", "", ""
    error = excinfo.value
    if isinstance(error, CheckFailure):
        return FAILED_STATUS.get(error.kind, "failed"), error.kind, error.message, ""
    if isinstance(error, StudentSideError):
        info = error.info
        trace = info.get("traceback", "")
        return "error", "error", (f"Your code raised {info.get('type', 'an error')}: "
                                  f"{info.get('message', '')}" + (f"\n{trace.rstrip()}" if trace else "")), ""
    if excinfo.errisinstance(pytest.skip.Exception):
        return "failed", "skipped", f"Not run: {error}", ""
    detail = f"{type(error).__name__}: {error}"[:4000]
    if isinstance(error, AssertionError):
        return "failed", "failed", HIDDEN, detail
    return "error", "internal", INTERNAL, detail


def cap(text: str, limit: int = MAX_OUTPUT) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters cut)"


def mark_properties(items: list[pytest.Item]) -> None:
    """Mark checks of properties by their names, unless a check says `property` or `value` itself."""
    for item in items:
        if item.get_closest_marker("property") is None and item.get_closest_marker("value") is None \
                and PROPERTY_NAME.search(item.name):
            item.add_marker(pytest.mark.property)


def session_of(config: pytest.Config) -> GradingSession | None:
    return config.stash.get(SESSION, None)


def student(config: pytest.Config) -> Student:
    """The grading session's student; else one the caller provided (a notebook kernel's names);
    else an in-process one for the folder given by --nnkit-path."""
    session = session_of(config)
    if session is not None:
        return session.student
    if PROVIDED_STUDENT in config.stash:
        return config.stash[PROVIDED_STUDENT]
    folder = submission_dir(config)
    data = config.getoption("--nnkit-data")
    return local_student(folder, Path(data) if data else kitpaths.data_dir(folder))


def submission_dir(config: pytest.Config) -> Path:
    """The staged submission on the trusted side, for checks that read its source."""
    session = session_of(config)
    if session is not None:
        return session.folder
    option = config.getoption("--nnkit-path")
    return Path(option).resolve() if option else kitpaths.exercises_dir()


def seed(item: pytest.Item, config: pytest.Config) -> None:
    """Seed this test from its name: the same inputs every run, in this process and the worker."""
    value = zlib.crc32(f"{Path(str(item.path)).name}::{item.name}".encode())
    torch.default_generator.manual_seed(value)  # torch.manual_seed is ~8 ms slower
    random.seed(value)
    session = session_of(config)
    if session is not None:
        session.link.seed_next(value)
