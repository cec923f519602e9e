"""The Russian edition: the language is chosen by --lang, NNKIT_LANG or the locale; a student's
session with LANG=ru_RU.UTF-8 speaks Russian; plural forms follow Russian's rule; an edited
English text makes the build find its Russian entry missing.

Student commands run as subprocesses in a student's terminal (tests/students.py), on a copy of
one exercise file: its stub, then a submission with a known mistake.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from russian import CYRILLIC, ENGLISH, RUSSIAN, english_lines, english_paragraphs
from students import Terminal, wait_for

from nnkit.course import catalog, layout
from nnkit.i18n import catalogs, lang

ROOT = layout.course_root()
STEM, EXERCISE = "05_losses", "05_losses.mse"


def test_the_english_detector_finds_a_sentence_and_passes_code():
    assert english_lines("Stuck? Check just this one.")
    assert english_lines("  Похоже на известную ошибку: this is the sum of squares")
    assert not english_lines("Вызов 05_losses.mse(tensor([[0.6000], [0.2000]]) (форма (3, 1), float32))")
    assert not english_lines("Застряли? `nnkit hint 05_losses.mse`. Проверьте: `nnkit check 05_losses.mse`.")
    assert not english_lines("Нельзя: ``torch.matmul``, ``mm``, ``mv``, ``bmm`` (и методы Tensor).")


def test_a_paragraph_is_english_by_its_words_and_a_fenced_block_by_its_comments_only():
    code = "```\npip install torch --index-url https://download.pytorch.org/whl/cpu\n```"
    english, commented = "Run the checks of one file.", "```\nnnkit check 05   # the checks of one file\n```"
    russian = "```\nnnkit check 05   # проверки одного файла\n```"
    diagram = "    X (N, 3) ──▶ [ Linear → 10 ] ─▶ ReLU"
    quoted = 'torch пишет "a leaf Variable that\nrequires grad"'
    assert english_paragraphs([code, russian, "Запустите `nnkit check`.", "### Linux", diagram, quoted]) == []
    heading = "## Losses and metrics"
    assert english_paragraphs([english, commented, heading]) == [english, commented, heading]


@pytest.mark.parametrize(("env", "expected"), [
    ({"NNKIT_LANG": "ru", "LANG": "C"}, "ru"),
    ({"NNKIT_LANG": "", "LC_ALL": "ru_RU.UTF-8", "LANG": "C"}, "ru"),
    ({"NNKIT_LANG": "", "LC_ALL": "", "LC_MESSAGES": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
    ({"NNKIT_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ru_RU.UTF-8"}, "ru"),
    ({"NNKIT_LANG": "", "LC_ALL": "C", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"NNKIT_LANG": "en", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"NNKIT_LANG": "xx", "LANG": "C"}, "en"),
])
def test_the_language_comes_from_nnkit_lang_then_the_locale_then_english(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert lang.language() == expected


@pytest.mark.parametrize(("count", "word"), [(1, "превышение"), (3, "превышения"), (5, "превышений"),
                                             (11, "превышений"), (21, "превышение"), (24, "превышения")])
def test_plural_forms_follow_the_russian_rule(monkeypatch, count, word):
    monkeypatch.setenv(lang.ENV, "ru")
    assert lang.ngettext("{count} timeout", "{count} timeouts", count).format(count=count) == \
        f"{count} {word} времени"


def test_help_is_russian_with_the_global_option_and_english_with_lang_c():
    russian = subprocess.run([sys.executable, "-m", "nnkit", "--lang", "ru", "check", "--help"],
                             capture_output=True, text=True, env={**_env(ENGLISH)}, check=False)
    assert russian.returncode == 0 and "использование:" in russian.stdout, russian.stdout
    assert not english_lines(russian.stdout), english_lines(russian.stdout)
    english = subprocess.run([sys.executable, "-m", "nnkit", "check", "--help"], capture_output=True,
                             text=True, env=_env(ENGLISH), check=False)
    assert "usage:" in english.stdout and not CYRILLIC.search(english.stdout)


def _env(extra: dict) -> dict:
    import os

    return {**os.environ, **extra}


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """A student's folder with the stub and its checks, and one whose mse sums instead of averaging."""
    base = tmp_path_factory.mktemp("russian")
    stub, mistaken = base / "stub" / "exercises", base / "mistake" / "exercises"
    for folder in (stub, mistaken):
        folder.mkdir(parents=True)
        for name in (f"test_{STEM}.py", "conftest.py"):
            shutil.copy(ROOT / "exercises" / name, folder / name)
    shutil.copy(ROOT / "exercises" / f"{STEM}.py", stub / f"{STEM}.py")
    solution = (ROOT / "solutions" / f"{STEM}.py").read_text()
    (mistaken / f"{STEM}.py").write_text(solution.replace("return ((y_hat - y) ** 2).mean()",
                                                          "return ((y_hat - y) ** 2).sum()"))
    return {"stub": stub, "mistake": mistaken}


@pytest.fixture(scope="module")
def terminal(tmp_path_factory) -> Terminal:
    return Terminal("Linux", tmp_path_factory.mktemp("terminal"))


def test_nnkit_check_on_the_stub_speaks_russian(terminal, folders):
    done = terminal.nnkit("check", EXERCISE, "--path", str(folders["stub"]), **RUSSIAN)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Прогресс: выполнено 0 из 1 упражнения" in done.stdout
    assert "упражнение ещё не начато" in done.stdout and "Застряли?" in done.stdout
    assert not english_lines(done.stdout), english_lines(done.stdout)


def test_nnkit_check_names_the_known_mistake_in_russian_and_in_english_with_lang_c(terminal, folders):
    russian = terminal.nnkit("check", EXERCISE, "--path", str(folders["mistake"]), **RUSSIAN)
    assert "ожидалось: tensor(0.5800)" in russian.stdout, russian.stdout
    assert "получено:  tensor(1.7400)" in russian.stdout
    assert "Похоже на известную ошибку: нет усреднения: это сумма квадратов, а не их среднее" \
        in russian.stdout
    assert not english_lines(russian.stdout), english_lines(russian.stdout)
    english = terminal.nnkit("check", EXERCISE, "--path", str(folders["mistake"]), **ENGLISH)
    assert "  got:      tensor(1.7400) (shape (), float32)" in english.stdout, english.stdout
    assert "This looks like a known mistake: mean of squares missing" in english.stdout
    assert not CYRILLIC.search(english.stdout)


def test_nnkit_hint_gives_each_tier_in_russian(terminal, folders):
    course = folders["stub"].parent
    (course / "exercises" / "info.toml").write_bytes((ROOT / layout.TABLE).read_bytes())
    shutil.copytree(ROOT / "exercises" / "locale", course / "exercises" / "locale", dirs_exist_ok=True)
    for tier in (1, 2, 3):
        done = terminal.nnkit("hint", EXERCISE, cwd=course, COLUMNS="300", **RUSSIAN)
        assert done.returncode == 0 and f"Подсказка {tier}/3 к {EXERCISE}:" in done.stdout, done.stdout
        assert not english_lines(done.stdout), english_lines(done.stdout)
    assert "Это была последняя подсказка." in done.stdout


def test_nnkit_watch_rechecks_one_save_in_russian(terminal, folders, tmp_path):
    log = tmp_path / "watch.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "nnkit", "watch", "--path", str(folders["stub"]),
                                    "--poll"], env={**terminal.env, **RUSSIAN, "COLUMNS": "300"},
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
        try:
            wait_for(log, "Слежу за сохранениями", 1)
            time.sleep(1.1)  # a later modification time than the snapshot's
            stub = folders["stub"] / f"{STEM}.py"
            stub.write_text(stub.read_text() + "\n")
            seen = wait_for(log, "Слежу за сохранениями", 2)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert seen.count(f"Прогресс: выполнено 0 из {len(catalog.exercises())} упражнений") == 2, seen
    assert not english_lines(seen), english_lines(seen)


def test_an_edited_english_hint_makes_its_russian_entry_missing(tmp_path):
    course = tmp_path / "course"
    for part in ("exercises", "autograder", "solutions", "nnkit", "docs"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "schemas", course / "data" / "schemas")
    table = course / layout.TABLE
    old = "Mean of the squared differences; for the article's numbers you should get 0.58."
    new = "Average the squared differences; the article's numbers give 0.58."
    before = catalogs.build(course, write=False)
    assert not any(old[:60] in entry or new[:60] in entry for entry in before.untranslated)
    table.write_text(table.read_text().replace(old, new))
    after = catalogs.build(course, write=False)
    assert any(entry.startswith(str(catalogs.PUBLIC.po(Path(""), "ru"))) and new[:60] in entry
               for entry in after.untranslated), after.untranslated
    assert catalogs.PUBLIC.po(Path(""), "ru") in after.stale
    env = _env({"NNKIT_COURSE": str(course), **ENGLISH})
    checked = subprocess.run([sys.executable, "-m", "nnkit", "build", "--check"], cwd=course,
                             capture_output=True, text=True, env=env, check=False)
    assert checked.returncode == 1 and str(catalogs.PUBLIC.po(Path(""), "ru")) in checked.stderr, \
        checked.stderr
    catalogs.build(course)
    assert catalogs.build(course, write=False).stale == []  # a second build writes what the first did
