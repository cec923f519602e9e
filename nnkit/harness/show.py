"""Short, readable descriptions of values and calls for failure messages."""

from __future__ import annotations

from typing import Any

import torch

from nnkit.i18n.lang import _, ngettext
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
            return _("{tensor} (shape {shape}, {dtype})").format(tensor=text, shape=shape_of(value),
                                                                 dtype=dtype)
        return _("a tensor of shape {shape}, {dtype}").format(shape=shape_of(value), dtype=dtype)
    if isinstance(value, Handle):
        vowel = value.type_name[:1].lower() in "aeiou"
        return (_("an {type} object") if vowel else _("a {type} object")).format(type=value.type_name)
    if isinstance(value, Spec):
        name = value.params.get("name")
        return {"module": _("a model"),
                "loss": f"{name}()" if name else _("a loss"),
                "optimizer": _("a {name} optimizer").format(name=name) if name else _("an optimizer"),
                "polynomial_derivative": _("a derivative function"),
                "data_dir": _("the data folder")}.get(value.kind, value.kind)
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return (ngettext("a list of {count} item", "a list of {count} items", len(value))
                if isinstance(value, list)
                else ngettext("a tuple of {count} item", "a tuple of {count} items", len(value))).format(
                    count=len(value))
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(item) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


def show_call(target: str, args: tuple, kwargs: dict | None = None) -> str:
    """`name(arg, …)` with each argument shown briefly."""
    parts = [show(arg) for arg in args] + [f"{k}={show(v)}" for k, v in (kwargs or {}).items()]
    return f"{target}({', '.join(parts)})"
