"""`nnkit gradescope`: the autograder zip, the results conversion, and a local run of the zip."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from nnkit.publish import gradescope

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json").read_text())

HAND_MADE = {
    "class_problems": [],
    "students": [{
        "student": "submission", "total": 3.5, "max_total": 7,
        "problems": [{"kind": "missing_file", "message": "06_metrics.py is missing."}],
        "exercises": [
            {"id": "05_losses.mse", "earned": 2, "points": 2, "tests": 1, "zeroed_by": None},
            {"id": "05_losses.bce", "earned": 1.5, "points": 3, "tests": 2, "zeroed_by": None},
            {"id": "05_losses.one_hot", "earned": 0, "points": 2, "tests": 1, "zeroed_by": "forbidden"},
        ],
        "tests": [
            {"file": "test_05_losses.py", "test": "test_mse_of_the_article", "exercise": "05_losses.mse",
             "status": "passed", "kind": "", "message": "", "output": "", "detail": ""},
            {"file": "test_05_losses.py", "test": "test_bce_of_the_article", "exercise": "05_losses.bce",
             "status": "passed", "kind": "", "message": "", "output": "", "detail": ""},
            {"file": "test_05_losses.py", "test": "test_bce_is_finite_at_0", "exercise": "05_losses.bce",
             "status": "failed", "kind": "failed", "message": "bce(0, 1) gave inf, expected 100",
             "output": "debug print", "detail": "INSTRUCTOR ONLY: reference 100.0"},
            {"file": "test_05_losses.py", "test": "test_one_hot_forbidden", "exercise": "05_losses.one_hot",
             "status": "failed", "kind": "forbidden", "message": "one_hot calls F.one_hot", "output": "",
             "detail": ""},
        ],
    }],
}


def test_a_hand_made_nnkit_result_becomes_gradescopes_format():
    result = gradescope.convert(HAND_MADE, feedback="# Feedback\n**Score: 3.5 / 7**")
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == 3.5 and result["stdout_visibility"] == "hidden"
    assert result["output_format"] == "md" and result["output"].startswith("# Feedback")
    tests = {t["name"]: t for t in result["tests"]}
    assert tests["Your submission"]["status"] == "failed"
    assert "06_metrics.py is missing." in tests["Your submission"]["output"]
    assert (tests["05_losses.mse"]["score"], tests["05_losses.mse"]["max_score"]) == (2, 2)
    assert tests["05_losses.mse"]["status"] == "passed"
    bce = tests["05_losses.bce"]
    assert (bce["score"], bce["max_score"], bce["status"]) == (1.5, 3, "failed")
    assert "bce(0, 1) gave inf, expected 100" in bce["output"] and "debug print" in bce["output"]
    assert "one_hot calls F.one_hot" in tests["05_losses.one_hot"]["output"]
    assert "0 points (forbidden)" in tests["05_losses.one_hot"]["output"]
    assert "INSTRUCTOR ONLY" not in json.dumps(result)
    assert all(t["visibility"] == "visible" for t in result["tests"])


def test_visibility_can_be_chosen_for_every_test():
    result = gradescope.convert(HAND_MADE, visibility="after_published")
    jsonschema.validate(result, SCHEMA)
    assert {t["visibility"] for t in result["tests"]} == {"after_published"}


def test_the_chosen_visibility_is_written_into_run_autograder_and_a_wrong_one_refused():
    script = gradescope.bundle(ROOT, "after_published")["run_autograder"].decode()
    assert "--visibility after_published" in script
    with pytest.raises(ValueError):
        gradescope.bundle(ROOT, "sometimes")


def test_a_result_without_students_says_nothing_was_graded_and_still_validates():
    result = gradescope.convert({"students": [], "class_problems": []}, notes=["empty.zip is empty"])
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == 0 and "empty.zip is empty" in result["output"]


def test_a_grader_failure_tells_the_student_grading_did_not_happen_instead_of_a_zero_per_exercise():
    failed = {**HAND_MADE["students"][0], "tests": [], "grader_problems": ["the grading job died; see x.log"]}
    result = gradescope.convert({"class_problems": [], "students": [failed]})
    jsonschema.validate(result, SCHEMA)
    assert result["score"] == 0 and "could not grade this submission" in result["output"]
    assert [t["name"] for t in result["tests"]] == ["Grading"], "no exercise may look graded"
    assert "x.log" not in json.dumps(result), "the grader's own problems are for the instructor"


def test_the_gradescope_entry_point_needs_no_babel_which_its_container_does_not_install():
    blocked = ("import sys, runpy; sys.modules['babel'] = None; sys.argv[1:] = ['--help'];"
               " runpy.run_module('nnkit.publish.gradescope', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0 and "--visibility" in done.stdout, done.stderr


def test_the_schema_rejects_what_gradescope_would_reject():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tests": [{"name": "x", "visibility": "sometimes"}], "score": 1}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tests": [{"name": "no score anywhere"}]}, SCHEMA)


def test_the_root_comes_from_the_flag_then_the_environment_then_autograder(monkeypatch):
    monkeypatch.delenv(gradescope.ROOT_VARIABLE, raising=False)
    assert gradescope.arguments([]).root == Path("/autograder")
    monkeypatch.setenv(gradescope.ROOT_VARIABLE, "/elsewhere")
    assert gradescope.arguments([]).root == Path("/elsewhere")
    assert gradescope.arguments(["--root", "/flag"]).root == Path("/flag")


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return gradescope.build(tmp_path_factory.mktemp("gradescope") / "autograder.zip")


def test_the_zip_has_gradescopes_scripts_at_its_root_and_the_kit_without_solutions(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        script = archive.read("run_autograder").decode()
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755
    assert "torch==2.13.0" in setup and "download.pytorch.org/whl/cpu" in setup
    assert 'pip install -q "/autograder/source/kit[notebook-code]"' in setup
    assert "--visibility visible" in script
    names = set(infos)
    assert {"kit/pyproject.toml", "kit/nnkit/cli.py", "kit/exercises/test_05_losses.py",
            "kit/data/data.pt"} <= names
    assert {f"kit/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "autograder").glob("test_*.py")} <= names
    assert not [n for n in names if n.startswith(("kit/solutions/", "kit/source/", "solutions/"))]


def test_run_autograder_grades_a_submission_in_a_tree_laid_out_like_gradescopes(autograder_zip, tmp_path):
    tree = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tree / "source")  # our own zip; Gradescope unpacks it the same way
    run_autograder = tree / "source" / "run_autograder"
    run_autograder.chmod(0o755)
    submission = tree / "submission"
    submission.mkdir()
    for stem in ("01_matrices", "02_linear"):
        shutil.copy(ROOT / "solutions" / f"{stem}.py", submission)
    shutil.copy(ROOT / "exercises" / "03_activations.py", submission)
    shutil.copy(ROOT / "source" / "05_losses" / "05_losses.ipynb", submission)  # a solved notebook
    (submission / "06_metrics.ipynb").write_text("{ this is not JSON")
    environment = {**os.environ, "NNKIT_PYTHON": sys.executable, gradescope.ROOT_VARIABLE: str(tree)}
    ran = subprocess.run([str(run_autograder)], cwd=tree, env=environment, check=False, capture_output=True,
                         text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    result = json.loads((tree / "results" / "results.json").read_text())
    jsonschema.validate(result, SCHEMA)
    tests = {t["name"]: t for t in result["tests"]}
    assert result["score"] == 13 + 12 + 13  # 01, 02 and the 05 notebook solved, 03 stubs, rest missing
    assert tests["01_matrices.matmul"]["score"] == tests["01_matrices.matmul"]["max_score"] == 5
    assert tests["05_losses.cross_entropy"]["score"] == tests["05_losses.cross_entropy"]["max_score"] == 5
    assert tests["03_activations.relu"]["score"] == 0
    assert "06_metrics.ipynb is not a Jupyter notebook" in tests["Your submission"]["output"]
