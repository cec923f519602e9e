"""The class report of a class graded once at test time (tests/planted_class.py): the planted
mistake counted, the exercises ranked, the stubs not started, and the page rendered offline."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser import load
from grading import run_grade
from planted_class import MISTAKE, RENAMED, build

from nnkit.harness import mistakes
from nnkit.report import classreport


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(OUT_DIR of one `nnkit grade` of the planted class, {student: role})."""
    work = tmp_path_factory.mktemp("class_report")
    roles = build(work / "class")
    done = run_grade(work / "class", work / "out")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Wrote the class report" in done.stdout
    return work / "out", roles


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def section(page: str, heading: str) -> str:
    """The markup of the page's section under the <h2> `heading`, up to the next <h2>."""
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start:end if end != -1 else None]


def student_rows(markup: str) -> dict[str, list[str]]:
    """Table rows keyed by the student linked in their first cell, as the cells' text."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", markup):
        cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        if cells:
            found[cells[0]] = cells
    return found


def test_grade_writes_the_report_beside_results_json(graded):
    out, _ = graded
    for name in ("index.html", "summary.csv", "mistakes.csv"):
        assert (out / "report" / name).is_file(), name


def test_the_report_names_the_planted_mistake_with_count_3(graded):
    out, roles = graded
    exercise, name = MISTAKE
    table = rows(out / "report" / "mistakes.csv")
    found = [r for r in table if (r["exercise"], r["mistake"]) == (exercise, name)]
    makers = sorted(s for s, role in roles.items() if role == "mistake")
    assert found and found[0]["count"] == "3" and found[0]["students"].split(";") == makers, found
    assert table[0] == found[0], "the planted mistake is the most common"
    page = section((out / "report" / "index.html").read_text(), "Most common named mistakes")
    assert f"<code>{name}</code>" in page and all(f">{maker}</a>" in page for maker in makers)


def test_the_report_ranks_the_mistakes_exercise_below_the_untouched_ones(graded):
    out, _ = graded
    summary = rows(out / "report" / "summary.csv")
    assert summary[0]["exercise"] == MISTAKE[0], [r["exercise"] for r in summary[:3]]
    assert all(float(summary[0]["mean_share"]) < float(r["mean_share"]) for r in summary[1:])


def test_the_report_lists_the_stub_students_as_not_started(graded):
    out, roles = graded
    exercises = len(json.loads((out / "results.json").read_text())["exercises"])
    at_risk = student_rows(section((out / "report" / "index.html").read_text(), "Students at risk"))
    for stub in (s for s, role in roles.items() if role == "stub"):
        assert at_risk[stub][3:] == [str(exercises), str(exercises)], at_risk.get(stub)
    assert not any(role in ("reference", "honest") for s, role in roles.items() if s in at_risk)
    shares = {r["exercise"]: float(r["not_started_share"]) for r in rows(out / "report" / "summary.csv")}
    assert min(shares.values()) >= 2 / len(roles)


def test_the_report_counts_and_lists_submission_problems(graded):
    out, _ = graded
    problems = section((out / "report" / "index.html").read_text(), "Submission problems")
    assert re.search(r"<td>Missing files</td><td class=num>1</td>", problems)
    assert f">{RENAMED}</a></td><td>Missing files</td>" in problems


def test_the_report_draws_the_held_out_accuracy_of_fit_iris(graded):
    out, roles = graded
    page = (out / "report" / "index.html").read_text()
    part = section(page, "held-out accuracy (%) of 08_training.fit_iris")
    working = sum(role in ("reference", "honest", "mistake") for role in roles.values())
    assert "<svg" in part and f"<td class=num>{working}</td>" in part


def test_the_report_links_each_student_to_an_existing_feedback_page(graded):
    out, roles = graded
    links = re.findall(r'href="\.\./([^"]+)"', (out / "report" / "index.html").read_text())
    assert links and all((out / link).is_file() for link in links)
    named = {s for s, role in roles.items() if role not in ("reference", "honest")}  # in a table
    assert {Path(link).stem for link in links} == named


def test_the_report_is_rebuilt_from_results_json_alone_with_the_same_bytes(graded, tmp_path):
    out, _ = graded
    shutil.copyfile(out / "results.json", tmp_path / "results.json")
    done = subprocess.run([sys.executable, "-m", "nnkit", "report", str(tmp_path)], capture_output=True,
                          text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("index.html", "summary.csv", "mistakes.csv"):
        assert (tmp_path / "report" / name).read_bytes() == (out / "report" / name).read_bytes(), name


def test_a_class_of_one_and_a_class_of_a_thousand_get_a_report(graded, tmp_path):
    out, _ = graded
    results = json.loads((out / "results.json").read_text())
    one, many = tmp_path / "one", tmp_path / "many"
    for folder, students in ((one, results["students"][:1]),
                             (many, [{**record, "student": f"s{i:04d}"} for i in range(1000)
                                     for record in results["students"][i % len(results["students"]):][:1]])):
        folder.mkdir()
        (folder / "results.json").write_text(json.dumps({**results, "students": students}))
        classreport.write(folder)
    assert "1 student graded" in (one / "report" / "index.html").read_text()
    assert "1000 students graded" in (many / "report" / "index.html").read_text()
    assert len(rows(many / "report" / "summary.csv")) == len(results["exercises"])


@pytest.mark.parametrize("content, says", [(None, "is missing"), ("{not json", "is not valid JSON"),
                                           ('{"students": 3}', "is not the results.json")])
def test_a_missing_or_broken_results_json_gets_a_clear_message(tmp_path, content, says):
    if content is not None:
        (tmp_path / "results.json").write_text(content)
    done = subprocess.run([sys.executable, "-m", "nnkit", "report", str(tmp_path)], capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 2 and says in " ".join(done.stdout.split()), done.stdout + done.stderr
    assert not (tmp_path / "report").exists()


def test_each_catalogued_message_has_one_name_so_the_report_can_count_it():
    names: dict[str, set[str]] = {}
    for found in mistakes.catalogue().values():
        for name, message in found.items():
            names.setdefault(message, set()).add(name)
    assert all(len(found) == 1 for found in names.values()), {m: n for m, n in names.items() if len(n) > 1}


def test_chromium_renders_the_class_report_with_its_figures_and_no_network(graded, tmp_path):
    out, _ = graded
    loaded = load(out / "report" / "index.html", tmp_path)
    figures = re.findall(r"<figure><svg[^>]*>(.*?)</svg>", loaded.dom, flags=re.DOTALL)
    assert len(figures) == 3 and all("<path" in picture for picture in figures), len(figures)
    assert loaded.requests == []


def test_the_browser_check_sees_a_page_that_asks_the_network(tmp_path):
    page = tmp_path / "asks.html"
    page.write_text('<!doctype html><p>x</p><img src="https://example.com/pixel.png">')
    assert load(page, tmp_path / "browser").requests == ["https://example.com/pixel.png"]
