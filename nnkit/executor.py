"""Run requests against one submission's exercise files, on the side that holds student code.

This is the only module that imports student files. Locally it runs in the checking process;
when grading it runs inside an isolated worker. Either way it receives plain-data requests and
answers with plain data (see `codec`), so the checks never touch a student object directly.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import random
import sys
import traceback
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnkit import codec
from nnkit.codec import Handle, Spec
from nnkit.sourcefile import SourceProblem, read_source

MAX_OUTPUT = 20_000

# Captured at import, before student code runs, so that rebinding torch.nn.Linear in a
# submission cannot make its own class pass for a standard layer.
_STANDARD_LAYERS: dict[type, str] = {
    nn.Linear: "Linear",
    nn.ReLU: "ReLU",
    nn.Sigmoid: "Sigmoid",
    nn.Softmax: "Softmax",
    nn.Tanh: "Tanh",
    nn.Sequential: "Sequential",
}
_LAYER_CLASSES = {name: cls for cls, name in _STANDARD_LAYERS.items()}
_LOSSES = {"MSELoss": nn.MSELoss, "BCELoss": nn.BCELoss, "CrossEntropyLoss": nn.CrossEntropyLoss}
_OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam}
_Module = nn.Module
_Tensor = torch.Tensor
_no_grad = torch.no_grad
_manual_seed = torch.manual_seed
_autograd_grad = torch.autograd.grad


class Executor:
    """Answers requests about the exercise files in `folder`."""

    def __init__(self, folder: Path, data_dir: Path | None = None):
        self.folder = Path(folder)
        self.data_dir = Path(data_dir) if data_dir else None
        self.modules: dict[str, Any] = {}
        self.objects: dict[int, Any] = {}
        self.next_id = 1

    def handle(self, request: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        """Answer one request; never raises for anything the student code does."""
        out_buffers: list[bytes] = []
        output = _CappedText()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                answer = self._dispatch(request, buffers, out_buffers)
        except _StudentError as error:
            answer = {"ok": False, "error": error.info}
            out_buffers = []
        except BaseException as error:  # student code may raise anything, SystemExit included
            if isinstance(error, KeyboardInterrupt):
                raise
            answer = {"ok": False, "error": self._error_info(error)}
            out_buffers = []
        answer["output"] = output.text()
        return answer, out_buffers

    def _dispatch(self, request: dict, buffers: list[bytes], out: list[bytes]) -> dict:
        op = request.get("op")
        if op == "call":
            return self._call(request, buffers, out)
        if op == "build":
            value = self._decode(request["spec"], buffers)
            return {"ok": True, "value": self._encode(value, out)}
        if op == "describe":
            return {"ok": True, "value": self._encode(describe(self._object(request["handle"])), out)}
        if op == "state":
            return {"ok": True, "value": self._encode(self._state(request), out)}
        if op == "load_state":
            self._load_state(self._object(request["handle"]), self._decode(request["state"], buffers))
            return {"ok": True, "value": None}
        if op == "drop":
            self.objects.pop(int(request["handle"]), None)
            return {"ok": True, "value": None}
        if op == "load":
            self.load(str(request["file"]))
            return {"ok": True, "value": None}
        raise ValueError(f"unknown request {op!r}")

    def _call(self, request: dict, buffers: list[bytes], out: list[bytes]) -> dict:
        target = request["target"]
        function = self._target(target)
        args = list(self._decode(request.get("args", {"t": "list", "items": []}), buffers))
        kwargs = self._decode(request.get("kwargs", {"t": "dict", "items": {}}), buffers)
        options = request.get("options", {})
        grad_wrt = [int(i) for i in options.get("grad_wrt", [])]
        for index in grad_wrt:
            args[index] = args[index].detach().requires_grad_(True)
        if options.get("seed") is not None:
            _manual_seed(int(options["seed"]))
            random.seed(int(options["seed"]))
        module = self.objects.get(target.get("handle")) if isinstance(target, dict) else None
        if options.get("eval_no_grad"):
            if isinstance(module, _Module):
                module.eval()
            with _no_grad():
                value = function(*args, **kwargs)
        else:
            value = function(*args, **kwargs)
        answer: dict[str, Any] = {"ok": True, "type": _type_name(value)}
        if options.get("backward"):
            answer["grads"] = self._backward(value, [args[i] for i in grad_wrt], options, buffers, out)
        if options.get("as_float") and type(value) not in (float, int):
            value = float(value)
        answer["value"] = self._encode(value, out)
        if options.get("return_args"):
            answer["args_after"] = self._encode(list(args), out)
        return answer

    def _backward(self, value: Any, inputs: list, options: dict, buffers, out) -> Any:
        """Backpropagate from the result and report the gradients of the chosen inputs."""
        if type(value) is not _Tensor or not value.requires_grad:
            return {"t": "list", "items": []} if not inputs else None
        seed = options.get("grad_seed")
        seed = self._decode(seed, buffers) if seed is not None else torch.ones_like(value)
        value.backward(seed)
        return self._encode([x.grad for x in inputs], out)

    def _target(self, target: Any):
        if isinstance(target, str):
            stem, _, name = target.partition(".")
            module = self.load(stem)
            if not hasattr(module, name):
                raise _StudentError({
                    "type": "SubmissionError", "kind": "missing_name", "not_started": False,
                    "message": f"{stem}.py defines no `{name}`: keep the name from the exercise "
                               "file (it may have been renamed or deleted).",
                })
            return getattr(module, name)
        obj = self._object(target["handle"])
        method = target.get("method", "__call__")
        return obj if method == "__call__" else getattr(obj, method)

    def provide(self, stem: str, namespace: dict) -> None:
        """Use an existing namespace (a notebook kernel's globals) as exercise file `stem`."""
        self.modules[stem] = _Namespace(namespace)

    def load(self, stem: str):
        """Import one exercise file of the submission (once), mapping failures to messages."""
        if stem in self.modules:
            return self.modules[stem]
        path = self.folder / f"{stem}.py"
        try:
            source = read_source(path)
        except SourceProblem as problem:
            raise _StudentError({"type": "SubmissionError", "kind": problem.kind,
                                 "not_started": False, "message": str(problem)}) from None
        name = f"nnkit_submission_{stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            code = compile(source, str(path), "exec")
        except SyntaxError as error:
            raise _StudentError({
                "type": "SubmissionError", "kind": "syntax_error", "not_started": False,
                "message": f"{stem}.py has a syntax error on line {error.lineno}: {error.msg}"
                           f"\n    {(error.text or '').rstrip()}\nFix it, then run the checks again.",
            }) from None
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)  # noqa: S102 - running the submission is this module's job
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            sys.modules.pop(name, None)
            info = self._error_info(error)
            info.update(type="SubmissionError", kind="import_error", not_started=False,
                        message=f"{stem}.py fails when it is imported: "
                                f"{info['type']}: {info['message']}")
            raise _StudentError(info) from None
        self.modules[stem] = module
        return module

    def _decode(self, node: Any, buffers: list[bytes]) -> Any:
        return codec.decode(node, buffers, on_handle=lambda h: self._object(h.id), on_spec=self._build)

    def _encode(self, value: Any, out: list[bytes]) -> Any:
        return codec.encode(value, out, on_other=self._keep)

    def _keep(self, obj: Any) -> Handle:
        handle = Handle(self.next_id, _type_name(obj), isinstance(obj, _Module))
        self.objects[handle.id] = obj
        self.next_id += 1
        return handle

    def _object(self, handle_id: Any) -> Any:
        if int(handle_id) not in self.objects:
            raise ValueError(f"no object with handle {handle_id}")
        return self.objects[int(handle_id)]

    def _build(self, spec: Spec) -> Any:
        params = spec.params
        if spec.kind == "module":
            model = nn.Sequential(*[_layer(layer) for layer in params["layers"]])
            if params.get("state"):
                model.load_state_dict(params["state"])
            for name in params.get("frozen", []):  # parameters that are not trainable
                model.get_parameter(str(name)).requires_grad_(False)
            return model
        if spec.kind == "loss":
            return _LOSSES[params["name"]]()
        if spec.kind == "optimizer":
            return _OPTIMIZERS[params["name"]](params["model"].parameters(), lr=float(params["lr"]))
        if spec.kind == "polynomial_derivative":
            coeffs = [float(c) for c in params["coeffs"]]
            return lambda w: sum(i * c * w ** (i - 1) for i, c in enumerate(coeffs) if i)
        if spec.kind == "data_dir":
            if self.data_dir is None:
                raise ValueError("no data folder was given to the checks")
            return str(self.data_dir) if params.get("as_str") else self.data_dir
        raise ValueError(f"unknown spec kind {spec.kind!r}")

    def _state(self, request: dict) -> dict:
        module = self._object(request["handle"])
        if not isinstance(module, _Module):
            raise TypeError(f"{_type_name(module)} is not a torch.nn.Module")
        if request.get("grads"):
            return {name: p.grad for name, p in module.named_parameters()}
        return dict(module.state_dict())

    @staticmethod
    def _load_state(module: Any, state: dict) -> None:
        params = dict(module.named_parameters())
        missing = sorted(set(state) - set(params))
        if missing:
            raise AttributeError(f"the object has no parameter named {', '.join(missing)}")
        with _no_grad():
            for name, value in state.items():
                params[name].copy_(value)

    def _error_info(self, error: BaseException) -> dict:
        """Describe an exception of student code, showing only frames from the submission."""
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if Path(frame.filename).parent == self.folder]
        lines = [f'  File "{Path(f.filename).name}", line {f.lineno}, in {f.name}\n'
                 + (f"    {f.line}\n" if f.line else "") for f in frames[-8:]]
        return {
            "type": type(error).__name__,
            "mro": [cls.__name__ for cls in type(error).__mro__],
            "message": str(error)[:2000],
            "traceback": "".join(lines)[:4000],
            "not_started": isinstance(error, NotImplementedError),
        }


class _Namespace:
    """Attribute access over a dict of globals, so a notebook looks like a module."""

    def __init__(self, names: dict):
        self.__dict__.update(names)


class _StudentError(Exception):
    def __init__(self, info: dict):
        super().__init__(info.get("message"))
        self.info = info


class _CappedText(io.StringIO):
    """Collects what student code prints, keeping at most MAX_OUTPUT characters."""

    def write(self, text: str) -> int:
        room = MAX_OUTPUT - self.tell()
        if room > 0:
            super().write(str(text)[:room])
        return len(text)

    def text(self) -> str:
        value = self.getvalue()
        return value + ("\n… (output cut)" if len(value) >= MAX_OUTPUT else "")


def _layer(layer: dict) -> nn.Module:
    cls = _LAYER_CLASSES[layer["type"]]
    if layer["type"] == "Linear":
        return cls(int(layer["in_features"]), int(layer["out_features"]), bias=layer.get("bias", True))
    if layer["type"] == "Softmax":
        return cls(dim=layer.get("dim"))
    return cls()


def _type_name(obj: Any) -> str:
    kind = type(obj)
    if kind in _STANDARD_LAYERS:
        return f"torch.nn.{_STANDARD_LAYERS[kind]}"
    if kind is _Tensor:
        return "torch.Tensor"
    if kind.__module__ == "builtins":
        return kind.__name__
    return f"{kind.__qualname__} (from {kind.__module__})"


def describe(obj: Any) -> dict:
    """Describe a model in standard layers, so the checks can compare it with a schema."""
    name = _STANDARD_LAYERS.get(type(obj))
    info: dict[str, Any] = {"type": name or _type_name(obj), "standard": name is not None,
                            "module": isinstance(obj, _Module)}
    if not isinstance(obj, _Module):
        return info
    info["training"] = bool(obj.training)
    if name == "Linear":
        info.update(in_features=int(obj.in_features), out_features=int(obj.out_features),
                    bias=obj.bias is not None)
    if name == "Softmax":
        info["dim"] = obj.dim
    if name == "Sequential":
        info["layers"] = [describe(child) for child in obj]
    info["parameters"] = [{"name": n, "shape": list(p.shape), "requires_grad": bool(p.requires_grad)}
                          for n, p in obj.named_parameters()]
    return info
