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
import types
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnkit.i18n.lang import _
from nnkit.submission import cputime
from nnkit.submission.callwatch import CallWatch, prepare
from nnkit.submission.source import SourceProblem, read_source
from nnkit.wire import codec, messages
from nnkit.wire.codec import Handle, Spec

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
_is_grad_enabled = torch.is_grad_enabled


class Executor:
    """Answers requests about the exercise files in `folder`.

    `forbidden` lists the course's lists of forbidden names: they are resolved now, before any
    student code is imported (which could rebind torch's names)."""

    def __init__(self, folder: Path, data_dir: Path | None = None, forbidden: Iterable[Sequence[str]] = ()):
        self.folder = Path(folder)
        self.data_dir = Path(data_dir) if data_dir else None
        self.modules: dict[str, Any] = {}
        self.objects: dict[int, Any] = {}
        self.watched: dict[int, tuple[str, ...]] = {}  # kept object's handle → the names its calls watch for
        self.next_id = 1
        self._watching: tuple[str, ...] = ()  # the names of the call whose result is being kept
        self._report: dict[str, Any] = {}  # what the current call reports besides its value
        self.cells: set[str] = set()  # files of student code outside `folder` (see `provide`)
        for names in forbidden:
            prepare(str(name) for name in names)
        self.answer = {messages.Call: self._call, messages.Build: self._build_request,
                       messages.Describe: self._describe, messages.ReadState: self._state,
                       messages.LoadState: self._load_state, messages.Fetch: self._fetch,
                       messages.Drop: self._drop, messages.Import: self._import}

    def handle(self, header: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        """Answer one request (a frame's header and buffers); never raises for anything the
        student code does."""
        out: list[bytes] = []
        output = _CappedText()
        self._report = {}
        try:
            request = messages.decode(header, *self.answer)
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                reply: messages.Message = self.answer[type(request)](request, buffers, out)
        except _Unusable as error:
            reply, out = messages.Raised(error=error.info.header()), []
        except BaseException as error:  # student code may raise anything, SystemExit included
            if isinstance(error, KeyboardInterrupt):
                raise
            reply, out = messages.Raised(error=self._error_info(error).header()), []
        for name, value in self._report.items():
            setattr(reply, name, value)
        reply.output = output.text()
        return reply.header(), out

    def _call(self, request: messages.Call, buffers: list[bytes], out: list[bytes]) -> messages.Returned:
        function = self._target(request)
        args = list(self._decode(request.args, buffers))
        kwargs = self._decode(request.kwargs, buffers)
        grad_wrt = [int(i) for i in request.grad_wrt]
        for index in grad_wrt:
            args[index] = args[index].detach().requires_grad_(True)
        if request.seed is not None:
            _manual_seed(int(request.seed))
            random.seed(int(request.seed))
        module = self.objects.get(request.handle) if request.handle is not None else None
        names = tuple(str(n) for n in request.watch) if request.handle is None else \
            self.watched.get(request.handle, ())
        if request.eval_no_grad and isinstance(module, _Module):
            module.eval()
        # building an object is free (nn.Linear's own initialisation in a layer's __init__): what the
        # object then does is watched instead
        watch = CallWatch(() if isinstance(function, type) else names, self.folder, self.cells)
        clock = cputime.Clock(request.cpu_limit)
        try:
            with watch, (_no_grad() if request.eval_no_grad else contextlib.nullcontext()), clock:
                value = function(*args, **kwargs)
        finally:
            self._report["reached"] = [reached.as_dict() for reached in watch.found]
            if clock.seconds is not None:
                self._report.update(cpu_seconds=clock.seconds, stopped=clock.stopped)
        answer = messages.Returned(type_name=_type_name(value))
        if grad_wrt:
            answer.grads = self._backward(value, [args[i] for i in grad_wrt], request.grad_seed, buffers, out)
        if request.as_float and type(value) not in (float, int):
            value = float(value)
        self._watching = names
        try:
            answer.value = self._encode(value, out)
            if request.keep:
                answer.kept = self._encode(self._keep(value), out)
        finally:
            self._watching = ()
        if request.return_args:
            answer.args_after = self._encode(list(args), out)
        return answer

    def _backward(self, value: Any, inputs: list, seed: Any, buffers: list[bytes], out: list[bytes]) -> Any:
        """Backpropagate from the result and report the gradients of the chosen inputs."""
        if type(value) is not _Tensor or not value.requires_grad:
            return None
        seed = self._decode(seed, buffers) if seed is not None else torch.ones_like(value)
        value.backward(seed)
        return self._encode([x.grad for x in inputs], out)

    def _build_request(self, request: messages.Build, buffers: list[bytes],
                       out: list[bytes]) -> messages.Returned:
        return messages.Returned(value=self._encode(self._decode(request.spec, buffers), out))

    def _describe(self, request: messages.Describe, buffers: list[bytes],
                  out: list[bytes]) -> messages.Returned:
        return messages.Returned(value=self._encode(describe(self._object(request.handle)), out))

    def _state(self, request: messages.ReadState, buffers: list[bytes],
               out: list[bytes]) -> messages.Returned:
        module = self._object(request.handle)
        if not isinstance(module, _Module):
            raise TypeError(_("{type} is not a torch.nn.Module").format(type=_type_name(module)))
        state = ({name: p.grad for name, p in module.named_parameters()} if request.grads
                 else dict(module.state_dict()))
        return messages.Returned(value=self._encode(state, out))

    def _load_state(self, request: messages.LoadState, buffers: list[bytes],
                    out: list[bytes]) -> messages.Returned:
        module, state = self._object(request.handle), self._decode(request.state, buffers)
        params = dict(module.named_parameters())
        missing = sorted(set(state) - set(params))
        if missing:
            raise AttributeError(_("the object has no parameter named {names}").format(
                names=", ".join(missing)))
        with _no_grad():
            for name, value in state.items():
                params[name].copy_(value)
        return messages.Returned()

    def _fetch(self, request: messages.Fetch, buffers: list[bytes], out: list[bytes]) -> messages.Returned:
        obj = self._object(request.handle)
        if request.attribute is not None:
            if not request.attribute.isidentifier() or request.attribute.startswith("__"):
                raise ValueError(_("no attribute {name!r} can be fetched").format(name=request.attribute))
            obj = getattr(obj, request.attribute)
        return messages.Returned(value=self._encode(obj, out), type_name=_type_name(obj))

    def _drop(self, request: messages.Drop, buffers: list[bytes], out: list[bytes]) -> messages.Returned:
        self.objects.pop(request.handle, None)
        self.watched.pop(request.handle, None)
        return messages.Returned()

    def _import(self, request: messages.Import, buffers: list[bytes], out: list[bytes]) -> messages.Returned:
        self.load(request.file)
        return messages.Returned()

    def _target(self, request: messages.Call):
        if request.target is not None:
            stem, _dot, name = request.target.partition(".")
            module = self.load(stem)
            if not hasattr(module, name):
                raise _Unusable(messages.StudentError.unusable(
                    "missing_name", _("{file} defines no `{name}`: keep the name from the exercise file (it "
                                      "may have been renamed or deleted).").format(file=f"{stem}.py",
                                                                                   name=name)))
            return getattr(module, name)
        obj = self._object(request.handle)
        return obj if request.method == "__call__" else getattr(obj, request.method)

    def provide(self, stem: str, namespace: dict) -> None:
        """Use an existing namespace (a notebook kernel's globals) as exercise file `stem`; the
        files its functions were compiled from (the cells) are the student's code too."""
        self.modules[stem] = _Namespace(namespace)
        own = [value for value in namespace.values()
               if getattr(value, "__module__", None) == namespace.get("__name__")]
        self.cells |= {code.co_filename for code in _codes(own)}

    def load(self, stem: str):
        """Import one exercise file of the submission (once), mapping failures to messages."""
        if stem in self.modules:
            return self.modules[stem]
        path = self.folder / f"{stem}.py"
        try:
            source = read_source(path)
        except SourceProblem as problem:
            raise _Unusable(messages.StudentError.unusable(problem.kind, str(problem))) from None
        name = f"nnkit_submission_{stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            code = compile(source, str(path), "exec")
        except SyntaxError as error:
            told = _("{file} has a syntax error on line {line}: {error}\n    {code}\nFix it, then run the "
                     "checks again.").format(file=f"{stem}.py", line=error.lineno, error=error.msg,
                                             code=(error.text or "").rstrip())
            raise _Unusable(messages.StudentError.unusable("syntax_error", told)) from None
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            sys.modules.pop(name, None)
            info = self._error_info(error)
            raise _Unusable(messages.StudentError.unusable(
                "import_error", _("{file} fails when it is imported: {type}: {message}").format(
                    file=f"{stem}.py", type=info.type, message=info.message))) from None
        self.modules[stem] = module
        return module

    def _decode(self, node: Any, buffers: list[bytes]) -> Any:
        return codec.decode(node, buffers, on_handle=lambda h: self._object(h.id), on_spec=self._build)

    def _encode(self, value: Any, out: list[bytes]) -> Any:
        return codec.encode(value, out, on_other=self._keep)

    def _keep(self, obj: Any) -> Handle:
        handle = Handle(self.next_id, _type_name(obj), isinstance(obj, _Module))
        self.objects[handle.id] = obj
        if self._watching:  # what a watched call returned is watched when it is called
            self.watched[handle.id] = self._watching
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
        if spec.kind == "probe":
            return GradProbe(params["model"])
        if spec.kind == "data_dir":
            if self.data_dir is None:
                raise ValueError("no data folder was given to the checks")
            return str(self.data_dir) if params.get("as_str") else self.data_dir
        raise ValueError(f"unknown spec kind {spec.kind!r}")

    def _error_info(self, error: BaseException) -> messages.StudentError:
        """Describe an exception of student code, showing only frames from the submission."""
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if Path(frame.filename).parent == self.folder]
        lines = [f'  File "{Path(f.filename).name}", line {f.lineno}, in {f.name}\n'
                 + (f"    {f.line}\n" if f.line else "") for f in frames[-8:]]
        return messages.StudentError.of(error, "".join(lines))


class GradProbe(nn.Module):
    """Runs `model` and records, for each forward pass, whether gradient tracking was on
    (`grad_enabled`): checks hand it to a function that must run a model without tracking."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.grad_enabled: list[bool] = []

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        self.grad_enabled.append(bool(_is_grad_enabled()))
        return self.model(*args, **kwargs)


class _Namespace:
    """Attribute access over a dict of globals, so a notebook looks like a module."""

    def __init__(self, names: dict):
        self.__dict__.update(names)


class _Unusable(Exception):
    """A submission file that cannot be used (missing, unreadable, a syntax error, …)."""

    def __init__(self, info: messages.StudentError):
        super().__init__(info.message)
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
        return value + ("\n" + _("… (output cut)") if len(value) >= MAX_OUTPUT else "")


def _codes(values: Iterable[Any]) -> Iterator[types.CodeType]:
    """The code of the functions among `values`, and of the methods of the classes among them."""
    for value in values:
        members = vars(value).values() if isinstance(value, type) else [value]
        for member in members:
            code = getattr(getattr(member, "__func__", member), "__code__", None)
            if isinstance(code, types.CodeType):
                yield code


def _layer(layer: dict) -> nn.Module:
    cls = _LAYER_CLASSES[layer["type"]]
    if layer["type"] == "Linear":
        return cls(int(layer["in_features"]), int(layer["out_features"]), bias=layer.get("bias", True))
    if layer["type"] == "Softmax":
        return cls(dim=layer.get("dim"))
    return cls()


def _type_name(obj: Any) -> str:
    kind = type(obj)
    if kind is GradProbe:  # the checks' own stand-in for a model
        return "torch.nn.Module"
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
