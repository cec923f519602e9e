"""The expected answers of the hidden tests: each function of the contract, computed by torch.

Where the curriculum says a function equals one of torch's (nn.Linear, torch.softmax, MSELoss,
torch.optim.SGD, …), the expectation is torch's own; elsewhere it is the contract's formula,
written here in a line or two. The solutions are not imported: the grading bundles never ship
them (Gradescope's included), and the reference solutions are themselves graded against these
expectations by tests/test_mutants.py, so the two must agree.

`compare(outcome, expected, mistakes)` compares a student's answer with the expectation through
the one harness: type, dtype and shape first, then values, and the name of a known mistake
(`exercises/mistakes.py`) when the wrong answer equals one. `checks.values` runs it over cases.
"""

from __future__ import annotations

import copy
import functools
import sys
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nnkit.harness import expect, mistakes, standard
from nnkit.submission.proxy import Outcome

# ---------------------------------------------------------------- 01_matrices
ARTICLE_X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
ARTICLE_W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])


def article_matrices():
    return ARTICLE_X, ARTICLE_W


def matmul_shape(a_shape, b_shape):
    return (a_shape[0], b_shape[1]) if a_shape[1] == b_shape[0] else None


def elementwise_shape(a_shape, b_shape):
    """torch's own broadcasting rule decides (it raises RuntimeError when the shapes do not fit)."""
    try:
        shape = torch.broadcast_shapes(tuple(a_shape), tuple(b_shape))
    except RuntimeError:
        shape = None
    return None if shape is None else tuple(shape)


def entry(A, B, i, j):
    return float((A.double() @ B.double())[i, j])


def matmul(A, B):
    return A @ B


# ---------------------------------------------------------------- 02_linear
def linear_forward(X, weight, bias):
    return F.linear(X, weight, bias)


def collapse(weights):
    return functools.reduce(torch.matmul, weights)


# ---------------------------------------------------------------- 03_activations
def relu(X):
    return torch.relu(X)


def sigmoid(X):
    return torch.sigmoid(X)


def softmax(X, dim=-1):
    return torch.softmax(X, dim=dim)


# ---------------------------------------------------------------- 04_models
def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---------------------------------------------------------------- 05_losses
def mse(y_hat, y):
    return nn.MSELoss()(y_hat, y)


def bce(y_hat, y):
    return nn.BCELoss()(y_hat, y)


def cross_entropy(logits, target):
    return nn.CrossEntropyLoss()(logits, target)


def one_hot(target, num_classes):
    return F.one_hot(target, num_classes).to(torch.float32)


# ---------------------------------------------------------------- 06_metrics
def mape(y_hat, y):
    y_hat, y = y_hat.double(), y.double()
    return float(((y - y_hat).abs() / y.abs()).mean() * 100)


def binary_accuracy(y_hat, y):
    return standard.percent(y_hat.round() == y)


def multiclass_accuracy(logits, y):
    return standard.percent(logits.argmax(dim=1) == y)


# ---------------------------------------------------------------- 07_gradient_descent
def sign_step(w, grad, alpha):
    sign = torch.sign(grad) if isinstance(grad, torch.Tensor) else float((grad > 0) - (grad < 0))
    return w - alpha * sign


def gradient_step(w, grad, alpha):
    return w - alpha * grad


def descend(df, w0, alpha, steps):
    path = [float(w0)]
    for _ in range(steps):
        path.append(path[-1] - alpha * df(path[-1]))
    return path


def gradients(model, X, y, loss_fn):
    return standard.loss_gradients(model, X, y, loss_fn)


def sgd_step(model, lr):
    """The model's state after torch.optim.SGD's step (the model itself is left as it is)."""
    stepped = copy.deepcopy(model)  # (a deep copy leaves the gradients behind)
    for copied, original in zip(stepped.parameters(), model.parameters()):
        copied.grad = None if original.grad is None else original.grad.clone()
    torch.optim.SGD(stepped.parameters(), lr=lr).step()
    return standard.state(stepped)


# ---------------------------------------------------------------- 08_training
def load_iris(data_dir):
    return standard.iris(data_dir)


def split(X, y, n_train=100):
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def train(model, X, y, loss_fn, make_optimizer, steps):
    """torch's loop on a copy of `model`: the losses (see standard.training)."""
    return standard.training(copy.deepcopy(model), X, y, loss_fn, make_optimizer, steps)


def accuracy(model, X, y):
    with torch.no_grad():
        return standard.percent(model(X).argmax(dim=1) == y)


# ---------------------------------------------------------------- comparing
def expected(exercise_id: str, *args: Any, **kwargs: Any) -> Any:
    """What the contract says `exercise_id` returns for these inputs (the checks' side of them)."""
    function: Callable = getattr(sys.modules[__name__], exercise_id.split(".", 1)[1])
    with torch.no_grad():
        return function(*args, **kwargs)


def compare(out: Outcome, want: Any, known: expect.Mistakes, labels: list[str] | None = None) -> Any:
    """Compare a call's result with `want` by its kind: tensor, number, list of numbers, a tuple or
    list of tensors (item by item; `labels` name the items), anything else exactly."""
    if isinstance(want, torch.Tensor):
        return expect.tensor(out, want, mistakes=known)
    if isinstance(want, float):
        return expect.number(out, want, mistakes=known)
    if isinstance(want, list) and all(isinstance(v, float) for v in want):
        return expect.numbers(out, want, mistakes=known)
    if isinstance(want, (list, tuple)) and want and all(isinstance(v, torch.Tensor) for v in want):
        parts = expect.parts(out, labels or [f"[{i}]" for i in range(len(want))])
        return [expect.tensor(part, item, mistakes=mistakes.item(known, i))
                for i, (part, item) in enumerate(zip(parts, want))]
    return expect.equal(out, want, mistakes=known)
