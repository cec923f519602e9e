"""Gradescope: `nnkit gradescope OUT.zip` builds the autograder, `python -m nnkit.publish.gradescope` runs it.

The zip holds Gradescope's two scripts at its root and the kit under `kit/` (the package, the
public checks, the data and the hidden tests; never the solutions). `setup.sh` installs CPU
torch and the kit once, when Gradescope builds the image. For each submission, `run_autograder`
runs this module: it makes a one-student class from `/autograder/submission` (files, a zip, or
notebooks), grades it with `nnkit grade` (isolated workers, as for any class), and turns
the grader's results.json into Gradescope's `/autograder/results/results.json`: one Gradescope
test per exercise id, with the student-facing messages only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nnkit.course import layout
from nnkit.grade.output.feedback import title
from nnkit.i18n import lang
from nnkit.i18n.lang import N_, _, ngettext
from nnkit.publish.release import (
    Files,
    data_files,
    exercise_files,
    package_files,
    pyproject,
    write_zip,
)

ROOT_VARIABLE = "NNKIT_GRADESCOPE_ROOT"
STUDENT = "submission"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
MAX_TEST_OUTPUT = 8000

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
# the notebook-code extra (nbformat, jupytext) reads notebook submissions
/autograder/venv/bin/pip install -q "/autograder/source/kit[notebook-code]"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this from /autograder for every submission. To try it elsewhere, lay out a
# tree like /autograder (source/, submission/) and run it with NNKIT_GRADESCOPE_ROOT=TREE or
# --root TREE; NNKIT_PYTHON picks the interpreter that has the kit installed.
set -uo pipefail
ROOT="${NNKIT_GRADESCOPE_ROOT:-/autograder}"
PYTHON="${NNKIT_PYTHON:-/autograder/venv/bin/python}"
if [ ! -x "$PYTHON" ]; then PYTHON="$(command -v python3)"; fi
export NNKIT_LANG="${NNKIT_LANG:-@LANG@}"  # the language of the feedback, chosen by `nnkit gradescope`
exec "$PYTHON" -m nnkit.publish.gradescope --root "$ROOT" --visibility @VISIBILITY@ "$@"
"""


# ---------------------------------------------------------------- building the zip

def autograder_files(root: Path) -> Files:
    folder = root / "autograder"
    return {f"autograder/{path.relative_to(folder).as_posix()}": path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


def bundle(root: Path, visibility: str = "visible") -> Files:
    """Every file of the Gradescope autograder zip; `visibility` is each test's, for students."""
    kit: Files = {"pyproject.toml": pyproject(root), "README.md": (root / "README.md").read_bytes()}
    for part in (package_files, exercise_files, data_files, autograder_files):
        kit.update(part(root))
    if visibility not in VISIBILITIES:
        raise ValueError(_("visibility must be one of {choices}").format(choices=", ".join(VISIBILITIES)))
    run_autograder = RUN_AUTOGRADER.replace("@VISIBILITY@", visibility).replace("@LANG@", lang.language())
    files: Files = {"setup.sh": SETUP_SH.encode(), "run_autograder": run_autograder.encode()}
    files.update({f"kit/{name}": content for name, content in kit.items()})
    return files


def build(out: Path, root: Path | None = None, visibility: str = "visible") -> Path:
    out = Path(out).resolve()
    write_zip(bundle(root or layout.course_root(), visibility), out)
    return out


def run(out: Path, visibility: str = "visible") -> int:
    try:
        path = build(out, visibility=visibility)
    except ValueError as error:
        print(f"nnkit gradescope: {error}")
        return 2
    print(_("nnkit gradescope: wrote {path} (upload it as the assignment's autograder)").format(path=path))
    return 0


# ---------------------------------------------------------------- converting results

def could_not_grade() -> str:
    """The student's whole feedback when the grader, not the submission, failed."""
    return _("The autograder could not grade this submission. Your instructor can see why in the "
             "autograder's output.")


def convert(results: dict, feedback: str = "", notes: list[str] | None = None,
            visibility: str = "visible") -> dict:
    """Gradescope's results.json from `nnkit grade`'s results.json for a one-student class."""
    students = results.get("students") or []
    problems = list(notes or []) + [p["message"] for p in results.get("class_problems", [])]
    if not students:
        return failure("\n".join(problems) or _("No submission was found to grade."))
    record = students[0]
    if record.get("grader_problems"):  # the grader failed, not the student: no 0 that looks earned
        print("\n".join(record["grader_problems"]))
        return failure(could_not_grade())
    problems += [p["message"] for p in record.get("problems", [])]
    tests = []
    if problems:
        tests.append({"name": _("Your submission"), "status": "failed", "output": "\n".join(problems),
                      "visibility": visibility})
    for exercise in record["exercises"]:
        checks = [t for t in record["tests"] if t.get("exercise") == exercise["id"]]
        tests.append({
            "name": exercise["id"],
            "score": exercise["earned"],
            "max_score": exercise["points"],
            "status": "passed" if checks and exercise["earned"] == exercise["points"] else "failed",
            "output": _exercise_output(exercise, checks),
            "visibility": visibility,
        })
    summary = _("Score: {total} / {max_total}").format(total=record["total"], max_total=record["max_total"])
    return {"score": record["total"], "output": feedback or summary,
            "output_format": "md" if feedback else "text", "stdout_visibility": "hidden",
            "tests": tests}


# Why an exercise earned nothing, by the kind results.json records.
ZEROED_BY = {"forbidden": N_("forbidden"), "not_started": N_("not started"), "submission": N_("submission"),
             "no_value": N_("no value")}


def _exercise_output(exercise: dict, checks: list[dict]) -> str:
    if not checks:
        return _("No check ran for this exercise.")
    lines = []
    if exercise.get("zeroed_by"):
        lines.append(_("0 points ({reason}).").format(reason=_(ZEROED_BY.get(exercise["zeroed_by"],
                                                                              exercise["zeroed_by"]))))
    for check in checks:
        mark = "✓" if check["status"] == "passed" else "✗"
        lines.append(f"{mark} {title(check['test'])}")
        if check["status"] != "passed":
            lines += [f"    {line}" for line in (check.get("message") or check["status"]).splitlines()]
            if check.get("output"):
                printed = check["output"].splitlines()
                lines += ["    " + _("Your code printed:")] + [f"      {line}" for line in printed]
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEST_OUTPUT else text[:MAX_TEST_OUTPUT] + "\n… (cut)"


def failure(message: str) -> dict:
    """A result that tells the student grading did not happen (Gradescope shows 0)."""
    return {"score": 0, "output": message, "stdout_visibility": "hidden",
            "tests": [{"name": _("Grading"), "status": "failed", "score": 0, "max_score": 0,
                       "output": message, "visibility": "visible"}]}


# ---------------------------------------------------------------- running in the container

def grade(root: Path, course: Path | None = None, visibility: str = "visible") -> int:
    """Grade `root`/submission and write `root`/results/results.json."""
    course = course or root / "source" / "kit"
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnkit-gradescope-") as work:
        student = Path(work) / "class" / STUDENT
        out = Path(work) / "out"
        notes = []
        if (root / "submission").is_dir():  # nnkit grade stages it: no symlink is followed
            shutil.copytree(root / "submission", student, symlinks=True)
        else:
            notes.append(_("No submission folder was found."))
            student.mkdir(parents=True)
        command = [sys.executable, "-m", "nnkit", "grade", str(student.parent), "--out", str(out),
                   "--course", str(course)]
        code = subprocess.run(command, check=False).returncode
        try:
            results = json.loads((out / "results.json").read_text(encoding="utf-8"))
            feedback_page = out / "feedback" / f"{STUDENT}.md"
            feedback = feedback_page.read_text(encoding="utf-8") if feedback_page.is_file() else ""
            gradescope = convert(results, feedback, notes, visibility)
        except (OSError, ValueError, KeyError) as error:
            print(_("nnkit grade exited with {code} and no usable results.json: {error}").format(code=code,
                                                                                                error=error))
            gradescope = failure(could_not_grade())
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(gradescope, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(target)
    print(ngettext("Wrote {target}: {score} points", "Wrote {target}: {score} points",
                   int(gradescope["score"])).format(target=target, score=gradescope["score"]))
    return 0


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m nnkit.publish.gradescope",
                                     description=_("Grade a Gradescope submission with nnkit."))
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_VARIABLE, "/autograder")),
                        help=_("the autograder tree (default: ${variable} or /autograder)").format(
                            variable=ROOT_VARIABLE))
    parser.add_argument("--course", type=Path, help=_("the course: its checks and hidden tests "
                                                      "(default: ROOT/source/kit)"))
    parser.add_argument("--visibility", choices=VISIBILITIES, default="visible",
                        help=_("when students see each exercise's result (default: visible)"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    return grade(args.root.resolve(), args.course, args.visibility)


if __name__ == "__main__":
    sys.exit(main())
