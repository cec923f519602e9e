"""One step of the Classroom workflow: `python -m nnkit.publish.classroom_step FILE`.

It runs the public checks of one exercise file against the repository's `exercises/` (the run
`nnkit check` makes, `nnkit.student.public_checks`; a check's role, value or property, is its
marker's), or against the code of `notebooks/FILE.ipynb` when the student worked there and left
the exercise file the stub, scores them by the kit's rule (`nnkit.grade.scoring`), and writes
the step's `result` output the way GitHub Classroom's `autograding-command-grader` does: base64 of the JSON
`{version: 1, status, max_score, tests: [{name, status, score, message, test_code, filename,
line_no, duration}]}`, appended as `result=…` to the file `$GITHUB_OUTPUT` names. Its tests are
the file's exercise ids, each scoring the points the kit gives it, so the reporter
(`autograding-grading-reporter`, which adds up every test's `score` and every step's
`max_score`) shows the file's points, not all or nothing. The step exits 0 whenever it wrote a
result: a failing step would stop the steps after it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from nnkit.course import catalog, layout
from nnkit.grade import points, scoring
from nnkit.i18n.lang import _
from nnkit.submission.started import notebook_stands_for_the_file

OUTPUT = "result"
MAX_MESSAGE = 4000


def run_checks(stem: str) -> tuple[list[dict], str]:
    """The public checks of exercise file `stem` on the repository's exercises/: (results, problem)."""
    from nnkit.student import public_checks  # imports torch and pytest

    checks = layout.exercises_dir() / f"test_{stem}.py"
    if not checks.is_file():
        return [], _("The public checks {path} are missing: restore the file from the assignment's "
                     "template repository.").format(path=f"exercises/{checks.name}")
    ids = [e.id for e in catalog.exercises() if e.file == stem]
    worked = notebook_code(stem)
    if worked is None:
        verdicts, problems = public_checks.run_checks(ids)
    else:
        with tempfile.TemporaryDirectory(prefix="nnkit-classroom-") as folder:
            for name in (f"{other}.py" for other in catalog.files()):
                if (layout.exercises_dir() / name).is_file():
                    shutil.copy(layout.exercises_dir() / name, folder)
            (Path(folder) / f"{stem}.py").write_text(worked, encoding="utf-8")
            verdicts, problems = public_checks.run_checks(ids, folder)
    return [verdict.to_dict() for verdict in verdicts], "; ".join(problems)


def notebook_code(stem: str) -> str | None:
    """The code of `notebooks/<stem>.ipynb` when the student worked there and left
    `exercises/<stem>.py` the stub (`nnkit.submission.started`), else None: the file is checked."""
    from nnkit.notebooks.to_python import python_files_from_notebook

    notebook = layout.course_root() / "notebooks" / f"{stem}.ipynb"
    exercise_file = layout.exercises_dir() / f"{stem}.py"
    if not notebook.is_file():
        return None
    file_text = None
    if exercise_file.is_file():
        file_text = exercise_file.read_text(encoding="utf-8", errors="replace")
    code = python_files_from_notebook(notebook).get(f"{stem}.py")
    return code if code is not None and notebook_stands_for_the_file(file_text, code, stem) else None


def result(stem: str, tests: list[dict], problem: str = "", seconds: float = 0.0) -> dict:
    """The runner result of one exercise file: one test per exercise id, scored by the kit; an
    exercise none of whose checks ran is an error, with `problem` as its message."""
    score = scoring.score(tests)
    entries = []
    for exercise in (e for e in catalog.exercises() if e.file == stem):
        scored = score.exercises[exercise.id]
        mine = [t for t in tests if t["exercise"] == exercise.id]
        failing = next((t for t in mine if t["status"] != "passed"), None)
        if not mine:
            status, message = "error", problem or _("No public check ran for {id}.").format(id=exercise.id)
        elif scored.earned == exercise.points:
            status, message = "pass", ""
        else:
            status = "error" if scored.zeroed_by == "submission" else "fail"
            message = failing["message"] if failing else _("Some checks of {id} do not pass yet.").format(
                id=exercise.id)
        entries.append({"name": exercise.id, "status": status, "score": scoring.number(scored.earned),
                        "message": message[:MAX_MESSAGE], "test_code": f"nnkit check {exercise.id}",
                        "filename": f"exercises/{stem}.py", "line_no": 0,
                        "duration": round(1000 * seconds)})  # the file's run, as the grader times its command
    statuses = {entry["status"] for entry in entries}
    overall = "error" if "error" in statuses else "fail" if "fail" in statuses else "pass"
    return {"version": 1, "status": overall, "max_score": sum(e.points for e in catalog.exercises()
                                                             if e.file == stem), "tests": entries}


def encode(value: dict) -> str:
    """base64 of the JSON text, as the command grader's btoa(JSON.stringify(result))."""
    return base64.b64encode(json.dumps(value, ensure_ascii=False).encode("utf-8")).decode("ascii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnkit.publish.classroom_step",
                                     description=_("Score one exercise file's public checks for "
                                                   "GitHub Classroom."))
    parser.add_argument("stem", metavar="FILE", help=_("an exercise file: {files}").format(
        files=", ".join(catalog.files())))
    stem = parser.parse_args(argv).stem
    if stem not in catalog.files():
        print(_("{stem} is not an exercise file; the files are {files}.").format(
            stem=stem, files=", ".join(catalog.files())))
        return 2
    started = time.monotonic()
    try:
        tests, problem = run_checks(stem)
    except Exception as error:  # the step must still report, or the reporter has nothing
        tests, problem = [], _("The checks of {stem} could not run ({error}): run `nnkit check` on "
                               "your machine to see why.").format(
            stem=stem, error=f"{type(error).__name__}: {error}")
    value = result(stem, tests, problem, time.monotonic() - started)
    if problem:
        print(problem)
    for entry in value["tests"]:
        mark = "✓" if entry["status"] == "pass" else "✗"
        print(_("{mark} {id}: {score} of {points} points").format(
            mark=mark, id=entry["name"], score=entry["score"],
            points=catalog.by_id(entry["name"]).points))
    earned = scoring.number(points.by_file(tests)[stem])
    print(_("{stem}: {score} of {points} points from the public checks, in {seconds:.1f} s.").format(
        stem=stem, score=earned, points=value["max_score"], seconds=time.monotonic() - started))
    write_output(encode(value))
    return 0


def write_output(encoded: str) -> None:
    """Append `result=…` to $GITHUB_OUTPUT, as @actions/core's setOutput does; print it elsewhere."""
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(f"{OUTPUT}={encoded}\n")
    else:
        print(f"{OUTPUT}={encoded}")


if __name__ == "__main__":
    sys.exit(main())
