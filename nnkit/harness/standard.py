"""The checks' side of a comparison: what standard torch computes on the same input.

Public checks need no solutions: they compare a student's answer with torch's own function, model
or optimizer. These helpers build that side; they run in the checks' process, never in student
code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from nnkit.codec import Handle

RELU = {"type": "ReLU"}
SIGMOID = {"type": "Sigmoid"}


def linear(in_features: int, out_features: int) -> dict:
    """The description of `nn.Linear(in_features, out_features)`, as `expect.layers` reads it."""
    return {"type": "Linear", "in_features": in_features, "out_features": out_features}


def softmax(dim: int) -> dict:
    return {"type": "Softmax", "dim": dim}


def sequential(layers: Sequence[dict], seed: int = 0) -> nn.Sequential:
    """torch's nn.Sequential of these layers, its weights drawn with `seed` (global RNG untouched)."""
    kinds = {"Linear": lambda d: nn.Linear(d["in_features"], d["out_features"]),
             "ReLU": lambda d: nn.ReLU(), "Sigmoid": lambda d: nn.Sigmoid(),
             "Softmax": lambda d: nn.Softmax(dim=d["dim"])}
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return nn.Sequential(*[kinds[layer["type"]](layer) for layer in layers])


def state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's weights as a plain dict of tensors, ready to send to the student side."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def twins(student: Any, layers: Sequence[dict], seed: int = 0) -> tuple[nn.Sequential, Handle]:
    """The same model twice, with the same weights: torch's here, and one on the student side."""
    model = sequential(layers, seed)
    return model, student.build("module", layers=list(layers), state=state(model))


def gradients(fn: Callable[..., torch.Tensor], *inputs: torch.Tensor, wrt: Sequence[int] = (0,),
              seed: torch.Tensor | None = None) -> list[torch.Tensor]:
    """Gradients of `(fn(*inputs) * seed).sum()` (seed: ones) with respect to the chosen inputs."""
    inputs = [x.detach().clone().requires_grad_(True) if i in wrt else x for i, x in enumerate(inputs)]
    value = fn(*inputs)
    value.backward(torch.ones_like(value) if seed is None else seed)
    return [inputs[i].grad for i in wrt]
