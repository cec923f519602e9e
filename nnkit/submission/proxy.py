"""The checks' view of a submission: every question goes through typed, plain-data requests.

`Submission` does not care where the student code runs. `local_submission` answers in this
process (public checks, `nnkit check`, notebooks); the grader gives it a transport to an isolated
worker. Both paths frame and decode every value, so a check behaves the same in both places.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnkit.submission.callwatch import Reached
from nnkit.wire import codec, frames, messages
from nnkit.wire.codec import Handle, Spec

# (request header, buffers) → (answer header, buffers): in-process, or across a worker's socket
Transport = Callable[[dict, list[bytes]], tuple[dict, list[bytes]]]


@dataclass
class Outcome:
    """What one call into student code gave back."""

    target: str
    args: tuple
    kwargs: dict
    value: Any = None
    type_name: str = ""
    error: messages.StudentError | None = None
    args_after: list | None = None
    grads: list | None = None
    output: str = ""
    exercise: str | None = None  # the exercise id the call belongs to (a handle's: the call that made it)
    reached: list[Reached] = field(default_factory=list)  # forbidden calls it reached while it ran
    kept: Handle | None = None  # the result, kept on the student side (`keep=True`)
    cpu_limit: float | None = None
    cpu_seconds: float | None = None  # the processor time it used (with a `cpu_limit`)
    stopped: bool = False  # its cpu_limit stopped it

    @property
    def ok(self) -> bool:
        return self.error is None


class StudentSideError(Exception):
    """A request other than a call failed on the student side (a broken model, say)."""

    def __init__(self, error: messages.StudentError):
        super().__init__(f"{error.type}: {error.message}")
        self.error = error


def catalog_forbidden(exercise_id: str) -> Sequence[str]:
    """The course's forbidden names of an exercise id (none for anything else)."""
    from nnkit.course import catalog

    try:
        return catalog.by_id(exercise_id).forbidden
    except KeyError:
        return ()


@dataclass
class Submission:
    """Asks a submission to run functions and keep objects, with plain data in and out.

    `forbidden` gives the names a call of an exercise id is watched for while it runs (the course's
    table by default): a forbidden call it reaches comes back in the outcome's `reached`."""

    transport: Transport
    outputs: list[str] = field(default_factory=list)
    forbidden: Callable[[str], Sequence[str]] = catalog_forbidden
    origins: dict[int, str] = field(default_factory=dict)  # handle id → the exercise id whose call made it

    def call(self, target: str | Handle, *args: Any, method: str = "__call__",
             grad_wrt: tuple[int, ...] = (), grad_seed: Any = None, seed: int | None = None,
             as_float: bool = False, eval_no_grad: bool = False, keep: bool = False,
             cpu_limit: float | None = None, **kwargs: Any) -> Outcome:
        """Call `target` (an exercise id like "05_losses.mse", or a handle) with `args`.

        The inputs come back too (`args_after`), so a check can tell whether they were modified;
        with `grad_wrt`, the result is backpropagated and the inputs' gradients come back; with
        `keep`, the result also stays on the student side (`Outcome.kept`, see `fetch`); with
        `cpu_limit`, the call may use that many seconds of processor time (`Outcome.cpu_seconds`).
        """
        buffers: list[bytes] = []
        named = isinstance(target, str)
        request = messages.Call(
            target=target if named else None, handle=None if named else target.id, method=method,
            args=codec.encode(list(args), buffers), kwargs=codec.encode(kwargs, buffers),
            grad_wrt=list(grad_wrt), seed=seed, as_float=as_float, eval_no_grad=eval_no_grad,
            grad_seed=None if grad_seed is None else codec.encode(grad_seed, buffers),
            watch=list(self.forbidden(target)) if named else [], keep=keep,
            cpu_limit=None if cpu_limit is None else float(cpu_limit))
        name = target if named else f"{target.type_name}.{method}"
        exercise = target if named else self.origins.get(target.id)
        outcome = Outcome(name, args, kwargs, exercise=exercise, cpu_limit=request.cpu_limit)
        answer, values = self._ask(request, buffers)
        outcome.output = answer.output
        outcome.reached = [Reached.from_dict(r) for r in answer.reached if type(r) is dict]
        outcome.cpu_seconds, outcome.stopped = answer.cpu_seconds, bool(answer.stopped)
        if isinstance(answer, messages.Raised):
            outcome.error = answer.student_error
            return outcome

        def made(handle: Handle) -> Handle:  # objects a call returns belong to its exercise
            if exercise is not None:
                self.origins.setdefault(handle.id, exercise)
            return handle

        outcome.value = codec.decode(answer.value, values, on_handle=made)
        outcome.type_name = answer.type_name
        if answer.kept is not None:
            outcome.kept = codec.decode(answer.kept, values, on_handle=made)
        if answer.args_after is not None:
            outcome.args_after = codec.decode(answer.args_after, values)
        if answer.grads is not None:
            outcome.grads = codec.decode(answer.grads, values)
        return outcome

    def build(self, kind: str, **params: Any) -> Handle:
        """Have the student side build a standard object (a model, loss, optimizer, …)."""
        buffers: list[bytes] = []
        return self._value(messages.Build(spec=codec.encode(Spec(kind, params), buffers)), buffers)

    def load(self, stem: str) -> messages.StudentError | None:
        """Import exercise file `stem` on the student side: None, or the error that stopped it."""
        answer, _ = self._ask(messages.Import(file=stem), [])
        return answer.student_error if isinstance(answer, messages.Raised) else None

    def describe(self, handle: Handle) -> dict:
        return self._value(messages.Describe(handle=handle.id))

    def state(self, handle: Handle, grads: bool = False) -> dict:
        """The object's state_dict (or its parameters' gradients), as plain tensors."""
        return self._value(messages.ReadState(handle=handle.id, grads=grads))

    def fetch(self, handle: Handle, attribute: str | None = None) -> Any:
        """A kept object's value (or one of its attributes) as it is now on the student side."""
        return self._value(messages.Fetch(handle=handle.id, attribute=attribute))

    def load_state(self, handle: Handle, state: dict) -> None:
        buffers: list[bytes] = []
        self._value(messages.LoadState(handle=handle.id, state=codec.encode(state, buffers)), buffers)

    def _value(self, request: messages.Message, buffers: list[bytes] = ()) -> Any:
        answer, values = self._ask(request, list(buffers))
        if isinstance(answer, messages.Raised):
            raise StudentSideError(answer.student_error)
        return codec.decode(answer.value, values)

    def _ask(self, request: messages.Message, buffers: list[bytes]) -> tuple[messages.Message, list[bytes]]:
        header, values = self.transport(request.header(), buffers)
        answer = messages.decode(header, messages.Returned, messages.Raised)
        if answer.output:
            self.outputs.append(answer.output)
        return answer, values


def local_submission(folder: Path, data_dir: Path | None = None,
                     provided: dict[str, dict] | None = None) -> Submission:
    """A Submission whose code runs in this process; requests still cross the wire format.

    `provided` maps exercise file stems to namespaces (a notebook's globals) used instead of
    the files in `folder`.
    """
    from nnkit.course import catalog
    from nnkit.submission.executor import Executor

    executor = Executor(Path(folder).resolve(), data_dir, catalog.forbidden_lists())
    for stem, namespace in (provided or {}).items():
        executor.provide(stem, namespace)

    def transport(header: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        answer, out = executor.handle(*frames.unpack(frames.pack(header, buffers)))
        return frames.unpack(frames.pack(answer, out))

    return Submission(transport)
