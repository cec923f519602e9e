"""`nnkit check [SELECTOR] [--path DIR]`: run the public checks and report like a tutor.

The checks are ordinary pytest files next to the exercises; this command runs them in-process
through pytest, then prints progress, one compact line per exercise file, and the message of
the first failing check.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from rich.console import Console
from rich.markup import escape

from nnkit import catalog, kitpaths

SYMBOLS = {"done": "[green]✓[/]", "failed": "[red]✗[/]", "not_started": "[dim]·[/]"}
# pytest's own plugins that the checks never use: terminal output (the report is ours), the
# cache, and the unraisable-exception hook that would make torch's teardown noise a failure.
PYTEST_OPTIONS = ("-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:unraisableexception")


@dataclass
class CheckResult:
    nodeid: str
    exercise: str
    passed: bool
    kind: str = ""
    message: str = ""


@dataclass(eq=False)
class Collector:
    """A pytest plugin that keeps only the selected exercises and records every result."""

    selected: set[str]
    results: list[CheckResult] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)

    def pytest_collection_modifyitems(self, config, items):
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("exercise")
            if marker is None:
                self.unmarked.append(item.nodeid)
            (keep if marker and marker.args[0] in self.selected else drop).append(item)
        items[:] = keep
        config.hook.pytest_deselected(items=drop)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and not report.passed):
            marker = dict(report.user_properties).get("nnkit_kind", "")
            exercise = dict(report.user_properties).get("nnkit_exercise", "")
            text = report.longrepr if isinstance(report.longrepr, str) else str(report.longrepr or "")
            self.results.append(CheckResult(report.nodeid, exercise, report.passed,
                                            marker or ("" if report.passed else "failed"), text))

    def pytest_runtest_setup(self, item):
        item.user_properties.append(("nnkit_exercise", item.get_closest_marker("exercise").args[0]))


def status(results: list[CheckResult]) -> str:
    if any(r.kind in ("not_started", "submission") for r in results) or not results:
        return "not_started"
    return "done" if all(r.passed for r in results) else "failed"


def run_checks(selector: str | None, path: Path | None) -> tuple[list[catalog.Exercise], Collector]:
    """Run the public checks of the selected exercises against the files in `path`."""
    chosen = catalog.select(selector)
    checks = kitpaths.exercises_dir()
    folder = Path(path).resolve() if path else checks
    files = [str(checks / f"test_{stem}.py") for stem in dict.fromkeys(e.file for e in chosen)
             if (checks / f"test_{stem}.py").is_file()]
    collector = Collector({e.id for e in chosen})
    args = [*files, *PYTEST_OPTIONS, "--nnkit-path", str(folder),
            "--nnkit-data", str(kitpaths.data_dir(folder))]
    with only_the_kits_plugin(), one_torch_thread():
        code = pytest.main(args, plugins=[collector])
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError(f"pytest could not run the checks in {checks} (exit status {int(code)})")
    return chosen, collector


@contextmanager
def only_the_kits_plugin() -> Iterator[None]:
    """Keep installed pytest plugins out of the checks while they run, then restore the
    environment as it was (the caller may be a notebook kernel or the grader)."""
    name = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    before = os.environ.get(name)
    os.environ[name] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """The checks' tensors are tiny: one thread is faster and matches the grader's workers."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def warm_pytest() -> None:
    """Import pytest's plugins now, for a process that forks many check runs (the server)."""
    # _pytest.config is not public API; warming is only an optimisation, so that is acceptable.
    from _pytest.config import default_plugins

    for name in default_plugins:
        if f"no:{name}" not in PYTEST_OPTIONS:
            importlib.import_module(f"_pytest.{name}")


def report(chosen: list[catalog.Exercise], collector: Collector, folder: Path,
           console: Console) -> int:
    """Print progress, a line per file and the first failure; return the exit status."""
    by_id: dict[str, list[CheckResult]] = {e.id: [] for e in chosen}
    for result in collector.results:
        by_id.setdefault(result.exercise, []).append(result)
    states = {exercise_id: status(results) for exercise_id, results in by_id.items()}
    done = sum(state == "done" for state in states.values())
    console.print(f"[bold]Progress: {done}/{len(chosen)} exercises done[/] "
                  f"({escape(str(folder))})")
    for stem in dict.fromkeys(e.file for e in chosen):
        marks = "  ".join(f"{SYMBOLS[states[e.id]]} {e.name}" for e in chosen if e.file == stem)
        console.print(f"  {stem:<20} {marks}")
    first = next((r for e in chosen for r in by_id[e.id] if not r.passed), None)
    if first is None and done == len(chosen):
        console.print("[green]All selected checks pass.[/]" if chosen else "Nothing selected.")
        return 0
    if first is None:
        missing = next(e.id for e in chosen if states[e.id] != "done")
        console.print(f"\n[red]No check ran for {missing}: are the checks in {escape(str(folder))}?[/]")
        return 1
    test_name = first.nodeid.split("::")[-1]
    console.print(f"\n[bold red]✗ {first.exercise}[/] [dim]({escape(test_name)})[/]")
    console.print(escape(first.message.rstrip()))
    console.print(f"\n[dim]Stuck? `nnkit hint {first.exercise}`. "
                  f"Check just this one: `nnkit check {first.exercise}`.[/]")
    return 1


def run(selector: str | None = None, path: Path | None = None) -> int:
    console = Console(highlight=False, soft_wrap=True)
    try:
        chosen, collector = run_checks(selector, path)
    except catalog.UnknownSelection as error:
        console.print(f"[red]{escape(str(error))}[/]")
        return 2
    folder = Path(path).resolve() if path else kitpaths.exercises_dir()
    return report(chosen, collector, folder, console)
