"""Known mistakes, computed: what each wrong answer of `nnkit/mistakes.toml` gives on given inputs.

`for_call("05_losses.mse", y_hat, y)` returns `{message: the value that mistake returns}` for
the catalogue's mistakes of that exercise, computed here with torch on the same inputs as the
call being checked; pass it as `mistakes=` to an `expect.*` check, which names the one that
matches the student's answer. A mistake that does not apply to these inputs (its formula needs
other shapes) gives NA and is left out; None is a value like any other (a shape function's).
Variants get the checks' side of each argument: a torch model where the student side has a twin,
a Python function for a derivative.

The messages (data) live in mistakes.toml beside info.toml; the formulas live here, one small
function per (exercise id, name), registered with `@variant`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from nnkit.harness.standard import (
    RELU,
    SIGMOID,
    iris,
    linear,
    loss_gradients,
    percent,
    softmax,
    training,
)
from nnkit.tomlcompat import tomllib

CATALOGUE = Path(__file__).resolve().parents[1] / "mistakes.toml"
_VARIANTS: dict[tuple[str, str], tuple[Callable[..., Any], str | None]] = {}
NA = type("NotApplicable", (), {"__repr__": lambda self: "NA"})()  # a mistake these inputs cannot show


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """exercise id → {mistake name: message}, in the file's order."""
    with CATALOGUE.open("rb") as handle:
        return {key: dict(value) for key, value in tomllib.load(handle).items()}


def message(exercise_id: str, name: str) -> str:
    return catalogue()[exercise_id][name]


def variant(exercise_id: str, *names: str):
    """Register the formula of the named mistakes; a formula of several names returns a dict
    {name: value}."""
    def register(function):
        for name in names:
            _VARIANTS[(exercise_id, name)] = (function, name if len(names) > 1 else None)
        return function
    return register


def for_call(exercise_id: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """{message: wrong value} for every catalogued mistake of `exercise_id` that applies here."""
    found, computed = {}, {}
    for name, text in catalogue().get(exercise_id, {}).items():
        if (exercise_id, name) not in _VARIANTS:
            continue
        formula, key = _VARIANTS[(exercise_id, name)]
        if formula not in computed:
            try:
                computed[formula] = formula(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the mistake needs inputs of other shapes
                computed[formula] = NA
        value = computed[formula] if key is None or computed[formula] is NA else computed[formula][key]
        if value is not NA:
            found[text] = value
    return found


def item(mistakes, index: int | str):
    """The mistakes of one item of a result (a tuple's item, a list's entry, a state's tensor);
    lazy (a function) when `mistakes` is."""
    if callable(mistakes):
        return lambda: item(mistakes(), index)
    return {text: value[index] for text, value in mistakes.items()}


def lazy(exercise_id: str, *args: Any, **kwargs: Any) -> Callable[[], dict[str, Any]]:
    """`for_call`, computed only if a check needs it (when the answer is wrong)."""
    return lambda: for_call(exercise_id, *args, **kwargs)


def missing() -> list[tuple[str, str]]:
    """Catalogued mistakes without a formula here (kept empty by the kit's tests)."""
    return [(i, n) for i, names in catalogue().items() for n in names if (i, n) not in _VARIANTS]


# ---------------------------------------------------------------- 01_matrices
ARTICLE_X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
ARTICLE_W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])


@variant("01_matrices.article_matrices", "w_transposed", "swapped")
def _article_matrices():
    return {"w_transposed": (ARTICLE_X, ARTICLE_W.T), "swapped": (ARTICLE_W, ARTICLE_X)}


@variant("01_matrices.matmul_shape", "inner", "wrong_pair", "reversed")
def _matmul_shape(a, b):
    (n, k), (k2, m) = a, b
    return {"inner": (k, k2) if k == k2 else None, "wrong_pair": (n, m) if n == m else None,
            "reversed": (k2, k) if m == n else None}


@variant("01_matrices.elementwise_shape", "no_broadcast", "one_sided", "never_none")
def _elementwise_shape(a, b):
    pairs = list(zip(a, b))
    one_sided = [x if x == y or y == 1 else None for x, y in pairs]
    return {"no_broadcast": tuple(a) if tuple(a) == tuple(b) else None,
            "one_sided": None if None in one_sided else tuple(one_sided),
            "never_none": tuple(max(x, y) for x, y in pairs)}


@variant("01_matrices.entry", "swapped")
def _entry_swapped(A, B, i, j):
    return float((A @ B)[j, i])


@variant("01_matrices.entry", "row_of_B")
def _entry_row_of_B(A, B, i, j):
    return float((A[i, :] * B[j, :]).sum())


@variant("01_matrices.entry", "column_of_A")
def _entry_column_of_A(A, B, i, j):
    return float((A[:, i] * B[:, j]).sum())


@variant("01_matrices.matmul", "transposed")
def _matmul_transposed(A, B):
    return (A @ B).T


@variant("01_matrices.matmul", "reversed")
def _matmul_reversed(A, B):
    return B @ A


@variant("01_matrices.matmul", "elementwise")
def _matmul_elementwise(A, B):
    return A * B if A.shape == B.shape else NA


# ---------------------------------------------------------------- 02_linear
@variant("02_linear.make_linear", "swapped", "no_bias")
def _make_linear(in_features, out_features):
    return {"swapped": linear(out_features, in_features),
            "no_bias": {**linear(in_features, out_features), "bias": False}}


def _linear_variants(X, weight, bias):
    return {"no_bias": X @ weight.T, "no_transpose": X @ weight + bias if weight.shape[0] == weight.shape[1]
            else NA, "bias_subtracted": X @ weight.T - bias}


for _exercise in ("02_linear.linear_forward", "02_linear.MyLinear"):  # MyLinear: (X, weight, bias)
    variant(_exercise, "no_bias", "no_transpose", "bias_subtracted")(_linear_variants)


@variant("02_linear.collapse", "reversed")
def _collapse_reversed(weights):
    return functools.reduce(torch.matmul, weights[::-1]) if len(weights) > 1 else NA


@variant("02_linear.collapse", "elementwise")
def _collapse_elementwise(weights):
    return math.prod(weights[1:], start=weights[0]) if len(weights) > 1 else NA


@variant("02_linear.collapse", "first_only")
def _collapse_first_only(weights):
    return weights[0] if len(weights) > 1 else NA


@variant("02_linear.collapse", "last_pair")
def _collapse_last_pair(weights):
    return weights[-2] @ weights[-1] if len(weights) > 2 else NA


# ---------------------------------------------------------------- 03_activations
@variant("03_activations.relu", "negated")
def _relu_negated(X):
    return X.clamp(max=0)


@variant("03_activations.relu", "abs")
def _relu_abs(X):
    return X.abs()


@variant("03_activations.sigmoid", "sign")
def _sigmoid_sign(X):
    return torch.sigmoid(-X)


@variant("03_activations.sigmoid", "tanh")
def _sigmoid_tanh(X):
    return torch.tanh(X)


@variant("03_activations.sigmoid", "no_one")
def _sigmoid_no_one(X):
    return torch.exp(X)


def _dim(X, dim):
    return dim % X.dim() if X.dim() else 0


@variant("03_activations.softmax", "dim0")
def _softmax_dim0(X, dim=-1):
    return torch.softmax(X, dim=0) if _dim(X, dim) != 0 else NA


@variant("03_activations.softmax", "last")
def _softmax_last(X, dim=-1):
    return torch.softmax(X, dim=-1) if _dim(X, dim) != X.dim() - 1 else NA


@variant("03_activations.softmax", "whole")
def _softmax_whole(X, dim=-1):
    return torch.softmax(X.reshape(-1), dim=0).reshape(X.shape)


@variant("03_activations.softmax", "no_exp")
def _softmax_no_exp(X, dim=-1):
    return X / X.sum(dim=dim, keepdim=True)


# ---------------------------------------------------------------- 04_models
def _stack(sizes: list[int], last: list[dict] | None = None, hidden: dict | None = RELU) -> list[dict]:
    layers: list[dict] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [linear(n_in, n_out)] + ([hidden] if hidden else [])
    return (layers[:-1] if hidden else layers) + (last or [])


SCHEMAS = {"04_models.article_model": [3, 10, 20, 1], "04_models.schema_a": [8, 32, 16, 1],
           "04_models.schema_b": [6, 12, 1], "04_models.schema_c": [20, 64, 32, 5]}


for _exercise in ("04_models.article_model", "04_models.schema_a"):
    variant(_exercise, "no_activations", "final_relu", "final_sigmoid")(
        lambda _sizes=SCHEMAS[_exercise]: {"no_activations": _stack(_sizes, hidden=None),
                                           "final_relu": _stack(_sizes, [RELU]),
                                           "final_sigmoid": _stack(_sizes, [SIGMOID])})


@variant("04_models.schema_b", "no_sigmoid", "softmax_end")
def _schema_b():
    sizes = SCHEMAS["04_models.schema_b"]
    return {"no_sigmoid": _stack(sizes), "softmax_end": _stack(sizes, [softmax(1)])}


@variant("04_models.schema_c", "softmax_dim0", "softmax_no_dim", "no_softmax", "sigmoid_end")
def _schema_c():
    sizes = SCHEMAS["04_models.schema_c"]
    return {"softmax_dim0": _stack(sizes, [softmax(0)]), "softmax_no_dim": _stack(sizes, [softmax(None)]),
            "no_softmax": _stack(sizes), "sigmoid_end": _stack(sizes, [SIGMOID])}


@variant("04_models.count_parameters", "weights_only")
def _count_weights_only(model):
    return sum(p.numel() for name, p in model.named_parameters()
               if p.requires_grad and name.endswith("weight"))


@variant("04_models.count_parameters", "tensors")
def _count_tensors(model):
    return sum(1 for weights in model.parameters() if weights.requires_grad)


@variant("04_models.count_parameters", "frozen")
def _count_frozen(model):
    return sum(weights.numel() for weights in model.parameters())


# ---------------------------------------------------------------- 05_losses
@variant("05_losses.mse", "sum", "mae", "rmse", "half", "rows_mean")
def _mse(y_hat, y):
    squares = (y_hat - y) ** 2
    return {"sum": squares.sum(), "mae": (y_hat - y).abs().mean(), "rmse": squares.mean().sqrt(),
            "half": squares.mean() / 2,
            "rows_mean": squares.sum() / y.shape[0] if y.dim() > 1 and y[0].numel() > 1 else NA}


def _log(p):
    return p.log().clamp(min=-100)


@variant("05_losses.bce", "sign", "sum", "swapped", "positive_only", "no_clamp")
def _bce(y_hat, y):
    unclamped = -(y * y_hat.log() + (1 - y) * (1 - y_hat).log()).mean()
    return {"sign": -F.binary_cross_entropy(y_hat, y),
            "sum": F.binary_cross_entropy(y_hat, y, reduction="sum"),
            "swapped": F.binary_cross_entropy(y, y_hat),
            "positive_only": -(y * _log(y_hat)).mean(),
            "no_clamp": unclamped if torch.isfinite(unclamped) else NA}


@variant("05_losses.cross_entropy", "sum", "dim0", "double_softmax", "negated", "no_log")
def _cross_entropy(logits, target):
    rows = torch.arange(len(target))
    return {"sum": F.cross_entropy(logits, target, reduction="sum"),
            "dim0": -logits.log_softmax(dim=0)[rows, target].mean(),
            "double_softmax": F.cross_entropy(logits.softmax(dim=1), target),
            "negated": -F.cross_entropy(logits, target),
            "no_log": -logits.softmax(dim=1)[rows, target].mean()}


@variant("05_losses.one_hot", "transposed")
def _one_hot_transposed(target, num_classes):
    return F.one_hot(target, num_classes).float().T


@variant("05_losses.one_hot", "width_from_data")
def _one_hot_width(target, num_classes):
    return F.one_hot(target).float() if int(target.max()) + 1 != num_classes else NA


# ---------------------------------------------------------------- 06_metrics
@variant("06_metrics.mape", "fraction", "by_prediction", "no_abs", "signed_denominator")
def _mape(y_hat, y):
    y_hat, y = y_hat.to(torch.float64), y.to(torch.float64)
    return {"fraction": float(((y - y_hat).abs() / y.abs()).mean()),
            "by_prediction": float(((y - y_hat).abs() / y_hat.abs()).mean() * 100),
            "no_abs": float(((y - y_hat) / y).mean() * 100),
            "signed_denominator": float(((y - y_hat).abs() / y).mean() * 100)}


@variant("06_metrics.binary_accuracy", "fraction", "wrong_share", "no_round")
def _binary_accuracy(y_hat, y):
    right = percent(y_hat.round() == y)
    return {"fraction": right / 100, "wrong_share": 100 - right, "no_round": percent(y_hat == y)}


@variant("06_metrics.multiclass_accuracy", "fraction", "dim0", "argmin")
def _multiclass_accuracy(logits, y):
    return {"fraction": percent(logits.argmax(dim=1) == y) / 100,
            "dim0": percent(logits.argmax(dim=0) == y) if logits.shape[0] == logits.shape[1] else NA,
            "argmin": percent(logits.argmin(dim=1) == y)}


# ---------------------------------------------------------------- 07_gradient_descent
def _sign(value):
    return torch.sign(value) if isinstance(value, torch.Tensor) else float((value > 0) - (value < 0))


@variant("07_gradient_descent.sign_step", "uphill", "raw_grad", "sign_of_w")
def _sign_step(w, grad, alpha):
    return {"uphill": w + alpha * _sign(grad), "raw_grad": w - alpha * grad,
            "sign_of_w": w - alpha * _sign(w)}


@variant("07_gradient_descent.gradient_step", "uphill", "sign_only", "no_alpha")
def _gradient_step(w, grad, alpha):
    return {"uphill": w + alpha * grad, "sign_only": w - alpha * _sign(grad), "no_alpha": w - grad}


@variant("07_gradient_descent.descend", "no_w0", "short", "uphill", "fixed_gradient")
def _descend(df, w0, alpha, steps):
    def path(step):
        points = [float(w0)]
        for _ in range(steps):
            points.append(float(step(points[-1])))
        return points

    right = path(lambda w: w - alpha * df(w))
    return {"no_w0": right[1:], "short": right[:-1], "uphill": path(lambda w: w + alpha * df(w)),
            "fixed_gradient": path(lambda w: w - alpha * df(float(w0)))}


@variant("07_gradient_descent.gradients", "doubled", "reversed", "weights")
def _gradients(model, X, y, loss_fn):
    right = loss_gradients(model, X, y, loss_fn)
    return {"doubled": [2 * g for g in right], "reversed": right[::-1],
            "weights": [weights.detach().clone() for weights in model.parameters()]}


@variant("07_gradient_descent.sgd_step", "unchanged", "uphill", "no_lr")
def _sgd_step(model, lr):
    """The model's state after each wrong step; `model` holds the gradients of the step."""
    grads = {name: p.grad for name, p in model.named_parameters()}
    state = {name: value.detach().clone() for name, value in model.state_dict().items()}

    def stepped(step):
        return {name: step(value, grads[name]) if grads.get(name) is not None else value
                for name, value in state.items()}

    return {"unchanged": state, "uphill": stepped(lambda p, g: p + lr * g),
            "no_lr": stepped(lambda p, g: p - g)}


# ---------------------------------------------------------------- 08_training
@variant("08_training.load_iris", "swapped")
def _load_iris(data_dir):
    X, y = iris(data_dir)
    return (y, X)


@variant("08_training.split", "x_then_y", "fixed_100", "last_rows")
def _split(X, y, n_train=100):
    n = len(X) - n_train
    return {"x_then_y": (X[:n_train], y[:n_train], X[n_train:], y[n_train:]),
            "fixed_100": (X[:100], X[100:], y[:100], y[100:]) if n_train != 100 else NA,
            "last_rows": (X[n:], X[:n], y[n:], y[:n]) if n != n_train else NA}


@variant("08_training.train", "never_cleared", "after_step", "running_total")
def _train(model, X, y, loss_fn, make_optimizer, steps):
    right = training(copy.deepcopy(model), X, y, loss_fn, make_optimizer, steps)
    totals = [sum(right[:i + 1]) for i in range(len(right))]
    return {"never_cleared": training(copy.deepcopy(model), X, y, loss_fn, make_optimizer, steps, clear=False),
            "after_step": training(copy.deepcopy(model), X, y, loss_fn, make_optimizer, steps, after=True),
            "running_total": totals if len(right) > 1 else NA}


@variant("08_training.accuracy", "fraction", "count", "dim0")
def _accuracy(model, X, y):
    with torch.no_grad():
        scores = model(X)
    hits = scores.argmax(dim=1) == y
    return {"fraction": percent(hits) / 100, "count": float(hits.sum()),
            "dim0": percent(scores.argmax(dim=0) == y) if scores.shape[0] == scores.shape[1] else NA}
