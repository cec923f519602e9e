"""The student side's general primitives, through `Submission` as every check uses them.

A tensor still attached to the graph arrives attached. A call of an exercise id is watched for its
forbidden names while it runs (a class's construction is free, its instances' calls are watched)
and fails with kind "forbidden", naming the call and the line, wherever a check looks at it; a
notebook's cells count as the student's code. A result can be kept and read again after the
checks changed what it came from; a probe records whether a model ran with gradient tracking. A
call with a `cpu_limit` is measured in processor time after torch's start-up (torch's lazy imports
and time spent waiting are not charged) and stopped at its limit, and fit_iris's budget is honest:
a few hundred Adam steps fit, ten thousand never do.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from nnkit.course import layout
from nnkit.harness import expect
from nnkit.harness.failures import CheckFailure
from nnkit.submission.proxy import local_submission
from nnkit.testing.run import one_torch_thread

ROOT = layout.course_root()
X = torch.linspace(-2.0, 2.0, 12).reshape(3, 4)


def folder_with(tmp_path: Path, files: dict[str, str]) -> Path:
    for stem, source in files.items():
        (tmp_path / f"{stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return tmp_path


def failure(check, *args, **kwargs) -> CheckFailure:
    with pytest.raises(CheckFailure) as caught:
        check(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- the codec
def test_a_tensor_attached_to_the_graph_arrives_attached_and_a_plain_one_plain(tmp_path):
    student = local_submission(folder_with(tmp_path, {"08_training": """
        import torch
        def train(model, X, y, loss_fn, optimizer, steps):
            w = torch.ones(2, requires_grad=True)
            return [(w * 3).sum(), torch.tensor(2.0), torch.tensor([1, 2])]
        """}))
    attached, plain, integers = student.call("08_training.train", None, None, None, None, None, 0).value
    assert attached.requires_grad and not plain.requires_grad and not integers.requires_grad


# ---------------------------------------------------------------- forbidden calls reached at run time
EVASIONS = {"03_activations": """
    import torch
    def relu(X):
        return getattr(torch, "re" + "lu")(X)

    def sigmoid(X):
        return vars(torch)["sigmoid"](X)
    """}


def test_a_hidden_forbidden_call_fails_as_forbidden_naming_the_call_and_the_line(tmp_path):
    student = local_submission(folder_with(tmp_path, EVASIONS))
    out = student.call("03_activations.relu", X)
    assert [(r.name, r.file, r.line) for r in out.reached] == [("torch.relu", "03_activations.py", 4)]
    caught = failure(expect.tensor, out, X.clamp(min=0))
    assert caught.kind == "forbidden" and caught.named == "rule" and "this calls torch.relu" in caught.message
    assert 'line 4: return getattr(torch, "re" + "lu")(X)' in caught.message
    assert failure(expect.unchanged, student.call("03_activations.sigmoid", X)).kind == "forbidden"


def test_building_an_object_is_free_and_what_it_then_computes_is_watched(tmp_path):
    student = local_submission(folder_with(tmp_path, {"02_linear": """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class MyLinear(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                start = nn.Linear(in_features, out_features)
                self.weight = nn.Parameter(start.weight.detach().clone())
                self.bias = nn.Parameter(start.bias.detach().clone())

            def forward(self, X):
                return F.linear(X, self.weight, self.bias)

        def linear_forward(X, weight, bias):
            return X @ weight.T + bias
        """}))
    built = student.call("02_linear.MyLinear", 4, 2)
    assert built.reached == [] and built.ok
    forward = student.call(built.value, X)
    assert [(r.name, r.line) for r in forward.reached] == [("torch.nn.functional.linear", 14)]
    assert failure(expect.shaped, forward, (3, 2)).kind == "forbidden"
    assert student.call("02_linear.linear_forward", X, torch.ones(2, 4), torch.zeros(2)).reached == []


def test_nothing_is_watched_where_the_exercise_forbids_nothing(tmp_path):
    student = local_submission(folder_with(tmp_path, {"08_training": """
        import torch
        def fit_iris(X_train, y_train):
            torch.relu(X_train)
            torch.log_softmax(X_train, dim=1)
            return torch.nn.Linear(4, 3)
        """}))
    assert student.call("08_training.fit_iris", X, torch.tensor([0, 1, 2])).reached == []


def test_a_notebooks_cells_are_the_students_code_for_the_line_reported(tmp_path):
    cell = 'import torch\n\n\ndef relu(X):\n    return vars(torch)["relu"](X)\n'
    names: dict = {"__name__": "__main__"}
    exec(compile(cell, "/tmp/ipykernel_1/cell_7.py", "exec"), names)
    student = local_submission(tmp_path, provided={"03_activations": names})
    out = student.call("03_activations.relu", X)
    assert [(r.file, r.line) for r in out.reached] == [("cell_7.py", 5)]


# ---------------------------------------------------------------- a kept result, a probe
def test_a_kept_result_reads_again_as_it_is_now_on_the_student_side(tmp_path):
    student = local_submission(folder_with(tmp_path, {"07_gradient_descent": """
        import torch
        def gradients(model, X, y, loss_fn):
            model.zero_grad()
            loss_fn(model(X), y).backward()
            return [p.grad for p in model.parameters()]

        def sgd_step(model, lr):
            return [p.grad.detach().clone() for p in model.parameters()]
        """}))
    from nnkit.harness import standard
    from nnkit.wire.codec import Spec

    loss, classes = Spec("loss", {"name": "CrossEntropyLoss"}), torch.tensor([0, 1, 0])
    for function, changes in (("gradients", True), ("sgd_step", False)):
        _, twin = standard.twins(student, [standard.linear(4, 2)])
        student.call("07_gradient_descent.gradients", twin, X, classes, loss)  # the model now has gradients
        args = (twin, X, classes, loss) if function == "gradients" else (twin, 0.1)
        out = student.call(f"07_gradient_descent.{function}", *args, keep=True)
        student.call(twin, method="zero_grad", set_to_none=False)
        again = student.fetch(out.kept)
        assert any(not torch.equal(a, b) for a, b in zip(out.value, again)) is changes
        if changes:
            caught = failure(expect.stays, out, again, "model.zero_grad()", "Return copies.")
            assert caught.named == "diagnosis" and "it changed after model.zero_grad()" in caught.message
        else:
            expect.stays(out, again, "model.zero_grad()", "Return copies.")


def test_a_probe_records_whether_the_model_ran_with_gradient_tracking(tmp_path):
    student = local_submission(folder_with(tmp_path, {"08_training": """
        import torch
        def accuracy(model, X, y):
            with torch.no_grad():
                right = (model(X).argmax(dim=1) == y).float().mean()
            return float(right * 100) + 0 * model(X).sum().item()
        """}))
    from nnkit.harness import standard

    _, twin = standard.twins(student, [standard.linear(4, 3)])
    probe = student.build("probe", model=twin)
    assert student.describe(probe)["module"] and not student.describe(probe)["standard"]
    out = student.call("08_training.accuracy", probe, X, torch.tensor([0, 1, 2]))
    assert student.fetch(probe, "grad_enabled") == [False, True]
    caught = failure(expect.untracked, out, student.fetch(probe, "grad_enabled"))
    assert "1 of 2 forward passes ran with gradient tracking on" in caught.message
    expect.untracked(out, [False])


# ---------------------------------------------------------------- processor time
TIMED = {"08_training": """
    import time
    import torch
    def busy(seconds):
        while True:
            pass

    def sleepy(seconds):
        time.sleep(seconds)
        return seconds

    def fit(steps, width):
        X, y = torch.linspace(-2.0, 2.0, 400).reshape(100, 4), torch.arange(100) % 3
        model = torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.ReLU(), torch.nn.Linear(width, 3))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(steps):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(X), y).backward()
            optimizer.step()
        return model
    """}


def test_a_call_is_stopped_when_it_uses_up_its_processor_time(tmp_path):
    student = local_submission(folder_with(tmp_path, TIMED))
    limit = 0.3
    out = student.call("08_training.busy", 0, cpu_limit=limit)
    assert out.stopped and limit <= out.cpu_seconds < 3 * limit, (out.stopped, out.cpu_seconds, out.error)
    caught = failure(expect.result, out)
    assert caught.kind == "timeout" and "used up its limit of 0.30 s of processor time" in caught.message


def test_time_spent_waiting_is_not_charged(tmp_path):
    student = local_submission(folder_with(tmp_path, TIMED))
    limit, asleep = 0.2, 0.5
    out = student.call("08_training.sleepy", asleep, cpu_limit=limit)
    assert out.value == asleep and not out.stopped, (out.stopped, out.cpu_seconds)
    assert out.cpu_seconds < limit / 2, "half a second asleep is charged as processor time"
    assert expect.within(out, 0.1) == out.cpu_seconds


def test_torchs_lazy_imports_are_paid_before_the_clock_starts(tmp_path):
    """In a fresh process the first Adam step imports torch._dynamo (seconds of processor time);
    the same step, measured as a call with a limit, costs what the step itself costs."""
    folder = folder_with(tmp_path, TIMED)
    script = textwrap.dedent(f"""
        import sys, time, torch
        if sys.argv[1] == "raw":
            started = time.process_time()
            model = torch.nn.Linear(4, 3)
            torch.optim.Adam(model.parameters()).step()
            print(time.process_time() - started)
        else:
            from nnkit.submission.proxy import local_submission
            out = local_submission({str(folder)!r}).call("08_training.fit", 1, 4, cpu_limit=1.0)
            print(out.cpu_seconds)
        """)
    runs = [subprocess.run([sys.executable, "-c", script, kind], capture_output=True, text=True, check=True,
                           timeout=300) for kind in ("raw", "call")]
    raw, measured = (float(run.stdout) for run in runs)
    assert 5 * measured < raw, (raw, measured)


def test_fit_iriss_budget_lets_a_few_hundred_adam_steps_fit_and_never_ten_thousand(tmp_path):
    from exercises.test_08_training import fit_budget

    student = local_submission(folder_with(tmp_path, TIMED))
    budget = fit_budget()
    with one_torch_thread():  # as every run of checks calls student code
        few_hundred = student.call("08_training.fit", 500, 64, cpu_limit=2 * budget)
        ten_thousand = student.call("08_training.fit", 10_000, 16, cpu_limit=2 * budget)
    assert expect.within(few_hundred, budget) < budget / 2
    assert ten_thousand.stopped
    assert failure(expect.within, ten_thousand, budget).kind == "timeout"
