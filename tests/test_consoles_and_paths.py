"""Consoles that cannot print the kit's symbols, and folders named as students name them.

A Windows console in cp1252 or cp866 cannot encode ✓ or ✗ (cp1252 no Cyrillic either): the kit
prints ASCII stand-ins and replaces what else it cannot encode, and never raises
UnicodeEncodeError. A course in `Иван Петров/курс` (spaces, Cyrillic) works for every command
that takes or prints a path.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from students import ROOT, Terminal

from nnkit.course import catalog

CONSOLES = ("cp1252", "cp866")
PLAIN_FAILED, PLAIN_TODO = "x", "."


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The course in a folder whose name has spaces and Cyrillic letters, as on a student's laptop."""
    root = tmp_path_factory.mktemp("home") / "Иван Петров" / "курс нейросетей"
    for part in ("exercises", "data", "solutions", "source", "autograder"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__", ".nnkit-*"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "student-README.md", root / "docs" / "student-README.md")
    return root


@pytest.fixture(scope="module")
def terminal(tmp_path_factory) -> Terminal:
    return Terminal("Windows", tmp_path_factory.mktemp("terminal"))


def run_in(terminal: Terminal, encoding: str, *args: str, cwd: Path):
    """A command whose stdout is a console in `encoding`; its output as the console decodes it."""
    run = terminal.nnkit(*args, cwd=cwd, encoding=encoding, PYTHONIOENCODING=encoding)
    return run.returncode, run.stdout, run.stderr


@pytest.mark.parametrize("encoding", CONSOLES)
def test_check_on_a_legacy_console_prints_ascii_stand_ins_and_never_fails_to_encode(
        terminal, course, encoding):
    raw = terminal.nnkit("check", "--no-server", "03", cwd=course, encoding=encoding,
                         PYTHONIOENCODING=encoding)
    assert raw.returncode == 1 and "UnicodeEncodeError" not in raw.stderr, raw.stderr
    assert "Traceback" not in raw.stderr
    text = raw.stdout
    assert f"{PLAIN_TODO} relu  {PLAIN_TODO} sigmoid  {PLAIN_TODO} softmax" in text, text
    assert f"{PLAIN_FAILED} 03_activations.relu" in text and "is not started yet" in text
    assert "✓" not in text and "✗" not in text and "·" not in text


def test_a_cp866_console_shows_the_cyrillic_folder_and_cp1252_replaces_it(terminal, course):
    _, cyrillic, _ = run_in(terminal, "cp866", "check", "--no-server", "05",
                            "--path", str(course / "solutions"), cwd=course)
    assert str(course / "solutions") in cyrillic and "All selected checks pass." in cyrillic
    code, latin, errors = run_in(terminal, "cp1252", "check", "--no-server", "05", "--path",
                                 str(course / "solutions"), cwd=course)
    assert code == 0 and "UnicodeEncodeError" not in errors and "All selected checks pass." in latin
    assert "?????" in latin and "Иван" not in latin  # replaced, where cp1252 has no letter for it


@pytest.mark.parametrize("encoding", CONSOLES)
def test_hint_and_the_server_commands_print_on_a_legacy_console(terminal, course, encoding):
    terminal.stop_server()  # none runs: status and stop say so
    hints = len(catalog.by_id("05_losses.mse").hints)
    expected = {  # arguments → exit status, and what it prints (its ASCII part)
        ("hint", "05_losses.mse"): (0, f"Hint 1/{hints} for 05_losses.mse:"),
        ("server", "status"): (1, "No check server is running (log: "),
        ("server", "stop"): (0, "No check server was running."),
    }
    for args, (status, text) in expected.items():
        code, out, errors = run_in(terminal, encoding, *args, cwd=course)
        assert code == status and text in out, (args, code, out, errors)
        assert "Traceback" not in errors and "UnicodeEncodeError" not in errors, (args, errors)


def test_every_student_command_works_in_a_folder_with_spaces_and_cyrillic_letters(terminal, course):
    stubs = terminal.nnkit("check", "--no-server", "05", cwd=course)
    assert stubs.returncode == 1 and str(course / "exercises") in stubs.stdout, stubs.stdout + stubs.stderr
    started = terminal.nnkit("server", "start", cwd=course)
    assert started.returncode == 0, started.stdout + started.stderr + terminal.log()
    before = terminal.log().count("job served:")
    solved = terminal.nnkit("check", "05", "--path", "solutions", cwd=course)  # relative, through the server
    assert (solved.returncode == 0
            and str(course / "solutions") in solved.stdout), solved.stdout + solved.stderr
    assert terminal.log().count("job served:") == before + 1, terminal.log()
    hint = terminal.nnkit("hint", "05_losses.mse", cwd=course)
    assert hint.returncode == 0 and (course / "exercises" / ".nnkit-hints.json").is_file(), hint.stderr
    terminal.stop_server()


def test_the_student_bundle_builds_into_and_checks_from_a_cyrillic_folder(terminal, course, tmp_path):
    bundle = course / "выдача студентам"
    made = Terminal("Linux", tmp_path).nnkit("release", str(bundle), cwd=course)  # the instructor's side
    assert made.returncode == 0, made.stdout + made.stderr
    with zipfile.ZipFile(bundle.with_name(bundle.name + ".zip")) as archive:
        assert f"{bundle.name}/exercises/05_losses.py" in archive.namelist()
    checked = terminal.nnkit("check", "--no-server", "05", cwd=bundle)
    total = len(catalog.select("05"))
    assert (checked.returncode == 1
            and f"Progress: 0/{total}" in checked.stdout), checked.stdout + checked.stderr
