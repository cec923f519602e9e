"""Short, readable descriptions of values and calls for failure messages."""

from __future__ import annotations

from typing import Any

import torch

from nnkit.wire.codec import Handle, Spec

MAX_SHOWN_ELEMENTS = 12


def shape_of(value: Any) -> str:
    if type(value) is torch.Tensor:
        return "(" + ", ".join(str(n) for n in value.shape) + ("," if value.dim() == 1 else "") + ")"
    return type(value).__name__


def show(value: Any) -> str:
    """A value as a learner should see it: small tensors in full, large ones by shape and dtype."""
    if type(value) is torch.Tensor:
        dtype = str(value.dtype).removeprefix("torch.")
        if value.numel() <= MAX_SHOWN_ELEMENTS:
            text = " ".join(str(value.detach()).replace("\n", " ").split())
            return f"{text} (shape {shape_of(value)}, {dtype})"
        return f"a tensor of shape {shape_of(value)}, {dtype}"
    if isinstance(value, Handle):
        return f"{'an' if value.type_name[:1].lower() in 'aeiou' else 'a'} {value.type_name} object"
    if isinstance(value, Spec):
        return {"module": "a model", "loss": f"{value.params.get('name', 'a loss')}()",
                "optimizer": f"{value.params.get('name', 'an')} optimizer",
                "polynomial_derivative": "a derivative function",
                "data_dir": "the data folder"}.get(value.kind, value.kind)
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(item) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


def show_call(target: str, args: tuple, kwargs: dict | None = None) -> str:
    """`name(arg, …)` with each argument shown briefly."""
    parts = [show(arg) for arg in args] + [f"{k}={show(v)}" for k, v in (kwargs or {}).items()]
    return f"{target}({', '.join(parts)})"
