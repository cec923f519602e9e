"""Watch what a student's function calls while it runs, and report the forbidden calls it reaches.

The source scan (`nnkit/harness/forbidden.py`) reads the text and gives the friendliest message, but a call
the text hides (`getattr(torch, "re" + "lu")`, `vars(torch)["sigmoid"]`, `eval("F.mse_loss")`,
`torch.ops.aten._log_softmax(...)`) is only seen when the code runs. Used on the side that runs
student code, around the one call a check wants watched:

    with CallWatch(["torch.relu", "Tensor.relu"], folder) as watch:
        value = function(*args, **kwargs)
    watch.found  # [Reached(name="torch.relu", called="torch.relu", file="activations.py", line=12, …)]

Two of torch's own hooks see the calls. `TorchFunctionMode` sees every torch function,
`torch.nn.functional` function and Tensor method that Python code calls; a module (`nn.Linear`) or
a Python package (`torch.optim`) is seen through the frames of its code on the stack.
`TorchDispatchMode` sees aten operators, and speaks only for those that no Python-level call
covers (`torch.ops.aten.X(...)` called directly, or torch functions switched off).

Only the call the student's code makes counts, never what torch's own code does under it: for
each call seen, the frames between it and the nearest frame outside torch are torch's; the
outermost of them (past the generic machinery of module calls, decorators and dispatch) is the
call that was made, and it alone is judged. So an allowed call may use a forbidden operator for
its own purposes. Which call is watched is the caller's choice (a layer's forward, not its
construction, whose weight initialisation the curriculum leaves free); an empty list of names
watches nothing and costs nothing.

Cost: a few microseconds a torch call (bench/callwatch_overhead.py). The operators under a call
that was judged skip Python dispatch altogether (`torch._C._DisableTorchDispatch`), so a tensor
subclass with its own `__torch_dispatch__` would not see them while watched; none of the
exercises has one.

This is a rule of the exercises, not a security measure: code that runs in its own process can
still hide a call (its own threads, torch's mode stack, ...). It makes an honest shortcut visible.
"""

from __future__ import annotations

import contextlib
import dis
import inspect
import linecache
import os
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.overrides import TorchFunctionMode

from nnkit.harness.forbidden import ALIASES, MATMUL, canonical, matches
from nnkit.i18n.lang import _, ngettext

if TYPE_CHECKING:
    from typing_extensions import Self

try:  # torch's own module, private but public in use since torch 1.13
    from torch.utils._python_dispatch import TorchDispatchMode
except ImportError:  # pragma: no cover - torch without it: the Python-level watch still works
    TorchDispatchMode = None

_NO_DISPATCH = getattr(torch._C, "_DisableTorchDispatch", contextlib.nullcontext)
_getframe = sys._getframe  # captured at import, before student code can rebind anything
_TENSOR_MATMUL = torch.Tensor.matmul  # what `a @ b` reaches: only the bytecode tells them apart
_OPERATORS = tuple(getattr(torch._ops, name) for name in ("OpOverload", "OpOverloadPacket")
                   if hasattr(torch._ops, name))
TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
# Generic torch machinery between a call and the code it runs; None: every function of the file.
MACHINERY_FILES: dict[str, frozenset[str] | None] = {
    os.path.join("nn", "modules", "module.py"): frozenset({"_wrapped_call_impl", "_call_impl", "__call__"}),
    "overrides.py": None,
    "_compile.py": None,
    "_tensor.py": frozenset({"wrapped"}),
    "_jit_internal.py": frozenset({"fn"}),
    os.path.join("utils", "_contextlib.py"): None,
    os.path.join("utils", "_python_dispatch.py"): None,
    os.path.join("_dynamo", "eval_frame.py"): frozenset({"_fn"}),
}
OPS_FILE = "_ops.py"  # torch.ops.<namespace>.<op>(...): the frame's `self` is the operator
OUTSIDE, MACHINERY, OPERATOR, TORCH = range(4)
# The Python-level homes of an aten operator's name (aten._log_softmax: torch.log_softmax, …), and
# the endings that aten adds to it (aten.nll_loss_forward, aten.cross_entropy_loss).
OPERATOR_HOMES = ("torch.", "Tensor.", "torch.nn.functional.", "torch.special.")
OPERATOR_SUFFIXES = ("_forward", "_loss")


@dataclass(frozen=True)
class Reached:
    """One forbidden call the watched code reached, and the student's line that reached it."""

    name: str    # the forbidden entry it falls under, e.g. "torch.relu", "@" or "torch.optim"
    called: str  # what ran, e.g. "torch.ops.aten._log_softmax" or "torch.optim.sgd"
    file: str    # the student's file that reached it; "" when no line of the submission did
    line: int    # its line number there; 0 when unknown
    code: str    # that line, stripped

    def as_dict(self) -> dict:
        """Plain data, to cross from the worker to the grader."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Reached:
        return cls(str(data.get("name", "")), str(data.get("called", "")), str(data.get("file", "")),
                   int(data.get("line", 0)), str(data.get("code", "")))


class CallWatch:
    """A context manager: while it is open, the forbidden calls this thread reaches are recorded in
    `found` (each call and line once, in the order they happened). `folder` holds the student's
    files, and `files` names more of them (a notebook's cells); the line reported is the
    innermost frame of one of those."""

    def __init__(self, forbidden: Iterable[str], folder: str | Path | None = None, files: Iterable[str] = ()):
        self.rules = _rules(tuple(dict.fromkeys(forbidden)))
        self.folder = None if folder is None else _prefixes(str(folder))
        self.files = frozenset(files)  # student code outside the folder: a notebook's cells
        self.found: list[Reached] = []
        self.error: BaseException | None = None  # a fault of the watch itself (never the student's)
        self._depth = 0  # inside a call the Python-level watch has judged
        self._seen: set[tuple[str, str, int]] = set()
        self._modes: list[Any] = []

    def __enter__(self) -> Self:
        if self.rules.names:
            self._modes = [_FunctionWatch(self)] + ([_DispatchWatch(self)] if TorchDispatchMode else [])
            for mode in self._modes:
                mode.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for mode in reversed(self._modes):
            mode.__exit__(*exc_info)
        self._modes = []

    def _operator_call(self, op: Any, frame: types.FrameType | None) -> None:
        if not self._depth:  # under a Python-level call, that call was judged instead
            self._judge(op, frame)

    def _judge(self, func: Any, frame: types.FrameType | None) -> None:
        try:
            entry, outside = _entry(frame)
            if entry is None:
                hit = self.rules.of_callable(func, outside)
            elif _place(entry.f_code) == OPERATOR:
                hit = self.rules.of_callable(entry.f_locals.get("self"), None)
            else:
                hit = self.rules.of_code(entry.f_code)
            if hit:
                self._report(*hit, outside)
        except Exception as error:
            self.error = self.error or error

    def _report(self, name: str, called: str, frame: types.FrameType | None) -> None:
        while frame is not None and self.folder is not None and not self._students(frame.f_code.co_filename):
            frame = frame.f_back
        file, line = (frame.f_code.co_filename, frame.f_lineno or 0) if frame is not None else ("", 0)
        if (name, file, line) in self._seen:
            return
        self._seen.add((name, file, line))
        code = linecache.getline(file, line).strip() if file and line else ""
        self.found.append(Reached(name, called, os.path.basename(file), line, code))


    def _students(self, path: str) -> bool:
        return path.startswith(self.folder) or path in self.files


class _FunctionWatch(TorchFunctionMode):
    def __init__(self, watch: CallWatch):
        super().__init__()
        self.watch = watch

    def __torch_function__(self, func, types, args=(), kwargs=None):
        watch = self.watch
        watch._judge(func, _getframe(1))
        watch._depth += 1
        try:
            with _NO_DISPATCH():  # the operators under a judged call need no judging: skip their Python hop
                return func(*args, **(kwargs or {}))
        finally:
            watch._depth -= 1


if TorchDispatchMode is not None:
    class _DispatchWatch(TorchDispatchMode):
        def __init__(self, watch: CallWatch):
            super().__init__()
            self.watch = watch

        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            """No torch._dynamo wrapper around the handler (torch >= 2.5 adds one): it would import
            torch._dynamo on first use and cost every operator a frame."""
            return False

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.watch._operator_call(func, _getframe(1))
            return func(*args, **(kwargs or {}))


def describe(exercise_id: str, reached: Sequence[Reached], most: int = 5) -> str:
    """A message for the student: each forbidden call reached, the line that reached it, and why
    it costs the points."""
    lines = [_("{exercise} reached a call this exercise does not allow while it ran:").format(
        exercise=exercise_id)]
    for call in reached[:most]:
        if call.line:
            lines.append(_("  {file}, line {line}: {code}").format(
                file=call.file, line=call.line, code=call.code))
        else:
            lines.append(_("  (no line of the submission: the exercise itself is torch's own function)"))
        if call.name == MATMUL:
            lines.append(_("    this uses the @ operator, the matrix product itself"))
        elif call.called != call.name:
            lines.append(_("    this calls {called}: nothing from {name} is allowed here").format(
                called=call.called, name=call.name))
        else:
            lines.append(_("    this calls {called}").format(called=call.called))
    if len(reached) > most:
        left = len(reached) - most
        more = ngettext("  … and {count} more call", "  … and {count} more calls", left)
        lines.append(more.format(count=left))
    lines.append(_(
        "The calls were watched while {exercise} ran, however they are written (an alias, getattr, "
        "vars, eval or torch.ops): the library's own version of the concept would do the exercise "
        "for you. Rewrite it with other torch operations; until then {exercise} earns no points, even "
        "with the right values.").format(exercise=exercise_id))
    return "\n".join(lines)


# ---------------------------------------------------------------- which call was made
@cache
def _prefixes(folder: str) -> tuple[str, ...]:
    """The paths a file of the folder may have: as given, and with links resolved."""
    resolvers = (os.path.abspath, os.path.realpath)
    return tuple(dict.fromkeys(os.path.join(path(folder), "") for path in resolvers))


@cache
def _place(code: types.CodeType) -> int:
    """Where a frame's code lives: outside torch, torch's generic machinery, an operator call, torch."""
    path = code.co_filename
    if not path.startswith(TORCH_DIR):
        return OUTSIDE
    inside = path[len(TORCH_DIR):]
    if inside in MACHINERY_FILES and (MACHINERY_FILES[inside] is None
                                      or code.co_name in MACHINERY_FILES[inside]):
        return MACHINERY
    return OPERATOR if inside == OPS_FILE and code.co_name == "__call__" else TORCH


def _entry(frame: types.FrameType | None) -> tuple[types.FrameType | None, types.FrameType | None]:
    """(the call the code outside torch made, as its outermost torch frame past the machinery, or
    None when it called torch's C code directly; the nearest frame outside torch)."""
    entry = None
    while frame is not None:
        place = _place(frame.f_code)
        if place == OUTSIDE:
            break
        if place != MACHINERY:
            entry = frame
        frame = frame.f_back
    return entry, frame


@cache
def _matmul_offsets(code: types.CodeType) -> frozenset[int]:
    """The bytecode offsets of `@` and `@=` in a function."""
    return frozenset(i.offset for i in dis.get_instructions(code)
                     if i.opname in ("BINARY_MATRIX_MULTIPLY", "INPLACE_MATRIX_MULTIPLY")
                     or (i.opname == "BINARY_OP" and i.argrepr in ("@", "@=")))


# ---------------------------------------------------------------- what the forbidden names are
class _Rules:
    """The forbidden names, resolved to what runs: objects (functions, methods, operators), the code
    of Python functions and of classes' methods, and the files of modules. Each maps to (the
    forbidden entry, the name of what ran)."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self.objects: dict[Any, tuple[str, str]] = {}
        self.codes: dict[types.CodeType, tuple[str, str]] = {}
        self.files: list[tuple[str, str]] = []
        self.verdicts: dict[Any, tuple[str, str] | None] = {}  # what each function called so far is
        self.matmul = MATMUL in names
        for dotted in names:
            self._add(dotted, dotted)
        for alias, target in ALIASES.items():
            entry = matches(target, names)
            if entry:
                self._add(alias, entry)

    def _add(self, dotted: str, entry: str) -> None:
        if dotted == MATMUL:
            for method in ("__matmul__", "__rmatmul__", "__imatmul__"):
                self._add(f"Tensor.{method}", MATMUL)
            return
        found = _resolve(dotted)
        if isinstance(found, types.ModuleType):
            path = os.path.abspath(getattr(found, "__file__", None) or "")
            if os.path.basename(path) == "__init__.py":
                path = os.path.dirname(path) + os.sep
            self.files.append((path, entry))
            for value in vars(found).values():
                name = _dotted(value)
                if callable(value) and name and matches(name, [dotted]):
                    self._add_object(value, entry, name)
        elif isinstance(found, type):
            for value in vars(found).values():
                for function in (value, getattr(value, "__func__", None), getattr(value, "fget", None)):
                    if inspect.isfunction(function):
                        self._add_code(function, entry, f"{dotted}.{function.__name__}")
        elif found is not None:  # None: a name this torch does not have
            self._add_object(found, entry, MATMUL if entry == MATMUL else dotted)

    def _add_object(self, value: Any, entry: str, called: str) -> None:
        try:
            self.objects.setdefault(value, (entry, called))
        except TypeError:  # an unhashable object: its code (if any) still counts
            pass
        self._add_code(value, entry, called)

    def _add_code(self, value: Any, entry: str, called: str) -> None:
        while value is not None:  # a decorated function: the wrapper and what it wraps
            code = getattr(value, "__code__", None)
            if isinstance(code, types.CodeType):
                self.codes.setdefault(code, (entry, called))
            value = getattr(value, "__wrapped__", None)

    def of_code(self, code: types.CodeType) -> tuple[str, str] | None:
        """(forbidden entry, what ran) for the code of a torch frame, or None when it is allowed."""
        hit = self.codes.get(code)
        if hit:
            return hit
        for prefix, entry in self.files:
            if code.co_filename.startswith(prefix):
                inside = os.path.splitext(code.co_filename[len(TORCH_DIR):])[0].split(os.sep)
                return entry, ".".join(["torch", *(part for part in inside if part != "__init__")])
        return None

    def of_callable(self, func: Any, caller: types.FrameType | None) -> tuple[str, str] | None:
        """(forbidden entry, what ran) for a function, method or aten operator called from `caller`."""
        if func is _TENSOR_MATMUL and caller is not None and caller.f_lasti in _matmul_offsets(caller.f_code):
            return (MATMUL, MATMUL) if self.matmul else None
        try:
            return self.verdicts[func]
        except KeyError:
            verdict = self.verdicts[func] = self._of_callable(func)
        except TypeError:  # unhashable: judged every time
            verdict = self._of_callable(func)
        return verdict

    def _of_callable(self, func: Any) -> tuple[str, str] | None:
        try:
            hit = self.objects.get(func)
        except TypeError:
            hit = None
        if hit:
            return hit
        if _OPERATORS and isinstance(func, _OPERATORS):
            return self._of_operator(func)
        dotted = _dotted(func)
        entry = matches(dotted, self.names) if dotted else None
        return (entry, dotted) if entry else None

    def _of_operator(self, op: Any) -> tuple[str, str] | None:
        """An aten operator falls under the forbidden name it implements: aten._log_softmax under
        torch.log_softmax, aten.nll_loss_forward under F.nll_loss, aten.linear under F.linear."""
        namespace, _, rest = str(op).partition(".")
        name = rest.split(".")[0]
        if namespace != "aten" or not name:
            return None
        stems = dict.fromkeys([name, name.lstrip("_")])
        stems.update(dict.fromkeys(stem.removesuffix(suffix)
                                   for stem in list(stems) for suffix in OPERATOR_SUFFIXES))
        for stem in stems:
            for home in OPERATOR_HOMES:
                entry = matches(canonical(home + stem), self.names)
                if entry:
                    return entry, f"torch.ops.aten.{name}"
        return None


@cache
def _rules(names: tuple[str, ...]) -> _Rules:
    return _Rules(names)


def prepare(names: Iterable[str]) -> None:
    """Resolve forbidden names now (before student code is imported, which could rebind torch's)."""
    _rules(tuple(dict.fromkeys(names)))


def _resolve(dotted: str) -> Any:
    """The object a dotted name of the catalog stands for in this torch, or None."""
    head, _, rest = dotted.partition(".")
    value: Any = {"torch": torch, "Tensor": torch.Tensor}.get(head)
    for part in rest.split(".") if rest else []:
        value = getattr(value, part, None)
    return value


def _dotted(value: Any) -> str | None:
    """The dotted name torch documents for a function or method object, when it tells one."""
    name = getattr(value, "__name__", None)
    owner = getattr(value, "__objclass__", None)
    if isinstance(owner, type) and name:
        return canonical(f"{owner.__module__}.{owner.__qualname__}.{name}")
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None) if inspect.isfunction(value) else name
    if isinstance(module, str) and isinstance(qualname, str):
        return canonical(f"{module}.{qualname}")
    return None
