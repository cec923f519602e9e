"""Plain-data encoding of the values that cross between checks and student code (see `frames`).

Student code runs in another process when grading, so every argument and every result crosses
a pipe. Pickle is never used for that: a JSON header describes the value (allow-listed dtypes,
shapes, size caps) and tensors travel as raw bytes. Objects that are not plain data (a model the
student built) stay where they were made and cross as a `Handle`. Local checks use the same
encoding in-process, so a student sees exactly what the grader sees.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from nnkit.i18n.lang import _

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
    "int16": torch.int16,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "bool": torch.bool,
}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}

MAX_TENSOR_BYTES = 128 * 1024 * 1024
MAX_ITEMS = 100_000
MAX_DEPTH = 32
MAX_STRING = 20_000

_Tensor = torch.Tensor  # captured at import, before any student code can rebind names


class CodecError(ValueError):
    """A value that may not cross, or a message that breaks the format or its caps."""


@dataclass(frozen=True)
class Handle:
    """An object that lives where the student code runs; the checks refer to it by id."""

    id: int
    type_name: str
    is_module: bool = False

    def __str__(self) -> str:
        return f"a {self.type_name} object"


@dataclass(frozen=True)
class Spec:
    """An object the student side should build from a description (a model, a loss, …)."""

    kind: str
    params: dict = field(default_factory=dict)


def encode(value: Any, buffers: list[bytes], on_other: Callable[[Any], Any] | None = None,
           depth: int = 0) -> Any:
    """Turn `value` into a JSON-able node, appending tensor bytes to `buffers`.

    `on_other` decides what happens to values that are not plain data: the student side turns
    them into handles; the trusted side passes None, so they are refused.
    """
    if depth > MAX_DEPTH:
        raise CodecError(_("value nested too deeply (more than {depth} levels)").format(depth=MAX_DEPTH))
    kind = type(value)
    if value is None or kind in (bool, int, str):
        if kind is str and len(value) > MAX_STRING:
            return value[:MAX_STRING]
        return value
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if kind is _Tensor:
        return _encode_tensor(value, buffers, on_other)
    if kind is torch.Size:
        return {"t": "tuple", "items": [int(n) for n in value]}
    if kind in (list, tuple):
        if len(value) > MAX_ITEMS:
            raise CodecError(_("a {type} of {count} items is too long to send").format(type=kind.__name__,
                                                                                    count=len(value)))
        return {"t": kind.__name__,
                "items": [encode(item, buffers, on_other, depth + 1) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        if len(value) > MAX_ITEMS:
            raise CodecError(_("a {type} of {count} items is too long to send").format(type="dict",
                                                                                    count=len(value)))
        return {"t": "dict",
                "items": {key: encode(item, buffers, on_other, depth + 1)
                          for key, item in value.items()}}
    if kind is Handle:
        return {"t": "handle", "id": value.id, "type": value.type_name, "module": value.is_module}
    if kind is Spec:
        return {"t": "spec", "kind": value.kind,
                "params": encode(value.params, buffers, on_other, depth + 1)}
    if on_other is None:
        raise CodecError(_("a {type} cannot be sent").format(type=kind.__name__))
    return encode(on_other(value), buffers, None, depth + 1)


def _encode_tensor(tensor: torch.Tensor, buffers: list[bytes], on_other) -> Any:
    dtype = DTYPE_NAMES.get(tensor.dtype)
    if dtype is None or tensor.layout is not torch.strided or tensor.device.type != "cpu":
        if on_other is None:
            raise CodecError(_("a {dtype} tensor on {device} cannot be sent").format(dtype=tensor.dtype,
                                                                                 device=tensor.device))
        return encode(on_other(tensor), buffers, None)
    data = _Tensor.contiguous(_Tensor.detach(tensor)).clone()
    nbytes = data.numel() * data.element_size()
    if nbytes > MAX_TENSOR_BYTES:
        raise CodecError(_("a tensor of {size} bytes is larger than the cap of {cap}").format(size=nbytes,
                                                                                              cap=MAX_TENSOR_BYTES))
    buffers.append(ctypes.string_at(data.data_ptr(), nbytes) if nbytes else b"")
    return {"t": "tensor", "dtype": dtype, "shape": list(data.shape), "buf": len(buffers) - 1,
            "grad": bool(tensor.requires_grad)}


def decode(node: Any, buffers: list[bytes], on_handle: Callable[[Handle], Any] | None = None,
           on_spec: Callable[[Spec], Any] | None = None, depth: int = 0) -> Any:
    """Rebuild a value from its node; handles and specs go through the given callbacks."""
    if depth > MAX_DEPTH:
        raise CodecError("message nested too deeply")
    if node is None or type(node) in (bool, int, str):
        return node
    if type(node) is not dict:
        raise CodecError(f"unexpected node of type {type(node).__name__}")
    tag = node.get("t")
    if tag == "float":
        return float(node["v"])
    if tag == "tensor":
        return _decode_tensor(node, buffers)
    if tag in ("list", "tuple"):
        items = [decode(item, buffers, on_handle, on_spec, depth + 1) for item in node["items"]]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        return {str(key): decode(item, buffers, on_handle, on_spec, depth + 1)
                for key, item in node["items"].items()}
    if tag == "handle":
        handle = Handle(int(node["id"]), str(node["type"])[:200], bool(node["module"]))
        return on_handle(handle) if on_handle else handle
    if tag == "spec":
        spec = Spec(str(node["kind"]), decode(node["params"], buffers, on_handle, on_spec, depth + 1))
        if on_spec is None:
            raise CodecError("specs only travel towards student code")
        return on_spec(spec)
    raise CodecError(f"unknown node tag {tag!r}")


def _decode_tensor(node: dict, buffers: list[bytes]) -> torch.Tensor:
    dtype = DTYPES.get(node.get("dtype"))
    shape = node.get("shape")
    if dtype is None or type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise CodecError("malformed tensor header")
    if len(shape) > 16:
        raise CodecError("tensor has too many dimensions")
    raw = buffers[int(node["buf"])]
    count = 1
    for size in shape:
        count *= size
    itemsize = torch.empty((), dtype=dtype).element_size()
    if count * itemsize != len(raw) or len(raw) > MAX_TENSOR_BYTES:
        raise CodecError("tensor bytes do not match their header")
    tensor = torch.empty(shape, dtype=dtype) if count == 0 else \
        torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape)
    if node.get("grad") is True and tensor.is_floating_point():  # still attached where it was made
        tensor.requires_grad_(True)
    return tensor
