"""The checks' view of a submission: every question goes through plain-data requests.

`Student` does not care where the student code runs. `local_student` answers in this process
(public checks, `nnkit check`); the grader gives it a transport to an isolated worker. Both
paths encode and decode every value, so a check behaves the same in both places.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnkit import codec
from nnkit.codec import Handle, Spec

Transport = Callable[[dict, list[bytes]], tuple[dict, list[bytes]]]


@dataclass
class Outcome:
    """What one call into student code gave back."""

    target: str
    args: tuple
    kwargs: dict
    value: Any = None
    type_name: str = ""
    error: dict | None = None
    args_after: list | None = None
    grads: list | None = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Student:
    """Asks a submission to run functions and keep objects, with plain data in and out."""

    transport: Transport
    outputs: list[str] = field(default_factory=list)

    def call(self, target: str | Handle, *args: Any, method: str = "__call__",
             grad_wrt: tuple[int, ...] = (), grad_seed: Any = None, seed: int | None = None,
             as_float: bool = False, eval_no_grad: bool = False, **kwargs: Any) -> Outcome:
        """Call `target` (an exercise id like "05_losses.mse", or a handle) with `args`.

        The inputs come back too (`args_after`), so a check can tell whether they were modified;
        with `grad_wrt`, the result is backpropagated and the inputs' gradients come back.
        """
        buffers: list[bytes] = []
        options = {"return_args": True, "grad_wrt": list(grad_wrt), "backward": bool(grad_wrt),
                   "seed": seed, "as_float": as_float, "eval_no_grad": eval_no_grad}
        if grad_seed is not None:
            options["grad_seed"] = codec.encode(grad_seed, buffers)
        wire_target = target if isinstance(target, str) else {"handle": target.id, "method": method}
        request = {"op": "call", "target": wire_target, "options": options,
                   "args": codec.encode(list(args), buffers), "kwargs": codec.encode(kwargs, buffers)}
        answer, values = self._ask(request, buffers)
        name = target if isinstance(target, str) else f"{target.type_name}.{method}"
        outcome = Outcome(name, args, kwargs, output=answer.get("output", ""))
        if not answer.get("ok"):
            outcome.error = answer.get("error", {"type": "Error", "message": "no answer"})
            return outcome
        outcome.value = codec.decode(answer.get("value"), values)
        outcome.type_name = answer.get("type", "")
        if "args_after" in answer:
            outcome.args_after = codec.decode(answer["args_after"], values)
        if answer.get("grads") is not None:
            outcome.grads = codec.decode(answer["grads"], values)
        return outcome

    def build(self, kind: str, **params: Any) -> Handle:
        """Have the student side build a standard object (a model, loss, optimizer, …)."""
        return self._value({"op": "build"}, spec=Spec(kind, params))

    def load(self, stem: str) -> dict | None:
        """Import exercise file `stem` on the student side: None, or the error that stopped it."""
        answer, _ = self._ask({"op": "load", "file": stem}, [])
        return None if answer.get("ok") else answer.get("error", {"type": "Error", "message": "no answer"})

    def describe(self, handle: Handle) -> dict:
        return self._value({"op": "describe", "handle": handle.id})

    def state(self, handle: Handle, grads: bool = False) -> dict:
        """The object's state_dict (or its parameters' gradients), as plain tensors."""
        return self._value({"op": "state", "handle": handle.id, "grads": grads})

    def load_state(self, handle: Handle, state: dict) -> None:
        buffers: list[bytes] = []
        request = {"op": "load_state", "handle": handle.id, "state": codec.encode(state, buffers)}
        answer, _ = self._ask(request, buffers)
        if not answer.get("ok"):
            raise StudentSideError(answer.get("error", {}))

    def _value(self, request: dict, spec: Spec | None = None) -> Any:
        buffers: list[bytes] = []
        if spec is not None:
            request["spec"] = codec.encode(spec, buffers)
        answer, values = self._ask(request, buffers)
        if not answer.get("ok"):
            raise StudentSideError(answer.get("error", {}))
        return codec.decode(answer.get("value"), values)

    def _ask(self, request: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        answer, values = self.transport(request, buffers)
        if answer.get("output"):
            self.outputs.append(answer["output"])
        return answer, values


class StudentSideError(Exception):
    """A request other than a call failed on the student side (a broken model, say)."""

    def __init__(self, info: dict):
        super().__init__(f"{info.get('type', 'Error')}: {info.get('message', '')}")
        self.info = info


def local_student(folder: Path, data_dir: Path | None = None,
                  provided: dict[str, dict] | None = None) -> Student:
    """A Student whose code runs in this process; requests still cross the wire format.

    `provided` maps exercise file stems to namespaces (a notebook's globals) used instead of
    the files in `folder`.
    """
    from nnkit.executor import Executor

    executor = Executor(Path(folder).resolve(), data_dir)
    for stem, namespace in (provided or {}).items():
        executor.provide(stem, namespace)

    def transport(request: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        header, values = codec.unpack(codec.pack(request, buffers))
        answer, out = executor.handle(header, values)
        return codec.unpack(codec.pack(answer, out))

    return Student(transport)
