"""pytest plugin for the public checks: the `student` fixture and learner-facing reports.

`exercises/conftest.py` loads it, so plain `pytest exercises` works; `nnkit check` runs the same
tests through it. Failures raised by the harness are shown as their message alone, without a
traceback of the check's own code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnkit import kitpaths
from nnkit.harness.failures import CheckFailure
from nnkit.student import Student, local_student

# Where a caller that already holds a Student (a notebook kernel, the grader) puts it.
PROVIDED_STUDENT = pytest.StashKey[Student]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnkit")
    group.addoption("--nnkit-path", default=None,
                    help="folder of exercise files to check (default: the folder of the checks)")
    group.addoption("--nnkit-data", default=None, help="folder with data.pt and target.pt")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(id): the exercise id a check belongs to")


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> Student:
    """The submission under test: one provided by the caller, else the files in this process."""
    if PROVIDED_STUDENT in request.config.stash:
        return request.config.stash[PROVIDED_STUDENT]
    option = request.config.getoption("--nnkit-path")
    folder = Path(option).resolve() if option else _checks_folder(request)
    data = request.config.getoption("--nnkit-data")
    return local_student(folder, Path(data) if data else kitpaths.data_dir(folder))


def _checks_folder(request: pytest.FixtureRequest) -> Path:
    for item in request.session.items:
        return Path(item.path).resolve().parent
    return kitpaths.exercises_dir()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """Report a CheckFailure as its message alone; pytest then skips building a traceback."""
    if call.excinfo is None or not isinstance(call.excinfo.value, CheckFailure):
        return None
    failure = call.excinfo.value
    return pytest.TestReport(
        item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed", failure.message,
        call.when, [(f"Captured {key} {call.when}", content) for _, key, content in item._report_sections],
        call.duration, call.start, call.stop,
        user_properties=[*item.user_properties, ("nnkit_kind", failure.kind)])
