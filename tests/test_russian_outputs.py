"""The Russian edition for instructors and for a class: `nnkit grade --lang ru` on the demo class
writes its terminal output, feedback pages (Markdown and HTML), class report and results.json
messages in Russian, grading exactly as in English; `nnkit release --lang ru` gives students
exercise files whose prose, and notebooks whose markdown, are Russian.

The demo class is built from the course (`nnkit.grade.demo`) and graded once for the module, in a
terminal whose locale is C, so that only `--lang` makes it Russian. What a student's own code
printed is the student's text, not the kit's, and is left out of the search for English.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from russian import CYRILLIC, ENGLISH, english_lines, english_paragraphs, page_text

from nnkit.course import catalog
from nnkit.grade import demo
from nnkit.i18n import prose
from nnkit.publish import release

POINTS = {exercise.id: exercise.points for exercise in catalog.exercises()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """OUT of `nnkit grade CLASS --out OUT --lang ru` on the demo class; its terminal in terminal.txt."""
    base = tmp_path_factory.mktemp("russian-grade")
    class_dir = demo.build_class(base / "class")
    out = base / "out"
    command = [sys.executable, "-m", "nnkit", "grade", str(class_dir), "--out", str(out), "--jobs", "2",
               "--lang", "ru"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, **ENGLISH, "COLUMNS": "300"})
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "terminal.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def results(graded) -> dict:
    return json.loads((graded / "results.json").read_text(encoding="utf-8"))


def without_outputs(text: str, record: dict, escape=lambda s: s) -> str:
    """`text` with what the student's code printed taken out."""
    for test in record["tests"]:
        if test["output"].strip():
            text = text.replace(escape(test["output"].rstrip()), "")
    return text


def test_the_terminal_speaks_russian_only(graded):
    terminal = (graded / "terminal.txt").read_text(encoding="utf-8")
    assert "Ведомость (баллы по файлам упражнений)" in terminal and "Изоляция:" in terminal, terminal
    assert "Записан отчёт по группе" in terminal
    assert not english_lines(terminal), english_lines(terminal)


def test_the_russian_run_grades_exactly_as_the_english_one(graded):
    english = graded.parent / "out-english"
    command = [sys.executable, "-m", "nnkit", "grade", str(graded.parent / "class"), "--out", str(english),
               "--jobs", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, **ENGLISH})
    assert done.returncode == 0, done.stdout + done.stderr
    russian_csv = (graded / "grades.csv").read_text(encoding="utf-8")
    assert russian_csv == (english / "grades.csv").read_text(encoding="utf-8")
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(russian_csv))}
    assert list(next(iter(rows.values()))) == ["student", *POINTS, "total", "max_total"]
    for student in demo.students():
        lost = {i for i, points in POINTS.items() if float(rows[student.id][i]) < points}
        assert lost == demo.broken_ids(student), student.id


def test_every_feedback_page_is_russian_in_markdown_and_in_html(graded, results):
    for record in results["students"]:
        markdown = (graded / "feedback" / f"{record['student']}.md").read_text(encoding="utf-8")
        page = (graded / "feedback" / f"{record['student']}.html").read_text(encoding="utf-8")
        assert f"Отзыв для {record['student']}".replace("_", "\\_") in markdown and "<html lang=ru>" in page
        readable = page_text(without_outputs(page, record, html.escape))
        for text in (without_outputs(markdown, record), readable):
            assert CYRILLIC.search(text) and not english_lines(text), (record["student"], english_lines(text))


def test_the_failure_messages_in_results_json_are_russian(results):
    messages = [test["message"] for record in results["students"] for test in record["tests"]
                if test["message"]]
    messages += [problem["message"] for record in results["students"] for problem in record["problems"]]
    messages += [results["protections"]["sandbox"], results["protections"]["worker_namespaces"],
                 *results["protections"]["off"]]
    assert any("Похоже на известную ошибку" in message for message in messages)
    assert any("упражнение ещё не начато" in message for message in messages)
    assert [line for message in messages for line in english_lines(message)] == []


def test_the_class_report_is_russian(graded):
    text = page_text((graded / "report" / "index.html").read_text(encoding="utf-8"))
    assert "Отчёт по группе" in text and "Самые частые известные ошибки" in text
    assert not english_lines(text), english_lines(text)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("russian-release") / "nnkit-exercises"
    folder, _archive = release.build(out, code="ru")
    return folder


def test_the_russian_bundles_exercise_files_have_russian_prose_and_stub_messages(bundle):
    for stem in catalog.files():
        stub = (bundle / "exercises" / f"{stem}.py").read_text(encoding="utf-8")
        paragraphs = [unit for _line, unit in prose.file_units(stub)]
        assert paragraphs and english_paragraphs(paragraphs) == [], (stem, english_paragraphs(paragraphs))
        assert "упражнение ещё не начато" in stub and "is not started yet" not in stub


def test_the_russian_bundles_notebooks_have_russian_markdown(bundle):
    for stem in catalog.files():
        notebook = nbformat.read(bundle / "notebooks" / f"{stem}.ipynb", as_version=4)
        paragraphs = [unit for cell in notebook.cells if cell.cell_type == "markdown"
                      for unit in prose.units(cell.source)]
        assert any("Как работать с этой тетрадью" in p for p in paragraphs), stem
        assert english_paragraphs(paragraphs) == [], (stem, english_paragraphs(paragraphs))


def test_the_russian_bundles_readme_is_russian(bundle):
    paragraphs = prose.units((bundle / "README.md").read_text(encoding="utf-8"))
    assert paragraphs and english_paragraphs(paragraphs) == [], english_paragraphs(paragraphs)
