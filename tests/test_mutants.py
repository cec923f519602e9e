"""The hidden tests catch every planted mistake and accept every correct answer.

One `nnkit grade` batch (real workers, two jobs) grades a class made at test time: every mutant of
tests/mutants.toml (the solutions with one plausible mistake in one function, built from
solutions/ and the mutant's replacement source), its `full_marks` answers (what the contract
allows, some of which earn a note), the alternative correct submissions of tests/submissions/
(written from the contract, differently from the reference) and the reference itself. Then:
each mutant loses points on its exercise id and on no other, and some failure message of that id
holds its expected text; the others earn 100, with the notes they are due and no other; at
least 90% of the mutants read a message that names their mistake, counted from what each verdict
records (`named`: the catalogue entry planted, a property diagnosis or a rule checked on the run
whose message holds the expected text), not from matching words alone, and the share is printed;
and no catalogue entry is ever named for an answer that does not make that mistake. The mutants
marked `extra` are graded too with NNKIT_MUTANTS=all (about 130 submissions instead of 100).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from nnkit.course import catalog, layout
from nnkit.course.tomlcompat import tomllib
from nnkit.harness import mistakes

ROOT = layout.course_root()
SOLUTIONS = ROOT / "solutions"
MUTANTS_FILE = Path(__file__).resolve().parent / "mutants.toml"
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
REFERENCE = "reference"
NAMED_SHARE = 0.9
FULL_MARKS = "full_marks"
MUTANTS_PER_EXERCISE = 2


def mutants() -> list[dict]:
    """The mutants to grade: all with NNKIT_MUTANTS=all, else those not marked `extra`."""
    found = tomllib.loads(MUTANTS_FILE.read_text(encoding="utf-8"))["mutant"]
    return found if os.environ.get("NNKIT_MUTANTS") == "all" else [m for m in found if not m.get("extra")]


def full_marks() -> list[dict]:
    """Answers the contract allows, built like mutants: each must earn 100 (and its note, if any)."""
    return tomllib.loads(MUTANTS_FILE.read_text(encoding="utf-8"))[FULL_MARKS]


def student_id(mutant: dict) -> str:
    if FULL_MARKS in mutant:
        return f"{FULL_MARKS}__{mutant['id']}__{mutant['name']}"
    return f"{mutant['id']}__{mutant.get('mistake') or mutant['name']}"


def expected_text(mutant: dict) -> str:
    """What a failure message of the mutant's exercise must say: the catalogue's words, or `expect`."""
    return mistakes.message(mutant["id"], mutant["mistake"]) if "mistake" in mutant else mutant["expect"]


def replace_definition(source: str, name: str, replacement: str) -> str:
    """`source` with its top-level function or class `name` (decorators included) replaced."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)
    lines = source.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    return "".join(lines[:start]) + replacement.strip("\n") + "\n" + "".join(lines[node.end_lineno:])


def build_mutant(mutant: dict, folder: Path) -> Path:
    """A submission folder: the solutions, with the mutant's function replaced."""
    folder.mkdir(parents=True)
    exercise = catalog.by_id(mutant["id"])
    for path in sorted(SOLUTIONS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.stem == exercise.file:
            text = replace_definition(text, exercise.name, mutant["source"])
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def build_class(folder: Path) -> dict[str, str]:
    """The class to grade; {student id: what it is ("mutant", "alternative", "reference")}."""
    kinds = {}
    for mutant in mutants():
        build_mutant(mutant, folder / student_id(mutant))
        kinds[student_id(mutant)] = "mutant"
    for answer in full_marks():
        build_mutant(answer, folder / student_id({**answer, FULL_MARKS: True}))
        kinds[student_id({**answer, FULL_MARKS: True})] = FULL_MARKS
    for submission in sorted(p for p in SUBMISSIONS.iterdir() if p.is_dir()):
        shutil.copytree(submission, folder / submission.name)
        kinds[submission.name] = "alternative"
    shutil.copytree(SOLUTIONS, folder / REFERENCE, ignore=shutil.ignore_patterns("__pycache__"))
    kinds[REFERENCE] = "reference"
    return kinds


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """Every student's record in results.json, after one `nnkit grade --jobs 2` of the class."""
    work = tmp_path_factory.mktemp("mutants")
    kinds = build_class(work / "class")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nnkit", "grade", str(work / "class"),
                           "--out", str(work / "out"), "--jobs", "2"],
                          capture_output=True, text=True, timeout=1200, check=False)
    print(f"\nnnkit grade of {len(kinds)} submissions took {time.monotonic() - started:.1f} s")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    results = json.loads((work / "out" / "results.json").read_text())
    records = {record["student"]: record for record in results["students"]}
    assert set(records) == set(kinds), set(kinds) ^ set(records)
    return records


def earned(record: dict) -> dict[str, float]:
    return {e["id"]: e["earned"] for e in record["exercises"]}


def test_the_mutants_cover_every_exercise_with_catalogued_mistakes():
    found = mutants()
    per_exercise = Counter(m["id"] for m in found)
    few = {e.id: per_exercise[e.id] for e in catalog.exercises() if per_exercise[e.id] < MUTANTS_PER_EXERCISE}
    assert not few, f"exercises with fewer than {MUTANTS_PER_EXERCISE} mutants: {few}"
    assert len({student_id(m) for m in found}) == len(found), "two mutants share a name"
    for mutant in found:
        assert ("mistake" in mutant) != ("expect" in mutant), student_id(mutant)
        expected_text(mutant)  # a mistake name the catalogue does not know raises KeyError


def test_every_mutant_loses_points_on_its_exercise_and_on_no_other(graded):
    points = {e.id: e.points for e in catalog.exercises()}
    wrong = {}
    for mutant in mutants():
        got = earned(graded[student_id(mutant)])
        lost = {i for i in points if got[i] < points[i]}
        if lost != {mutant["id"]}:
            wrong[student_id(mutant)] = sorted(lost) or "nothing lost"
    assert not wrong, json.dumps(wrong, indent=1)


def honest_students() -> list[str]:
    return ([p.name for p in sorted(SUBMISSIONS.iterdir()) if p.is_dir()] + [REFERENCE]
            + [student_id({**answer, FULL_MARKS: True}) for answer in full_marks()])


@pytest.mark.parametrize("student", honest_students())
def test_every_alternative_allowed_answer_and_the_reference_earn_full_marks(graded, student):
    record = graded[student]
    failed = [f"{t['test']}: {t['message']}" for t in record["tests"] if t["status"] != "passed"]
    assert record["total"] == 100 and not failed, "\n\n".join(failed)


def test_an_allowed_answer_a_teacher_would_comment_on_gets_its_note_and_nothing_else_gets_one(graded):
    due = {student_id({**a, FULL_MARKS: True}): a for a in full_marks() if a.get("note")}
    assert due, "no full_marks answer with a note"
    for student in honest_students():
        notes = [(t["exercise"], note) for t in graded[student]["tests"] for note in t["notes"]]
        if student in due:
            answer = due[student]
            assert notes and all(e == answer["id"] and answer["note"] in n for e, n in notes), \
                (student, notes)
        else:
            assert not notes, (student, notes)


def failing(record: dict, exercise_id: str) -> list[dict]:
    return [t for t in record["tests"] if t["exercise"] == exercise_id and t["status"] != "passed"]


def naming(mutant: dict, tests: list[dict]) -> str:
    """How the mutant's failures name its mistake, from what the verdicts record: "catalogue" (the
    entry planted), "diagnosis" or "rule" (a checked fact whose message holds the expected text),
    or "" (expected against got alone)."""
    for kind in ("catalogue", "diagnosis", "rule"):
        for test in tests:
            if test["named"] != kind:
                continue
            if kind == "catalogue" and test["mistake"] == mutant.get("mistake"):
                return kind
            if kind != "catalogue" and expected_text(mutant) in test["message"]:
                return kind
    return ""


def test_every_mutant_reads_a_message_with_its_expected_text(graded):
    missing = [student_id(m) for m in mutants()
               if not any(expected_text(m) in t["message"] for t in failing(graded[student_id(m)], m["id"]))]
    assert not missing, missing


def test_at_least_90_percent_of_the_mutants_read_a_message_that_names_their_mistake(graded):
    """Counted twice: over every mutant, and over the wrong answers alone (leaving out the
    forbidden calls, which the rule names rather than a catalogue entry or a diagnosis)."""
    kinds = {student_id(m): naming(m, failing(graded[student_id(m)], m["id"])) for m in mutants()}
    counts = Counter(kinds.values())
    total, named = len(kinds), len(kinds) - counts[""]
    answers = total - counts["rule"]
    by_answer = counts["catalogue"] + counts["diagnosis"]
    print(f"\n{named} of {total} failing mutants read a message that names their mistake "
          f"({named / total:.1%}): by a catalogue entry {counts['catalogue']}, by a property diagnosis "
          f"{counts['diagnosis']}, by the forbidden-call rule {counts['rule']}; expected against got "
          f"alone {counts['']} ({', '.join(sorted(s for s, kind in kinds.items() if not kind))}). "
          f"Wrong answers alone: {by_answer} of {answers} ({by_answer / answers:.1%}) named by a "
          f"catalogue entry or a property diagnosis")
    assert named / total >= NAMED_SHARE and by_answer / answers >= NAMED_SHARE


def test_no_catalogue_entry_is_named_for_an_answer_that_does_not_make_that_mistake(graded):
    planted = {student_id(m): m for m in mutants()}
    wrong = [(student, t["exercise"], t["mistake"])
             for student, record in graded.items() for t in record["tests"]
             if t["mistake"] and (student not in planted or t["exercise"] != planted[student]["id"]
                                  or t["mistake"] != planted[student].get("mistake"))]
    assert not wrong, wrong
