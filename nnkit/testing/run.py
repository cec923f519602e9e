"""Run pytest checks over one submission and collect their verdicts: the one way the kit does it.

`nnkit check` runs the public checks against the student's files in this process, a notebook
runs them (or the hidden tests) against its own names, and a grading job runs the public and
hidden tests against a sandboxed worker. Each builds a `Run` with its submission and calls
`run(test_files, the_run)`; pytest does the rest with the kit's plugin (`nnkit.testing.plugin`).
Verdicts are decided here, from the exceptions the checks raise, on the checks' side only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from nnkit import environment
from nnkit.harness import advice
from nnkit.harness.failures import CheckFailure
from nnkit.i18n.lang import N_, _, ngettext
from nnkit.submission.proxy import StudentSideError, Submission
from nnkit.testing.plugin import RUN
from nnkit.testing.verdict import Verdict

PLUGIN = "nnkit.testing.plugin"
# pytest's own plugins that no run uses: its terminal output (verdicts are reported by the kit),
# the cache, plugins that reorder or parallelise, and unraisableexception, which collects the
# garbage of the whole heap after every test (a second each with torch loaded).
UNUSED = ("terminal", "cacheprovider", "randomly", "xdist", "unraisableexception", "threadexception",
          "logging", "warnings", "faulthandler", "doctest", "junitxml", "pastebin", "nose", "stepwise",
          "legacypath")
MAX_OUTPUT = 4000
HIDDEN = N_("This check failed; its details are not shown.")
INTERNAL = N_("This check could not finish because of a problem in the grader, not in your code. "
            "Your instructor can see the details.")
STATUS_OF_KIND = {"error": "error", "submission": "error", "crashed": "error", "internal": "error",
                  "timeout": "timeout"}


class Run:
    """A pytest plugin object: the submission under test, the exercises chosen, the verdicts.

    `folder` holds the submission's files on the checks' side (forbidden calls are read from
    them), `data` the course's data. `reveal` shows the details of a check's own failed
    assertion (public checks, whose code students can read); grading hides them. `on_seed` tells
    the student side the seed of each check (a worker seeds its own generators)."""

    def __init__(self, submission: Submission, folder: Path, data: Path, selected: set[str] | None = None,
                 reveal: bool = False, on_seed: Callable[[int], None] | None = None):
        self.submission, self.folder, self.data = submission, Path(folder), Path(data)
        self.selected, self.reveal, self.on_seed = selected, reveal, on_seed
        self.verdicts: dict[str, Verdict] = {}
        self.problems: list[str] = []
        self.unmarked: list[str] = []
        self._output_start = 0

    def seed_next(self, value: int) -> None:
        if self.on_seed is not None:
            self.on_seed(value)

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[RUN] = self

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("exercise")
            if marker is None or not marker.args:
                self.unmarked.append(item.nodeid)
            chosen = (marker is not None and marker.args
                      and (self.selected is None or marker.args[0] in self.selected))
            (keep if chosen else drop).append(item)
        items[:] = keep
        config.hook.pytest_deselected(items=drop)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(_("cannot collect {test}: {error}").format(test=report.nodeid,
                                                                          error=str(report.longrepr)[-2000:]))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._output_start = len(self.submission.outputs)
        advice.take()  # nothing an earlier test left over

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Record each test's verdict once: from its call, or from a setup that failed."""
        report = yield
        if item.nodeid not in self.verdicts and call.when != "teardown" \
                and (call.when == "call" or call.excinfo is not None):  # a failed cleanup changes nothing
            marker = item.get_closest_marker("exercise")
            printed = "".join(self.submission.outputs[self._output_start:])
            self.verdicts[item.nodeid] = Verdict(
                file=Path(str(item.path)).name, test=item.name,
                exercise=str(marker.args[0]) if marker and marker.args else None,
                output=cap(printed), property=item.get_closest_marker("property") is not None,
                measures=measures(item.user_properties), notes=advice.take(),
                **classify(call.excinfo, self.reveal))
        return report

    def results(self) -> list[Verdict]:
        return list(self.verdicts.values())


def classify(excinfo: pytest.ExceptionInfo | None, reveal: bool) -> dict:
    """status, kind, message (for the student), detail (for the instructor), mistake."""
    if excinfo is None:
        return {"status": "passed"}
    error = excinfo.value
    if isinstance(error, CheckFailure):
        return {"status": STATUS_OF_KIND.get(error.kind, "failed"), "kind": error.kind,
                "message": error.message, "mistake": error.mistake, "named": error.named or ""}
    if isinstance(error, StudentSideError):
        info = error.error
        trace = f"\n{info.traceback.rstrip()}" if info.traceback else ""
        raised = _("Your code raised {type}: {message}").format(type=info.type, message=info.message)
        return {"status": "error", "kind": "error", "message": raised + trace}
    if excinfo.errisinstance(pytest.skip.Exception):
        return {"status": "failed", "kind": "skipped", "message": _("Not run: {reason}").format(reason=error)}
    detail = f"{type(error).__name__}: {error}"[:4000]
    if isinstance(error, AssertionError):
        return {"status": "failed", "kind": "failed", "message": detail if reveal else _(HIDDEN),
                "detail": detail}
    return {"status": "error", "kind": "internal", "message": detail if reveal else _(INTERNAL),
            "detail": detail}


def measures(properties: list[tuple[str, object]]) -> dict[str, float]:
    """The numbers a test recorded with `request.node.user_properties.append((name, value))`."""
    return {str(name): float(value) for name, value in properties
            if isinstance(value, (int, float)) and not isinstance(value, bool)}


def cap(text: str, limit: int = MAX_OUTPUT) -> str:
    return text if len(text) <= limit else text[:limit] + "\n" + ngettext(
        "… ({count} more characters cut)", "… ({count} more characters cut)", len(text) - limit).format(
        count=len(text) - limit)


def arguments(test_files: Sequence[Path], rootdir: Path) -> list[str]:
    """pytest's command line for a run of these test files of the course at `rootdir`."""
    return [*map(str, test_files), "-p", PLUGIN, *(arg for name in UNUSED for arg in ("-p", f"no:{name}")),
            "-o", "addopts=", "--rootdir", str(rootdir)]


def run(test_files: Sequence[Path], checks: Run, rootdir: Path) -> Run:
    """Run the tests of `test_files` for `checks.submission`; `checks` collects the verdicts."""
    with only_the_kits_plugin(), one_torch_thread():
        code = pytest.main(arguments(test_files, rootdir), plugins=[checks])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        checks.problems.append(_("pytest could not run {files} (exit status {status})").format(
            files=", ".join(map(str, test_files)), status=int(code)))
    return checks


def collect(test_files: Sequence[Path], rootdir: Path) -> None:
    """Import the test files and everything they import, running nothing (a warm-up before a
    process forks many runs)."""
    with only_the_kits_plugin():
        pytest.main([*arguments(test_files, rootdir), "--collect-only", "-q"])


def only_the_kits_plugin():
    """Keep installed pytest plugins out of the run, then restore the environment as it was (the
    caller may be a notebook kernel, or a grader that runs many)."""
    return environment.setting("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """The checks' tensors are tiny: one thread is faster and matches the grader's workers."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
