"""The hidden tests' pytest setup: the grader's `student`, seeding, learner-facing messages.

`nnkit grade` runs these tests in a trusted process; `student` then proxies every call to the
worker that holds the submission being graded (see `nnkit.grade.plugin`). By hand,
`pytest autograder --nnkit-path solutions` runs them against a folder in-process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nnkit.grade import plugin
from nnkit.student import Student

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "exercises"):  # `from exercises.test_NN_name import *` (or without
    if str(folder) not in sys.path:         # the package) reuses the public checks
        sys.path.insert(0, str(folder))

pytest_plugins = ["nnkit.pytest_plugin"]  # --nnkit-path, the exercise marker, message rewriting


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "property: checks a property of the answer (inputs kept, "
                            "dtype, gradients); it earns points only when a value check passes")
    config.addinivalue_line("markers", "value: checks the answer's values (overrides the name rule)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    plugin.mark_properties(items)


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> Student:
    """The submission under test (a worker when grading, in-process by hand)."""
    return plugin.student(request.config)


@pytest.fixture(scope="session")
def submission_dir(request: pytest.FixtureRequest) -> Path:
    """The submission's files on the trusted side, for checks that read source (forbidden calls)."""
    return plugin.submission_dir(request.config)


@pytest.fixture(autouse=True)
def _seeded(request: pytest.FixtureRequest) -> None:
    plugin.seed(request.node, request.config)
