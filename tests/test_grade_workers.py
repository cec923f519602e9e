"""Workers under attack: a hung call, a dying worker, processes left behind, peeking around.

One small class is graded with real workers and a 2-second call limit: `eve` hangs in one
function, kills her worker in another, leaves a detached process behind and looks for the
hidden tests, the network and other students' files; `fay` is honest and looks for eve's file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from grading import run_grade

from nnkit.grade.sandbox import bwrap

ROOT = Path(__file__).resolve().parents[1]
MARKER = "600.4242"  # eve's detached `sleep` carries this, so the test finds it and nothing else

EVE = {
    "01_matrices.py": '''

def matmul_shape(a_shape, b_shape):  # never returns
    while True:
        pass


def entry(A, B, i, j):  # leaves a detached process, then looks around
    import os, socket
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "{marker}"])
        os._exit(0)
    seen = {{path: os.path.exists(path) for path in ({hidden!r}, {solutions!r}, {out!r})}}
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=1)
        seen["network"] = True
    except OSError:
        seen["network"] = False
    with open("/tmp/eve-was-here", "w") as handle:
        handle.write("eve")
    print("SEEN", sorted(seen.items()))
    return float((A[i] * B[:, j]).sum())
''',
    "05_losses.py": '''

def one_hot(target, num_classes):  # ends its own process
    import os
    os._exit(3)
''',
}
FAY = {
    "01_matrices.py": '''

def entry(A, B, i, j):
    import os
    print("EVE FILE", os.path.exists("/tmp/eve-was-here"))
    return float((A[i] * B[:, j]).sum())
''',
}


def eve(out: Path) -> dict[str, str]:
    return {**EVE, "01_matrices.py": EVE["01_matrices.py"].format(
        marker=MARKER, hidden=str(ROOT / "autograder"), solutions=str(ROOT / "solutions"), out=str(out))}


def make_class(folder: Path, students: dict[str, dict[str, str]]) -> Path:
    for student, snippets in students.items():
        (folder / student).mkdir(parents=True)
        for source in (ROOT / "solutions").glob("0*.py"):
            (folder / student / source.name).write_text(source.read_text() + snippets.get(source.name, ""))
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    scratch = tmp_path_factory.mktemp("workers")
    done = run_grade(make_class(scratch / "class", {"eve": eve(scratch / "out"), "fay": FAY}),
                     scratch / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((scratch / "out" / "results.json").read_text())
    return {r["student"]: r for r in results["students"]} | {"": results}


def checks(record: dict, exercise: str) -> list[dict]:
    return [t for t in record["tests"] if t["exercise"] == exercise]


def earned(record: dict, exercise: str) -> float:
    return next(e["earned"] for e in record["exercises"] if e["id"] == exercise)


def test_a_hung_call_times_out_and_costs_only_that_test(graded):
    eve = graded["eve"]
    hung = checks(eve, "01_matrices.matmul_shape")
    assert hung and {t["status"] for t in hung} == {"timeout"}
    assert "within 2 s" in hung[0]["message"]
    for other in ("01_matrices.article_matrices", "01_matrices.elementwise_shape", "01_matrices.matmul"):
        assert {t["status"] for t in checks(eve, other)} == {"passed"}


def test_a_worker_that_dies_is_restarted_for_the_next_tests(graded):
    eve = graded["eve"]
    # every check that calls one_hot dies with the worker; the forbidden-call scan only reads source
    died = [t for t in checks(eve, "05_losses.one_hot") if "forbidden_call" not in t["test"]]
    assert died and {t["status"] for t in died} == {"error"}
    assert all("exited with code 3" in t["message"] for t in died), [t["message"] for t in died]
    assert earned(eve, "05_losses.cross_entropy") == 5 and earned(eve, "08_training.fit_iris") == 9
    assert eve["worker_restarts"] >= len(died)


def test_a_detached_process_a_worker_left_behind_does_not_outlive_the_grading(graded):
    assert "exited" not in "".join(t["message"] for t in checks(graded["eve"], "01_matrices.entry"))
    left = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARKER in (entry / "cmdline").read_bytes().decode(errors="replace"):
                left.append(entry.name)
        except OSError:
            continue
    assert left == []


def test_student_code_sees_neither_the_hidden_tests_nor_the_output_nor_the_network(graded):
    if not graded[""]["protections"]["bwrap"]:
        pytest.skip("bubblewrap is not available here")
    printed = "".join(t["output"] for t in checks(graded["eve"], "01_matrices.entry"))
    assert "SEEN" in printed
    seen = printed.split("SEEN", 1)[1].splitlines()[0]  # eve printed (name, found) pairs
    for name in (str(ROOT / "autograder"), str(ROOT / "solutions"), "network"):
        assert f"('{name}', False)" in seen
    assert "True" not in seen


def test_a_file_one_student_leaves_in_tmp_is_not_there_for_another(graded):
    if graded[""]["protections"]["worker_namespaces"] == "none":
        pytest.skip("workers have no private /tmp here")
    printed = "".join(t["output"] for t in checks(graded["fay"], "01_matrices.entry"))
    assert "EVE FILE False" in printed and "EVE FILE True" not in printed


def test_without_bubblewrap_the_grader_still_runs_and_says_what_is_off(tmp_path):
    class_dir = make_class(tmp_path / "class", {"fay": FAY})
    done = run_grade(class_dir, tmp_path / "out", env={"NNKIT_SANDBOX": "off"})
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["protections"]["bwrap"] is False
    assert any("no sandbox" in line for line in results["protections"]["off"])
    assert "NO sandbox" in done.stdout and "Not enforced" in done.stdout
    assert results["students"][0]["total"] == 100


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_the_sandbox_never_shows_the_hidden_tests_or_the_solutions():
    for root in bwrap.readable_roots():
        for hidden in bwrap.forbidden_roots():
            assert root != hidden and root not in hidden.parents and hidden not in root.parents
