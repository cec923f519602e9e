"""The checks' side of a comparison: what standard torch computes on the same input.

Public checks need no solutions: they compare a student's answer with torch's own function, model
or optimizer. These helpers build that side; they run in the checks' process, never in student
code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnkit.submission import cputime
from nnkit.wire.codec import Handle

RELU = {"type": "ReLU"}
SIGMOID = {"type": "Sigmoid"}


def linear(in_features: int, out_features: int) -> dict:
    """The description of `nn.Linear(in_features, out_features)`, as `expect.layers` reads it."""
    return {"type": "Linear", "in_features": in_features, "out_features": out_features}


def softmax(dim: int) -> dict:
    return {"type": "Softmax", "dim": dim}


def sequential(layers: Sequence[dict], seed: int = 0, frozen: Sequence[str] = ()) -> nn.Sequential:
    """torch's nn.Sequential of these layers, its weights drawn with `seed` (global RNG untouched);
    the parameters named in `frozen` do not require grad."""
    kinds = {"Linear": lambda d: nn.Linear(d["in_features"], d["out_features"], bias=d.get("bias", True)),
             "ReLU": lambda d: nn.ReLU(), "Sigmoid": lambda d: nn.Sigmoid(),
             "Softmax": lambda d: nn.Softmax(dim=d["dim"])}
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = nn.Sequential(*[kinds[layer["type"]](layer) for layer in layers])
    for name in frozen:
        model.get_parameter(name).requires_grad_(False)
    return model


def state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's weights as a plain dict of tensors, ready to send to the student side."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def twins(submission: Any, layers: Sequence[dict], seed: int = 0,
          frozen: Sequence[str] = ()) -> tuple[nn.Sequential, Handle]:
    """The same model twice, with the same weights: torch's here, and one on the student side."""
    model = sequential(layers, seed, frozen)
    return model, submission.build("module", layers=list(layers), state=state(model), frozen=list(frozen))


def gradients(fn: Callable[..., torch.Tensor], *inputs: torch.Tensor, wrt: Sequence[int] = (0,),
              seed: torch.Tensor | None = None) -> list[torch.Tensor]:
    """Gradients of `(fn(*inputs) * seed).sum()` (seed: ones) with respect to the chosen inputs."""
    inputs = [x.detach().clone().requires_grad_(True) if i in wrt else x for i, x in enumerate(inputs)]
    value = fn(*inputs)
    value.backward(torch.ones_like(value) if seed is None else seed)
    return [inputs[i].grad for i in wrt]


def percent(hits: torch.Tensor) -> float:
    """The share of True entries, in percent."""
    return float(hits.double().mean() * 100)


def training(model: nn.Module, X, y, loss_fn, make_optimizer, steps: int, clear: bool = True,
             after: bool = False) -> list[float]:
    """torch's own loop on `model` (trained in place): the loss of each step.

    `clear=False` never clears the gradients; `after=True` records the loss after each update.
    """
    optimizer, recorded = make_optimizer(model.parameters()), []
    with torch.enable_grad():
        for _ in range(steps):
            value = loss_fn(model(X), y)
            value.backward()
            optimizer.step()
            if clear:
                optimizer.zero_grad()
            if after:
                with torch.no_grad():
                    value = loss_fn(model(X), y)
            recorded.append(value.item())
    return recorded


def training_cost(layers: Sequence[dict], X, y, loss_fn, make_optimizer, steps: int,
                  repeat: int = 3) -> float:
    """The processor time (seconds) torch's own loop takes for `steps` steps of these layers here, on
    one thread as student code runs in every check: the median of `repeat` runs, torch warmed up
    first. A time limit for student code is a multiple of it, so that it means the same on a fast
    machine and a slow one."""
    cputime.warm_up()
    threads, runs = torch.get_num_threads(), []
    torch.set_num_threads(1)
    try:
        for _ in range(repeat):
            model = sequential(layers)
            started = cputime.process_seconds()
            training(model, X, y, loss_fn, make_optimizer, steps)
            runs.append(cputime.process_seconds() - started)
    finally:
        torch.set_num_threads(threads)
    return sorted(runs)[len(runs) // 2]


def loss_gradients(model: nn.Module, X, y, loss_fn) -> list[torch.Tensor]:
    """The gradient of loss_fn(model(X), y) for each parameter, in model.parameters() order
    (computed with torch.autograd.grad: the model's own .grad is left alone)."""
    with torch.enable_grad():
        return list(torch.autograd.grad(loss_fn(model(X), y), list(model.parameters())))


def polynomial_derivative(coeffs: Sequence[float]) -> Callable[[float], float]:
    """The derivative of the polynomial sum(c_i w^i), as the student side builds it from a
    Spec("polynomial_derivative", {"coeffs": coeffs}) (same formula, same float results)."""
    coeffs = [float(c) for c in coeffs]
    return lambda w: sum(i * c * w ** (i - 1) for i, c in enumerate(coeffs) if i)


def iris(folder: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The kit's iris tensors from `folder`: X (150, 4) float32 and y (150,) int64."""
    folder = Path(folder)
    return (torch.load(folder / "data.pt", weights_only=True),
            torch.load(folder / "target.pt", weights_only=True))
