"""The one pytest plugin of every check, public or hidden: its fixtures, markers and reports.

The course's conftest files load it (`pytest_plugins = ["nnkit.testing.plugin"]`), so plain
`pytest exercises` works; `nnkit check`, notebooks and grading run the same tests through
`nnkit.testing.run`, which hands it the submission under test. A test declares what it checks
with markers, never through its name:
- `@pytest.mark.exercise("05_losses.mse")`: the exercise id it belongs to (it counts for that id);
- `@pytest.mark.property`: it checks a property of the answer (inputs kept, dtype,
  differentiable), which earns points only alongside a passing check of the values.
A failure raised by the harness is reported as its message alone, without a traceback of the
check's own code.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pytest
import torch

from nnkit.course import layout
from nnkit.harness.failures import CheckFailure
from nnkit.submission.proxy import Submission, local_submission

# The run in progress (a `nnkit.testing.run.Run`), when one handed its submission over.
RUN = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnkit")
    group.addoption("--nnkit-path", default=None,
                    help="folder of exercise files to check (default: the course's exercises/)")
    group.addoption("--nnkit-data", default=None, help="folder with data.pt and target.pt")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(id): the exercise id a check belongs to")
    config.addinivalue_line("markers", "property: checks a property of the answer (inputs kept, dtype, "
                            "gradients); it earns points only when a value check of its exercise passes")


def active_run(config: pytest.Config):
    return config.stash.get(RUN, None)


@pytest.fixture(scope="session")
def submission(request: pytest.FixtureRequest) -> Submission:
    """The submission under test: the run's (a worker when grading, a notebook's names), else the
    files of --nnkit-path (default: the course's exercises/) in this process."""
    run = active_run(request.config)
    if run is not None:
        return run.submission
    folder = submission_folder(request.config)
    return local_submission(folder, data_folder(request.config, folder))


@pytest.fixture(scope="session")
def submission_dir(request: pytest.FixtureRequest) -> Path:
    """The submission's files on the checks' side, for checks that read source (forbidden calls)."""
    run = active_run(request.config)
    return run.folder if run is not None else submission_folder(request.config)


@pytest.fixture(scope="session")
def data_dir(request: pytest.FixtureRequest) -> Path:
    """The folder of the course's data (data.pt and target.pt)."""
    run = active_run(request.config)
    return run.data if run is not None else data_folder(request.config, submission_folder(request.config))


@pytest.fixture(autouse=True)
def _seeded(request: pytest.FixtureRequest) -> None:
    """Seed each check from its file and exercise id: the same inputs on every run, here and on
    the student side, whatever the test is called."""
    marker = request.node.get_closest_marker("exercise")
    exercise = marker.args[0] if marker and marker.args else ""
    value = zlib.crc32(f"{Path(str(request.node.path)).name}::{exercise}".encode())
    torch.default_generator.manual_seed(value)  # torch.manual_seed is ~8 ms slower
    random.seed(value)
    run = active_run(request.config)
    if run is not None:
        run.seed_next(value)


def submission_folder(config: pytest.Config) -> Path:
    return layout.submission_folder(config.getoption("--nnkit-path"))


def data_folder(config: pytest.Config, folder: Path) -> Path:
    option = config.getoption("--nnkit-data")
    return Path(option).resolve() if option else layout.data_dir(folder)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """A CheckFailure is reported as its message alone (pytest then builds no traceback); inside a
    kit's run (`Run`), every outcome is (formatting tracebacks costs more than the checks, and the
    run reads verdicts, not reports)."""
    failure = call.excinfo.value if call.excinfo is not None else None
    run = active_run(item.config)
    if not isinstance(failure, CheckFailure) and run is None:
        return None
    skipped = call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception)
    outcome = "passed" if call.excinfo is None else "skipped" if skipped else "failed"
    text = failure.message if isinstance(failure, CheckFailure) else str(failure or "")
    longrepr = (str(item.path), 0, text) if skipped else (text or None)
    sections = [(f"Captured {key} {call.when}", content) for _, key, content in item._report_sections]
    return pytest.TestReport(item.nodeid, item.location, {name: 1 for name in item.keywords}, outcome,
                             longrepr, call.when, sections, call.duration, call.start, call.stop,
                             user_properties=item.user_properties)
