"""The public checks (exercises/test_*.py): who passes them, and what they tell a learner.

Solutions and a stranger's correct implementation (tests/submissions/stranger, written from the
contract alone) pass every check; every stub fails every check as "not started"; known mistakes,
planted in a copy of the solutions, get messages that name them.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import textwrap
import warnings
from pathlib import Path

import pytest
import torch

from nnkit.course import catalog, layout
from nnkit.student.public_checks import run_checks
from nnkit.testing.verdict import Verdict

ROOT = layout.course_root()
SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "exercises"
STRANGER = Path(__file__).resolve().parent / "submissions" / "stranger"
CHECKS_PER_EXERCISE = 2


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Run the checks on one torch thread, as workers do: tiny tensors gain nothing from more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def results(folder: Path, selector: str | None = None) -> list[Verdict]:
    verdicts, problems = run_checks([e.id for e in catalog.select(selector)], folder)
    assert not problems, problems
    return verdicts


def failures(found: list[Verdict]) -> str:
    return "\n\n".join(f"{r.test}\n{r.message}" for r in found if not r.passed)


def with_body(tmp_path: Path, exercise_id: str, body: str) -> Path:
    """A copy of the solutions where one function's solution region is replaced by `body`."""
    stem, name = exercise_id.split(".")
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / f"{stem}.py"
    source = target.read_text()
    start = source.index(f"def {name}(")
    region = re.compile(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION\n", re.DOTALL)
    match = region.search(source, start)
    indent = match.group(1)
    lines = "".join(f"{indent}{line}\n" for line in textwrap.dedent(body).strip().splitlines())
    target.write_text(source[:match.start()] + lines + source[match.end():])
    return tmp_path


def first_failure(folder: Path, exercise_id: str, check: str = "") -> Verdict:
    """The first failing check of the exercise (whose name contains `check`, if given)."""
    found = [r for r in results(folder, exercise_id) if not r.passed and check in r.test]
    assert found, f"a broken {exercise_id} passed every check{f' named *{check}*' if check else ''}"
    return found[0]


@pytest.fixture(scope="module")
def solution_results() -> list[Verdict]:
    return results(SOLUTIONS)


def test_every_solution_passes_its_public_checks(solution_results):
    assert solution_results and all(r.passed for r in solution_results), failures(solution_results)


def test_every_stub_fails_every_check_as_not_started():
    found = results(STUBS)
    assert found
    wrong = [r for r in found if r.passed or r.kind != "not_started"]
    assert not wrong, "\n".join(f"{r.test}: passed={r.passed} kind={r.kind}\n{r.message}" for r in wrong)


def test_a_strangers_correct_implementation_passes_every_public_check():
    found = results(STRANGER)
    assert found and all(r.passed for r in found), failures(found)


def exercise_marks() -> dict[str, list[str]]:
    """The exercise ids each public check is marked with, read from the check modules."""
    found = {}
    for path in sorted(STUBS.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"public_checks_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        with warnings.catch_warnings():  # this session does not know the `exercise` marker
            warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
            spec.loader.exec_module(module)
        for name, check in vars(module).items():
            if name.startswith("test_") and callable(check):
                found[f"{path.name}::{name}"] = [mark.args[0] for mark in getattr(check, "pytestmark", [])
                                                 if mark.name == "exercise"]
    return found


def test_every_check_is_marked_with_exactly_one_exercise_id():
    known = {exercise.id for exercise in catalog.exercises()}
    marks = exercise_marks()
    assert marks
    wrong = {check: ids for check, ids in marks.items() if len(ids) != 1 or ids[0] not in known}
    assert not wrong, wrong


def test_every_exercise_id_has_public_checks(solution_results):
    counts = {exercise.id: 0 for exercise in catalog.exercises()}
    for result in solution_results:
        assert result.exercise in counts, f"{result.nodeid} is marked with an unknown id {result.exercise}"
        counts[result.exercise] += 1
    few = {exercise_id: n for exercise_id, n in counts.items() if n < CHECKS_PER_EXERCISE}
    assert not few, f"exercises with fewer than {CHECKS_PER_EXERCISE} public checks: {few}"


def test_a_stub_is_reported_as_not_started_naming_its_file_and_function():
    failure = first_failure(STUBS, "05_losses.mse")
    assert failure.kind == "not_started"
    assert "05_losses.py" in failure.message and "`mse`" in failure.message


# A mistake planted in one function: (exercise id, its new body, a part of the failing check's
# name or "" for the first failure, what the message must say).
MISTAKES = {
    "mse that sums": ("05_losses.mse", "return ((y_hat - y) ** 2).sum()", "",
                      "sum of the squares, not their mean"),
    "softmax over dim 0": ("03_activations.softmax", """
        e = torch.exp(X - X.max())
        return e / e.sum(dim=0, keepdim=True)
        """, "", "softmax over dim 0"),
    "linear without bias": ("02_linear.linear_forward", "return X @ weight.T", "", "bias is missing"),
    "accuracy as a fraction": ("06_metrics.binary_accuracy",
                               "return float((y_hat.round() == y).float().mean())", "",
                               "multiply by 100 for percent"),
    "unstable sigmoid": ("03_activations.sigmoid", "return X.exp() / (1 + X.exp())", "",
                         "is the formula numerically stable?"),
    "unstable cross-entropy": ("05_losses.cross_entropy", """
        p = logits.exp() / logits.exp().sum(dim=1, keepdim=True)
        return -p[torch.arange(len(target)), target].log().mean()
        """, "", "is the formula numerically stable?"),
    "relu in place": ("03_activations.relu", "return X.clamp_(min=0)", "does_not_modify",
                      "modified its input in place"),
    "matmul without ValueError": ("01_matrices.matmul", "return (A[:, :, None] * B[None, :, :]).sum(dim=1)",
                                  "", "expected: ValueError"),
    "gradients that accumulate": ("07_gradient_descent.gradients", """
        loss_fn(model(X), y).backward()
        return [p.grad.detach().clone() for p in model.parameters()]
        """, "", "twice the gradient"),
    "sgd_step that rebinds": ("07_gradient_descent.sgd_step", """
        for p in model.parameters():
            p = p - lr * p.grad
        """, "", "the parameters did not change"),
    "descend without w0": ("07_gradient_descent.descend", """
        path = [w0]
        for _ in range(steps):
            path.append(path[-1] - alpha * df(path[-1]))
        return path[1:]
        """, "", "w0 is missing"),
    "train that never clears": ("08_training.train", """
        losses = []
        for _ in range(steps):
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses
        """, "", "optimizer.zero_grad() every step"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_known_mistake_gets_a_message_naming_it(tmp_path, mistake):
    exercise_id, body, check, text = MISTAKES[mistake]
    failure = first_failure(with_body(tmp_path, exercise_id, body), exercise_id, check)
    assert f"Called {exercise_id}(" in failure.message
    assert text in failure.message, failure.message
