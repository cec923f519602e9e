"""The student's commands: `nnkit check` exit codes and output, `nnkit hint` tiers, `nnkit watch`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from nnkit.course import catalog, layout
from nnkit.student import hint, watch

ROOT = layout.course_root()


def nnkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnkit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def test_check_on_solutions_passes_every_exercise_and_exits_zero():
    run = nnkit("check", "--path", "solutions")
    assert run.returncode == 0, run.stdout + run.stderr
    total = len(catalog.exercises())
    assert f"Progress: {total}/{total} exercises done" in run.stdout


def test_check_on_fresh_stubs_says_not_started_names_the_file_and_exits_nonzero():
    run = nnkit("check")
    assert run.returncode == 1
    assert f"Progress: 0/{len(catalog.exercises())} exercises done" in run.stdout
    assert "01_matrices.article_matrices is not started yet" in run.stdout
    assert "01_matrices.py" in run.stdout and "Traceback" not in run.stdout


def test_check_selects_one_file_or_one_exercise():
    file_run = nnkit("check", "05", "--path", "solutions")
    assert file_run.returncode == 0 and "Progress: 4/4" in file_run.stdout
    assert "01_matrices" not in file_run.stdout
    one_run = nnkit("check", "05_losses.mse")
    assert one_run.returncode == 1 and "Progress: 0/1" in one_run.stdout


def test_check_of_an_unknown_exercise_explains_what_selectors_exist():
    run = nnkit("check", "99_nothing")
    assert run.returncode == 2
    assert "no exercise matches '99_nothing'" in run.stdout


def test_check_in_process_leaves_the_environment_and_torch_threads_as_it_found_them(monkeypatch):
    import torch

    from nnkit.student import public_checks

    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        verdicts, _ = public_checks.run_checks([e.id for e in catalog.select("05")], ROOT / "solutions")
        assert {v.exercise for v in verdicts} == {e.id for e in catalog.select("05")}
        assert all(v.passed for v in verdicts)
        assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)


def test_plain_pytest_on_the_stubs_shows_the_learner_message_without_a_traceback():
    run = subprocess.run([sys.executable, "-m", "pytest", "exercises/test_05_losses.py", "-x", "-q",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 1
    assert "05_losses.mse is not started yet" in run.stdout
    assert "raise NotImplementedError" in run.stdout  # the advice, not a traceback line
    assert "nnkit/submission/executor.py" not in run.stdout


def test_hint_reveals_one_more_tier_each_time(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(layout, "exercises_dir", lambda start=None: tmp_path)
    exercise = catalog.by_id("05_losses.mse")
    assert hint.run("05_losses.mse") == 0
    first = capsys.readouterr().out
    assert exercise.hints[0][:30] in first and exercise.hints[1][:30] not in first
    assert hint.run("05_losses.mse") == 0
    second = capsys.readouterr().out
    assert exercise.hints[1][:30] in second and "again" in second


def test_hint_for_a_whole_file_asks_for_one_exercise(capsys):
    assert hint.run("05") == 2
    assert "05_losses.mse" in capsys.readouterr().out


def test_hints_never_contain_the_solution_code():
    for exercise in catalog.exercises():
        source = (ROOT / "solutions" / f"{exercise.file}.py").read_text()
        region = source.split("### BEGIN SOLUTION", 1)[1] if "### BEGIN SOLUTION" in source else ""
        code_lines = [line.strip() for line in region.split("### END SOLUTION")[0].splitlines()
                      if len(line.strip()) >= 25]
        for text in exercise.hints:
            assert not any(line in text for line in code_lines), (exercise.id, text)


def test_watch_polling_notices_a_saved_file(tmp_path: Path):
    target = tmp_path / "05_losses.py"
    target.write_text("x = 1\n")
    changes = watch.poll_changes(tmp_path, interval=0.05)
    time.sleep(0.05)
    target.write_text("x = 2\n")
    os.utime(target, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert next(changes) is None


def test_one_ctrl_c_stops_watch_while_it_waits_for_file_events(tmp_path: Path):
    import shutil
    import signal

    from students import wait_for

    for part in ("exercises", "data"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    log = tmp_path / "watch.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "nnkit", "watch"], cwd=tmp_path, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for(log, "Watching for saves", 1)
        time.sleep(1.0)  # into watchfiles' wait for events
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert code == 0, log.read_text(errors="replace")
    assert "polling instead" not in log.read_text(errors="replace")
