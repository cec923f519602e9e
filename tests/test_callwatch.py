"""nnkit/callwatch.py: the forbidden calls a function reaches while it runs, however written.

The issue's four evasions of the source scan (getattr, vars, eval, torch.ops.aten) and a module
called inside a forward are each caught with the catalog's name and the student's line; so are
the plainer spellings and a call in a same-file helper. Honest code is never flagged: every
reference solution and every alternative submission of tests/submissions/, on every exercise
that has forbidden calls, runs silent under the watch and gives the same answer as without it;
so do a forbidden operator used by torch's own code under an allowed call, nn.Linear's own
initialisation in MyLinear.__init__ (the forward is what is watched), and `@` in linear_forward.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from nnkit.course import catalog, layout
from nnkit.submission import callwatch
from nnkit.submission.callwatch import CallWatch, Reached
from nnkit.submission.executor import Executor

ROOT = layout.course_root()
HONEST = [ROOT / "solutions", *sorted(p for p in (ROOT / "tests" / "submissions").iterdir() if p.is_dir())]


def rules(exercise_id: str) -> tuple[str, ...]:
    return catalog.by_id(exercise_id).forbidden


def submission(tmp_path: Path, files: dict[str, str]) -> Executor:
    for stem, source in files.items():
        (tmp_path / f"{stem}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return Executor(tmp_path.resolve())


def line_of(folder: Path, stem: str, text: str) -> int:
    lines = (folder / f"{stem}.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def watched(exercise_id: str, folder: Path, function, *args, **kwargs) -> tuple[object, CallWatch]:
    with CallWatch(rules(exercise_id), folder) as watch:
        value = function(*args, **kwargs)
    assert watch.error is None
    return value, watch


def found(watch: CallWatch) -> list[tuple[str, str, int]]:
    return [(r.name, r.file, r.line) for r in watch.found]


X = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
LOGITS = torch.randn(6, 3, generator=torch.Generator().manual_seed(1))
TARGET = torch.tensor([0, 2, 1, 1, 0, 2])


# ---------------------------------------------------------------- the evasions
EVASIONS = {
    "03_activations": """
        import torch

        def relu(X):
            return getattr(torch, "re" + "lu")(X)  # evasion

        def sigmoid(X):
            return vars(torch)["sigmoid"](X)  # evasion

        def softmax(X, dim=-1):
            e = torch.exp(X - X.amax(dim=dim, keepdim=True))
            return e / e.sum(dim=dim, keepdim=True)
    """,
    "05_losses": """
        import torch
        import torch.nn.functional as F

        def mse(y_hat, y):
            return eval("F.mse_loss")(y_hat, y)  # evasion

        def cross_entropy(logits, target):
            logp = torch.ops.aten._log_softmax(logits, 1, False)  # evasion
            return -logp[torch.arange(len(target)), target].mean()

        def bce(y_hat, y):
            return eval("F.binary_cross_entropy(y_hat, y)")  # evasion

        def one_hot(target, num_classes):
            return pick(target, num_classes).float()

        def pick(target, num_classes):
            return F.one_hot(target, num_classes)  # evasion
    """,
    "02_linear": """
        import torch
        from torch import nn

        class MyLinear(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.inner = nn.Linear(in_features, out_features)

            def forward(self, X):
                return self.inner(X)  # evasion
    """,
}
CAUGHT = [  # (exercise id, arguments, forbidden name, file)
    ("03_activations.relu", (X,), "torch.relu", "03_activations"),
    ("03_activations.sigmoid", (X,), "torch.sigmoid", "03_activations"),
    ("05_losses.mse", (X, X.flip(0)), "torch.nn.functional.mse_loss", "05_losses"),
    ("05_losses.cross_entropy", (LOGITS, TARGET), "torch.log_softmax", "05_losses"),
    ("05_losses.bce", (X.sigmoid(), (X > 0).float()), "torch.nn.functional.binary_cross_entropy",
     "05_losses"),
    ("05_losses.one_hot", (TARGET, 3), "torch.nn.functional.one_hot", "05_losses"),
]


@pytest.mark.parametrize("exercise_id, args, name, stem", CAUGHT, ids=[c[0].split(".")[1] for c in CAUGHT])
def test_each_evasion_is_caught_with_the_catalogs_name_and_the_students_line(
        tmp_path, exercise_id, args, name, stem):
    executor = submission(tmp_path, EVASIONS)
    function = getattr(executor.load(stem), exercise_id.split(".")[1])
    source = textwrap.dedent(EVASIONS[stem]).splitlines()
    start = next(i for i, line in enumerate(source) if line.startswith(f"def {function.__name__}("))
    # the first "# evasion" line after the def (one_hot's is in pick)
    evasion = next(i for i, line in enumerate(source) if i > start and "# evasion" in line)
    _, watch = watched(exercise_id, tmp_path, function, *args)
    assert found(watch) == [(name, f"{stem}.py", evasion + 1)]
    assert "# evasion" in watch.found[0].code


def test_an_aten_operator_is_named_as_the_call_it_implements(tmp_path):
    executor = submission(tmp_path, EVASIONS)
    _, watch = watched("05_losses.cross_entropy", tmp_path, executor.load("05_losses").cross_entropy,
                       LOGITS, TARGET)
    assert watch.found[0].called == "torch.ops.aten._log_softmax"


def test_an_nn_linear_called_inside_my_linear_forward_is_caught_but_not_its_construction(tmp_path):
    executor = submission(tmp_path, EVASIONS)
    MyLinear = executor.load("02_linear").MyLinear
    layer = MyLinear(4, 3)  # built outside the watch: nn.Linear's own initialisation is allowed
    _, watch = watched("02_linear.MyLinear", tmp_path, layer, X)
    line = line_of(tmp_path, "02_linear", "self.inner(X)")
    assert found(watch) == [("torch.nn.Linear", "02_linear.py", line)]
    assert watch.found[0].called == "torch.nn.Linear.forward"


PLAIN = """
    import operator
    import torch
    import torch.nn.functional as F

    def entry(A, B, i, j):
        return float(A[i] @ B[:, j])

    def matmul(A, B):
        return product(A, B)

    def product(A, B):
        return torch.linalg.matmul(A, B)

    def method(A, B):
        return A.matmul(B)

    def through_operator(A, B):
        return operator.matmul(A, B)

    def aten_mm(A, B):
        return torch.ops.aten.mm(A, B)

    def hidden_relu(X):
        with torch._C.DisableTorchFunction():
            return torch.relu(X)

    def python_sigmoid(X):
        return F.sigmoid(X)

    def softmax_layer(X, dim=-1):
        return torch.nn.Softmax(dim=dim)(X)

    def cross_entropy_layer(logits, target):
        return torch.nn.CrossEntropyLoss()(logits, target)

    def sgd_step(model, lr):
        torch.optim.SGD(model.parameters(), lr=lr).step()

    def aten_linear(X, weight, bias):
        return torch.ops.aten.linear(X, weight, bias)
"""


@pytest.mark.parametrize("function, rules_of, args, name, text", [
    ("entry", "01_matrices.entry", (X, X.T, 1, 2), "@", "A[i] @ B[:, j]"),
    ("matmul", "01_matrices.matmul", (X, X.T), "torch.matmul", "torch.linalg.matmul"),
    ("method", "01_matrices.matmul", (X, X.T), "Tensor.matmul", "A.matmul(B)"),
    ("through_operator", "01_matrices.matmul", (X, X.T), "Tensor.matmul", "operator.matmul"),
    ("aten_mm", "01_matrices.matmul", (X, X.T), "torch.mm", "torch.ops.aten.mm"),
    ("hidden_relu", "03_activations.relu", (X,), "torch.relu", "return torch.relu(X)"),
    ("python_sigmoid", "03_activations.sigmoid", (X,), "torch.nn.functional.sigmoid", "F.sigmoid(X)"),
    ("softmax_layer", "03_activations.softmax", (X,), "torch.nn.Softmax", "torch.nn.Softmax("),
    ("cross_entropy_layer", "05_losses.cross_entropy", (LOGITS, TARGET), "torch.nn.CrossEntropyLoss",
     "CrossEntropyLoss()("),
    ("aten_linear", "02_linear.linear_forward", (X, torch.ones(3, 4), torch.zeros(3)),
     "torch.nn.functional.linear", "torch.ops.aten.linear"),
])
def test_plain_and_hidden_spellings_are_caught_at_the_line_that_reached_them(
        tmp_path, function, rules_of, args, name, text):
    executor = submission(tmp_path, {"01_matrices": PLAIN})
    _, watch = watched(rules_of, tmp_path, getattr(executor.load("01_matrices"), function), *args)
    assert found(watch) == [(name, "01_matrices.py", line_of(tmp_path, "01_matrices", text))]


def test_torch_optim_inside_sgd_step_is_caught_as_the_module(tmp_path):
    executor = submission(tmp_path, {"07_gradient_descent": PLAIN})
    model = model_with_gradients()
    sgd_step = executor.load("07_gradient_descent").sgd_step
    _, watch = watched("07_gradient_descent.sgd_step", tmp_path, sgd_step, model, 0.1)
    assert found(watch) == [("torch.optim", "07_gradient_descent.py",
                             line_of(tmp_path, "07_gradient_descent", "torch.optim.SGD"))]
    assert watch.found[0].called.startswith("torch.optim.")


def test_a_function_that_is_torchs_own_is_caught_without_a_line(tmp_path):
    executor = submission(tmp_path, {"03_activations": "import torch\n\nrelu = torch.relu\n"})
    _, watch = watched("03_activations.relu", tmp_path, executor.load("03_activations").relu, X)
    assert found(watch) == [("torch.relu", "", 0)]


def test_each_call_and_line_is_reported_once(tmp_path):
    executor = submission(tmp_path, {"03_activations": """
        import torch

        def relu(X):
            return sum(torch.relu(row) for row in X)
    """})
    _, watch = watched("03_activations.relu", tmp_path, executor.load("03_activations").relu, X)
    assert len(watch.found) == 1


# ---------------------------------------------------------------- honest code
def model_with_gradients(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    nn.functional.cross_entropy(model(X), TARGET[:5] % 2).backward()
    return model


BIG = torch.tensor([[1000.0, 0.0, -2.0], [3.0, -1000.0, 0.5]])
CALLS = {  # every exercise with forbidden calls, on the inputs of its checks (an error path included)
    "01_matrices.entry": [(X, X.T, 1, 3)],
    "01_matrices.matmul": [(X, X.T), (X, X)],
    "02_linear.linear_forward": [(X, torch.randn(3, 4), torch.randn(3))],
    "02_linear.MyLinear": [(X,)],
    "03_activations.relu": [(X,)],
    "03_activations.sigmoid": [(X,), (BIG,)],
    "03_activations.softmax": [(X,), (X, 0), (BIG, -1)],
    "05_losses.mse": [(X, X.flip(0))],
    "05_losses.bce": [(X.sigmoid(), (X > 0).float())],
    "05_losses.cross_entropy": [(LOGITS, TARGET), (BIG, torch.tensor([1, 0]))],
    "05_losses.one_hot": [(TARGET, 3)],
    "07_gradient_descent.sgd_step": [(model_with_gradients, 0.1)],
}


def test_the_honest_cases_cover_every_exercise_with_forbidden_calls():
    assert set(CALLS) == {e.id for e in catalog.exercises() if e.forbidden}


def run(function, args: tuple):
    """The function's answer on fresh copies of the inputs (a model is built anew), or its error."""
    args = tuple(arg() if callable(arg) else arg.clone() if isinstance(arg, torch.Tensor) else arg
                 for arg in args)
    try:
        value = function(*args)
    except ValueError as error:
        return ("ValueError", str(error)), args
    return value, args


@pytest.mark.parametrize("folder", HONEST, ids=[p.name for p in HONEST])
@pytest.mark.parametrize("exercise_id", sorted(CALLS))
def test_honest_code_is_never_flagged_and_answers_as_unwatched(folder, exercise_id):
    executor = Executor(folder)
    stem, name = exercise_id.split(".")
    function = getattr(executor.load(stem), name)
    if name == "MyLinear":
        torch.manual_seed(0)
        function = function(4, 3)  # constructed outside the watch; its forward is what is watched
    for args in CALLS[exercise_id]:
        plain, plain_args = run(function, args)
        with CallWatch(rules(exercise_id), folder) as watch:
            value, watched_args = run(function, args)
        assert watch.found == [] and watch.error is None, (folder.name, exercise_id, watch.found)
        assert same(value, plain) and same(watched_args, plain_args), (folder.name, exercise_id)


def same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, nn.Module):
        return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def test_a_result_computed_under_the_watch_backpropagates_as_without_it():
    layer = Executor(ROOT / "solutions").load("02_linear").MyLinear(4, 3)
    inputs = [X.clone().requires_grad_(True) for _ in range(2)]
    layer(inputs[0]).sum().backward()
    plain = [inputs[0].grad, layer.weight.grad.clone(), layer.bias.grad.clone()]
    layer.zero_grad()
    with CallWatch(rules("02_linear.MyLinear"), ROOT / "solutions"):
        out = layer(inputs[1])
    out.sum().backward()
    assert same([inputs[1].grad, layer.weight.grad, layer.bias.grad], plain)


def test_at_in_linear_forward_is_allowed_and_the_same_code_is_caught_in_matmul(tmp_path):
    executor = submission(tmp_path, {"02_linear": "def linear_forward(X, weight, bias):\n"
                                                  "    return X @ weight.T + bias\n"})
    function = executor.load("02_linear").linear_forward
    inputs = (X, torch.ones(3, 4), torch.zeros(3))
    assert watched("02_linear.linear_forward", tmp_path, function, *inputs)[1].found == []
    assert found(watched("01_matrices.matmul", tmp_path, function, *inputs)[1]) == [("@", "02_linear.py", 2)]


class Recorder(TorchFunctionMode):
    """Records every torch function the Python level calls (to show that a case does reach one)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.seen.append(func)
        return func(*args, **(kwargs or {}))


def test_a_forbidden_call_inside_torchs_own_code_under_an_allowed_call_is_not_flagged(tmp_path):
    executor = submission(tmp_path, {"01_matrices": """
        import torch

        def matmul(A, B):
            torch.manual_seed(0)
            noise = torch.distributions.MultivariateNormal(torch.zeros(3), scale_tril=torch.eye(3)).rsample()
            return (A[:, :, None] * B[None, :, :]).sum(dim=1) + 0 * noise.sum()
    """})
    function = executor.load("01_matrices").matmul
    with Recorder() as recorder:
        function(X, X.T)
    assert torch.matmul in recorder.seen  # the distribution's own code multiplies with torch.matmul
    assert watched("01_matrices.matmul", tmp_path, function, X, X.T)[1].found == []


def test_a_layer_that_runs_nn_linear_inside_torchs_code_is_allowed_in_my_linear_forward(tmp_path):
    executor = submission(tmp_path, {"02_linear": """
        import torch
        from torch import nn

        class MyLinear(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(out_features, in_features))
                self.bias = nn.Parameter(torch.zeros(out_features))
                self.mixer = nn.TransformerEncoderLayer(in_features, 1, 8, dropout=0.0)

            def forward(self, X):
                return (X[:, None, :] * self.weight).sum(-1) + self.bias + 0 * self.mixer(X[None]).sum()
    """})
    layer = executor.load("02_linear").MyLinear(4, 3)
    ran = []
    layer.mixer.linear1.register_forward_hook(lambda *_: ran.append("nn.Linear"))
    assert watched("02_linear.MyLinear", tmp_path, layer, X)[1].found == []
    assert ran == ["nn.Linear"]  # the encoder layer did call an nn.Linear, inside torch's own code


def test_nn_linear_initialisation_in_init_is_silent_when_forward_is_watched_and_caught_if_built_watched(
        tmp_path):
    executor = submission(tmp_path, {"02_linear": """
        import torch
        from torch import nn

        class MyLinear(nn.Module):
            def __init__(self, in_features, out_features):
                super().__init__()
                start = nn.Linear(in_features, out_features)
                self.weight = nn.Parameter(start.weight.detach().clone())
                self.bias = nn.Parameter(start.bias.detach().clone())

            def forward(self, X):
                return X @ self.weight.T + self.bias
    """})
    MyLinear = executor.load("02_linear").MyLinear
    assert watched("02_linear.MyLinear", tmp_path, MyLinear(4, 3), X)[1].found == []
    built = watched("02_linear.MyLinear", tmp_path, MyLinear, 4, 3)[1]
    assert [r.name for r in built.found] == ["torch.nn.Linear"]  # so the check watches forward only


def test_no_forbidden_names_watch_nothing_at_all():
    with CallWatch((), ROOT) as watch:
        assert torch._C._len_torch_function_stack() == 0
        torch.nn.functional.linear(X, torch.ones(2, 4))
    assert watch.found == []


def test_the_watch_lets_the_students_error_through_and_leaves_torch_as_it_was(tmp_path):
    executor = submission(tmp_path, {"01_matrices": "def matmul(A, B):\n    raise KeyError('mine')\n"})
    before = torch._C._len_torch_function_stack()
    with pytest.raises(KeyError, match="mine"), CallWatch(rules("01_matrices.matmul"), tmp_path):
        executor.load("01_matrices").matmul(X, X)
    assert torch._C._len_torch_function_stack() == before


def test_a_reached_call_crosses_as_plain_data_and_reads_as_a_message():
    reached = Reached("torch.log_softmax", "torch.ops.aten._log_softmax", "05_losses.py", 12,
                      "logp = torch.ops.aten._log_softmax(logits, 1, False)")
    assert Reached.from_dict(reached.as_dict()) == reached
    other = Reached("@", "@", "05_losses.py", 14, "a @ b")
    text = callwatch.describe("05_losses.cross_entropy", [reached, other])
    assert "05_losses.py, line 12: logp = torch.ops.aten._log_softmax" in text
    assert "torch.ops.aten._log_softmax: nothing from torch.log_softmax is allowed here" in text
    assert "line 14: a @ b" in text and "the @ operator" in text
    assert "05_losses.cross_entropy earns no points" in text
