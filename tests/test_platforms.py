"""The student side on Linux, Windows and macOS: the same verdicts, exit statuses and messages.

Windows and macOS are pretended here (tests/pretend: no fork, forkpty or Unix sockets, no uids on
Windows, and the platform check answering their names), so the kit takes its portable path: warm
processes spawned ahead of time instead of forked, a loopback check server instead of a Unix one.
Each system gets one terminal with a check server of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from students import ROOT, SYSTEMS, Terminal, wait_for

from nnkit.course import catalog

CHECKS = {  # arguments → exit status
    ("check", "05", "--path", "solutions"): 0,
    ("check", "05"): 1,
    ("check", "02_linear.linear_forward"): 1,
    ("check", "99_nothing"): 2,  # no exercise to check: answered before a job is made, never served
}
SERVED = "job served:"  # the server's log line for each job it answered


def served(box: Terminal) -> int:
    """How many jobs this terminal's servers have answered (a check run in-process logs none)."""
    return box.log().count(SERVED)


@pytest.fixture(scope="module", params=SYSTEMS)
def terminal(request, tmp_path_factory) -> Iterator[Terminal]:
    """A student's terminal on one system, its check server started and warm."""
    box = Terminal(request.param, tmp_path_factory.mktemp(request.param))
    started = box.nnkit("server", "start")
    assert started.returncode == 0, started.stdout + started.stderr + box.log()
    yield box
    box.stop_server()


@pytest.fixture(scope="module")
def linux_output() -> dict[tuple, tuple[int, str]]:
    """What each check prints in this process's own system, without a server: the reference."""
    box = Terminal("Linux", Path("/nonexistent"))
    return {args: (run.returncode, run.stdout) for args in CHECKS
            for run in [box.nnkit(*args, "--no-server")]}


def test_the_portable_path_is_the_one_taken_where_fork_is_missing_or_unsafe(terminal):
    how = "a fresh fork for each check" if terminal.system == "Linux" else "a fresh process for each check"
    assert how in terminal.log(), terminal.log()


def test_check_through_the_server_prints_and_exits_as_on_linux_without_it(terminal, linux_output):
    for args, status in CHECKS.items():
        before = served(terminal)
        run = terminal.nnkit(*args)
        assert (run.returncode, run.stdout) == linux_output[args], (args, run.stdout, run.stderr)
        assert run.returncode == status and "Traceback" not in run.stdout + run.stderr, run.stderr
        assert served(terminal) == before + (status != 2), (args, terminal.log())
    assert terminal.log().count("the client went away") == 0


def test_check_without_the_server_prints_and_exits_as_on_linux(terminal, linux_output):
    args = ("check", "05")
    run = terminal.nnkit(*args, "--no-server")
    assert (run.returncode, run.stdout) == linux_output[args] and "Traceback" not in run.stderr, run.stderr


def test_server_status_stop_and_start_answer_the_same_on_every_system(terminal):
    status = terminal.nnkit("server", "status")
    assert status.returncode == 0 and "Check server running (pid" in status.stdout, status.stdout
    assert terminal.nnkit("server", "stop").stdout.startswith("Stopped the check server (pid")
    stopped = terminal.nnkit("server", "status")
    assert stopped.returncode == 1 and "No check server is running" in stopped.stdout
    assert terminal.nnkit("server", "stop").stdout.strip() == "No check server was running."
    started = terminal.nnkit("server", "start")
    assert started.returncode == 0 and "Check server running (pid" in started.stdout, started.stdout
    assert "Traceback" not in status.stderr + stopped.stderr + started.stderr


def test_hint_gives_one_more_tier_each_time_on_every_system(terminal, tmp_path):
    course = copy_course(tmp_path / "course")
    first = terminal.nnkit("hint", "05_losses.mse", cwd=course)
    second = terminal.nnkit("hint", "05_losses.mse", cwd=course)
    hints = catalog.by_id("05_losses.mse").hints
    assert first.returncode == second.returncode == 0, first.stderr
    assert f"Hint 1/{len(hints)}" in first.stdout and f"Hint 2/{len(hints)}" in second.stdout


def test_watch_rechecks_a_file_saved_while_it_runs_on_every_system(terminal, tmp_path):
    course = copy_course(tmp_path / "course")
    log = tmp_path / "watch.log"
    with log.open("w") as out:
        process = terminal.spawn("watch", "--poll", cwd=course, out=out)
    try:
        first = wait_for(log, "Watching for saves", 1)
        assert "Progress: 0/" in first
        shutil.copy(ROOT / "solutions" / "01_matrices.py", course / "exercises" / "01_matrices.py")
        second = wait_for(log, "Watching for saves", 2)
        assert "Progress: 5/" in second.split("Watching for saves")[1], second
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in log.read_text(errors="replace")


def test_plain_pytest_and_a_notebooks_check_run_where_fork_is_missing(terminal):
    # (Other pytest plugins installed here read sys.platform, which the pretence leaves as it is:
    # they would take their Linux path on a machine without uids, so they stay out.)
    run = terminal.python("-m", "pytest", "-q", "-p", "no:cacheprovider", "exercises/test_05_losses.py",
                          "--nnkit-path", "solutions", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    assert run.returncode == 0 and "passed" in run.stdout, run.stdout + run.stderr
    kernel = terminal.python("-c", "import runpy\n"
                             "from nnkit.notebooks.check import check\n"
                             "names = runpy.run_path('solutions/05_losses.py')\n"
                             "check('05_losses.mse', namespace=names)\n")
    assert kernel.returncode == 0 and "05_losses.mse: all" in kernel.stdout, kernel.stdout + kernel.stderr


def copy_course(target: Path) -> Path:
    """The student's part of the course in a folder of its own: exercises and data."""
    for part in ("exercises", "data"):
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__", ".nnkit-*"))
    return target
