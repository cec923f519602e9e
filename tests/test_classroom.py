"""`nnkit classroom OUT_DIR`: the template repository, its workflow in GitHub Classroom's form, and
each step's command run here as Actions would run it, on a solved copy and on the stubs."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml
from grading import run_grade
from hidden_lines import leaks

from nnkit.course import catalog, layout
from nnkit.publish import classroom, release
from nnkit.student import public_checks, report

ROOT = layout.course_root()
FILE_POINTS = {stem: sum(e.points for e in catalog.exercises() if e.file == stem) for stem in catalog.files()}
# Wrong values, inputs left intact: the check that the inputs are unchanged (a property) passes,
# and earns nothing, since no value check of mse passes.
WRONG_MSE = "\n\ndef mse(y_hat, y):\n    return (y_hat - y).sum() * 0.0\n"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return classroom.build(tmp_path_factory.mktemp("classroom") / "template")


@pytest.fixture(scope="module")
def workflow(template) -> dict:
    return yaml.safe_load((template / ".github" / "workflows" / "classroom.yml").read_text())


def solve_notebook(path: Path, stem: str) -> None:
    """Fill the released notebook's answer cells with the course's solutions, as a student would."""
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source
               for cell in nbformat.read(ROOT / "source" / stem / f"{stem}.ipynb", as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[cell.metadata["nbgrader"]["grade_id"]]
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def copies(template, tmp_path_factory) -> dict[str, Path]:
    """Clones of the template as students push them: the stubs, all solved, solved but mse wrong,
    and all solved in the notebooks with the exercise files left the stubs."""
    base = tmp_path_factory.mktemp("repos")
    found = {}
    for name in ("stubs", "solved", "partly", "notebooks"):
        found[name] = base / f"nn-{name}"
        shutil.copytree(template, found[name])
        for stem in catalog.files():
            if name == "notebooks":
                solve_notebook(found[name] / "notebooks" / f"{stem}.ipynb", stem)
            elif name != "stubs":
                shutil.copy(ROOT / "solutions" / f"{stem}.py", found[name] / "exercises")
    with (found["partly"] / "exercises" / "05_losses.py").open("a") as handle:
        handle.write(WRONG_MSE)
    return found


def test_the_workflow_is_classrooms_one_job_with_its_permissions_and_a_step_per_file(workflow):
    assert workflow["name"] == "Autograding Tests"
    assert workflow["on"] == ["push", "repository_dispatch"], "`on` must stay a key, not YAML's true"
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    job = workflow["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest" and job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    install = next(step["run"] for step in steps if "pip install" in step.get("run", ""))
    assert "--index-url https://download.pytorch.org/whl/cpu torch==" in install
    assert "python -m pip install '.[notebook-code]'\n" in install, "the steps read notebooks too"
    checks = [step for step in steps if step.get("id")]
    assert [step["name"] for step in checks] == catalog.files()
    assert all(step["id"][0].isalpha() and set(step["id"]) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_")
               for step in checks)
    reporter = steps[-1]
    assert reporter["uses"] == REPORTER
    ids = [step["id"] for step in checks]
    assert reporter["with"]["runners"] == ",".join(ids)
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}" for i in ids}


def test_the_template_holds_the_student_files_and_no_hidden_test_or_solution(template):
    names = {p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file()}
    assert names == set(release.student_bundle(ROOT)) | {".github/workflows/classroom.yml"}
    assert not [n for n in names if n.split("/")[0] in ("solutions", "autograder", "source")]
    texts = {}
    for name in names:
        try:
            texts[name] = (template / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    assert leaks(texts) == []


def job_steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["run-autograding-tests"]["steps"]


def run_step(step: dict, repo: Path, output: Path) -> dict:
    """The step's `run` command in `repo`, as Actions runs it (bash, GITHUB_OUTPUT), decoded."""
    env = {**os.environ, "GITHUB_OUTPUT": str(output),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = output.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("result=")
    return json.loads(base64.b64decode(lines[0].removeprefix("result=")))


@pytest.fixture(scope="module")
def results(workflow, copies, tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Every step on the stubs and on the solved copy, and the 05 step on the partly solved one."""
    steps = {step["name"]: step for step in job_steps(workflow) if step.get("id")}
    outputs = tmp_path_factory.mktemp("outputs")
    jobs = [(copy, stem) for copy in ("stubs", "solved") for stem in catalog.files()]
    jobs += [("partly", "05_losses"), ("notebooks", "02_linear"), ("notebooks", "05_losses")]

    def one(job: tuple[str, str]) -> dict:
        copy, stem = job
        return run_step(steps[stem], copies[copy], outputs / f"{copy}-{stem}")

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(jobs, pool.map(one, jobs)))


def check_points(folder: Path, selector: str | None = None) -> int:
    """What `nnkit check` says of a folder: the points of the exercises it reports done."""
    chosen = catalog.select(selector)
    verdicts, problems = public_checks.run_checks([e.id for e in chosen], folder)
    assert not problems, problems
    done = report.by_exercise(chosen, verdicts)
    return sum(e.points for e in chosen if report.status(done[e.id]) == "done")


def total(result: dict) -> float:
    return sum(test["score"] for test in result["tests"])


def test_the_template_speaks_the_language_chosen_and_refuses_one_the_course_lacks():
    from nnkit.i18n import lang

    with lang.speaking("ru"):
        russian = classroom.template_files(ROOT)
    english = classroom.template_files(ROOT, "en")
    assert "# # 03 · Функции активации" in russian["exercises/03_activations.py"].decode()
    assert "# # 03 · Activation functions" in english["exercises/03_activations.py"].decode()
    with pytest.raises(ValueError, match="no xx edition"):
        classroom.template_files(ROOT, "xx")


def test_each_step_writes_a_command_grader_result_for_its_file(results):
    for (_copy, stem), result in results.items():
        assert result["version"] == 1 and result["max_score"] == FILE_POINTS[stem]
        assert [t["name"] for t in result["tests"]] == [e.id for e in catalog.exercises() if e.file == stem]
        assert all({"name", "status", "score", "message"} <= set(t) for t in result["tests"])


def test_the_steps_add_up_to_nnkit_checks_points_on_a_solved_copy_and_to_zero_on_the_stubs(results, copies):
    solved = sum(total(results["solved", stem]) for stem in catalog.files())
    assert solved == check_points(copies["solved"] / "exercises") == sum(FILE_POINTS.values())
    assert all(results["solved", stem]["status"] == "pass" for stem in catalog.files())
    assert sum(total(results["stubs", stem]) for stem in catalog.files()) == 0 == check_points(
        copies["stubs"] / "exercises")
    assert all(results["stubs", stem]["status"] == "fail" for stem in catalog.files())
    stub_message = results["stubs", "05_losses"]["tests"][0]["message"]
    assert "05_losses.mse is not started yet" in stub_message


def test_a_file_earns_its_exercises_points_not_all_or_nothing(results, copies):
    partly = results["partly", "05_losses"]
    assert partly["status"] == "fail"
    mse = next(t for t in partly["tests"] if t["name"] == "05_losses.mse")
    assert mse["status"] == "fail" and mse["score"] == 0, "a property check alone earns nothing"
    assert "expected" in mse["message"]
    assert total(partly) == FILE_POINTS["05_losses"] - catalog.by_id("05_losses.mse").points
    assert total(partly) == check_points(copies["partly"] / "exercises", "05_losses")


def test_a_step_scores_the_notebook_when_the_student_worked_there_and_left_the_file_the_stub(results):
    for stem in ("02_linear", "05_losses"):
        worked = results["notebooks", stem]
        assert worked["status"] == "pass"
        assert total(worked) == FILE_POINTS[stem] == total(results["solved", stem])


def test_a_step_whose_checks_are_gone_still_reports_an_error_result(workflow, copies, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(copies["stubs"], repo)
    (repo / "exercises" / "test_06_metrics.py").unlink()
    step = next(s for s in job_steps(workflow) if s.get("name") == "06_metrics")
    result = run_step(step, repo, tmp_path / "output")
    assert result["status"] == "error" and total(result) == 0
    assert "The public checks exercises/test_06_metrics.py are missing" in result["tests"][0]["message"]


def test_a_folder_of_cloned_classroom_repositories_grades_as_a_class(copies, tmp_path):
    for name in ("solved", "stubs", "notebooks"):
        shutil.copytree(copies[name], tmp_path / "repos" / f"nn-{name}")
    graded = run_grade(tmp_path / "repos", tmp_path / "out")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    totals = {s["student"]: s["total"] for s in results["students"]}
    full = sum(FILE_POINTS.values())
    assert totals == {"nn-solved": full, "nn-stubs": 0, "nn-notebooks": full}, (
        "the notebooks are graded where the exercise files were left the stubs")
    said = {s["student"]: " ".join(p["message"] for p in s["problems"]) for s in results["students"]}
    assert "notebooks/" not in said["nn-solved"] + said["nn-notebooks"], (
        "a notebook or exercise file left as released is no problem of the student's")
