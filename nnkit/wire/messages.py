"""Every message the kit's processes send each other, typed: requests, answers and errors.

A message is a small class with declared fields; `header()` turns it into the JSON header of a
frame (see `frames`), and `decode(header)` turns a header back into the message its `op` names,
checking every field's type, since the sender may be student code. Values that hold tensors
travel as codec nodes (see `codec`) whose bytes ride in the frame's buffers.

Three conversations use them:
- checks ↔ the student side (in-process, or a sandboxed worker): Call, Build, Describe,
  ReadState, LoadState, Fetch, Drop, Import → Returned or Raised; Stage → Staged opens a worker;
- a grading job ↔ the zygote: Ready, Spawn → Spawned (with descriptors), Reap → Reaped;
- `nnkit check` ↔ the warm check server: Knock → Challenge → Hello (with Ping, Stop or a Job) →
  Pong or Done; and Warm, Job → Done between the server (or `nnkit watch`) and a warm process.
"""

from __future__ import annotations

from typing import Any, ClassVar

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "bool": (bool,), "float": (float, int), "dict": (dict,),
    "list": (list,), "any": (object,),
}


class MessageError(ValueError):
    """A header that is not a message of this protocol (unknown op, missing or mistyped field)."""


class Message:
    """A message, declared in its class line: `op` names it on the wire, `fields` maps each field
    to its type ("str", "int", "bool", "dict", "list", "any"; "?" lets it be None), `defaults`
    gives the values of fields a sender may leave out."""

    op: ClassVar[str] = ""
    FIELDS: ClassVar[dict[str, str]] = {}
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    _BY_OP: ClassVar[dict[str, type[Message]]] = {}

    def __init_subclass__(cls, op: str = "", fields: dict[str, str] | None = None,
                          defaults: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.op, cls.FIELDS, cls.DEFAULTS = op, dict(fields or {}), dict(defaults or {})
        if op:
            Message._BY_OP[op] = cls

    def __init__(self, **values: Any):
        unknown = set(values) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        for name in self.FIELDS:
            setattr(self, name, values[name] if name in values else self.DEFAULTS.get(name))

    def header(self, **extra: Any) -> dict:
        """The JSON header of this message; `extra` adds envelope keys (a request id, a seed)."""
        return {"op": self.op, **{name: getattr(self, name) for name in self.FIELDS}, **extra}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.header() == other.header()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__name__}({fields})"


def decode(header: Any, *expected: type[Message]) -> Message:
    """The message a header holds; with `expected`, it must be one of those."""
    if type(header) is not dict or type(header.get("op")) is not str:
        raise MessageError("a header without an op")
    cls = Message._BY_OP.get(header["op"])
    if cls is None or (expected and cls not in expected):
        wanted = " or ".join(c.op for c in expected) if expected else "a known op"
        raise MessageError(f"a {header['op']!r} message where {wanted} was expected")
    values = {}
    for name, kind in cls.FIELDS.items():
        optional = kind.endswith("?")
        value = header.get(name, cls.DEFAULTS.get(name))
        if value is None and (optional or name in cls.DEFAULTS):
            values[name] = value
            continue
        allowed = _TYPES[kind.rstrip("?")]
        if value is None or not isinstance(value, allowed) or (bool not in allowed and type(value) is bool):
            raise MessageError(f"{cls.op}: field {name!r} is not a {kind.rstrip('?')}")
        values[name] = value
    return cls(**values)


# ---------------------------------------------------------------- errors of student code
class StudentError(Message, op="student_error",
                   fields={"type": "str", "mro": "list", "message": "str", "traceback": "str",
                           "not_started": "bool", "problem": "str?"},
                   defaults={"mro": [], "traceback": "", "not_started": False}):
    """What went wrong on the student side: an exception of their code, or (`problem` set) a
    file that could not be used at all: missing_file, encoding, too_large, syntax_error,
    import_error, missing_name. The one place such errors are built."""

    @classmethod
    def of(cls, error: BaseException, traceback: str = "") -> StudentError:
        return cls(type=type(error).__name__, mro=[c.__name__ for c in type(error).__mro__],
                   message=str(error)[:2000], traceback=traceback[:4000],
                   not_started=isinstance(error, NotImplementedError))

    @classmethod
    def unusable(cls, problem: str, message: str) -> StudentError:
        """A submission file that cannot be used: no points for anything in it."""
        return cls(type="SubmissionProblem", mro=["SubmissionProblem"], message=message, problem=problem)

    def raised(self, name: str) -> bool:
        """Whether the error is an exception of class `name` (or a subclass of it)."""
        return self.problem is None and name in self.mro


# ---------------------------------------------------------------- checks ↔ the student side
class Call(Message, op="call",
           fields={"target": "str?", "handle": "int?", "method": "str", "args": "any", "kwargs": "any",
                   "grad_wrt": "list", "grad_seed": "any?", "seed": "int?", "as_float": "bool",
                   "eval_no_grad": "bool", "return_args": "bool", "watch": "list", "keep": "bool",
                   "cpu_limit": "float?"},
           defaults={"method": "__call__", "grad_wrt": [], "as_float": False, "eval_no_grad": False,
                     "return_args": True, "watch": [], "keep": False}):
    """Call an exercise (`target`, "<file>.<name>") or a method of a kept object (`handle`).

    `watch`: the forbidden names to watch for while the call runs (see `callwatch`); a call that
    builds an object (a class) is not watched, but the calls on what it returns are, and so are
    those on objects any watched call returns. `keep`: keep the result on the student side too,
    behind a handle (`Returned.kept`), to read it again later (`Fetch`). `cpu_limit`: the seconds
    of processor time the call may use; it is measured after torch has been warmed up, comes back
    as `cpu_seconds`, and the call is stopped (`stopped`) where the system can interrupt it."""


class Build(Message, op="build", fields={"spec": "any"}):
    """Build a standard object (a model, a loss, an optimizer) on the student side from a spec."""


class Describe(Message, op="describe", fields={"handle": "int"}):
    """A kept object in the words of standard layers (see `executor.describe`)."""


class ReadState(Message, op="read_state", fields={"handle": "int", "grads": "bool"},
                defaults={"grads": False}):
    """A kept module's state_dict, or with `grads` its parameters' gradients."""


class LoadState(Message, op="load_state", fields={"handle": "int", "state": "any"}):
    """Copy these tensors into a kept module's parameters."""


class Fetch(Message, op="fetch", fields={"handle": "int", "attribute": "str?"}):
    """A kept object's value as plain data again, or (`attribute`) one of its attributes'."""


class Drop(Message, op="drop", fields={"handle": "int"}):
    """Forget a kept object."""


class Import(Message, op="import", fields={"file": "str"}):
    """Import one exercise file of the submission now (its stem)."""


# What a Call reports besides its value, answered or raised: the forbidden calls it reached (as
# `callwatch.Reached.as_dict`), its processor time and whether its limit stopped it.
CALL_REPORT = {"reached": "list", "cpu_seconds": "float?", "stopped": "bool"}
CALL_REPORT_DEFAULTS = {"reached": [], "stopped": False}


class Returned(Message, op="returned",
               fields={"value": "any?", "type_name": "str", "grads": "any?", "args_after": "any?",
                       "output": "str", "kept": "any?", **CALL_REPORT},
               defaults={"type_name": "", "output": "", **CALL_REPORT_DEFAULTS}):
    """What a request gave back; `output` is what the student's code printed meanwhile, `kept` the
    handle of a result the call was asked to keep."""


class Raised(Message, op="raised", fields={"error": "dict", "output": "str", **CALL_REPORT},
             defaults={"output": "", **CALL_REPORT_DEFAULTS}):
    """A request failed on the student side; `error` is a StudentError's header."""

    @property
    def student_error(self) -> StudentError:
        return decode({**self.error, "op": StudentError.op}, StudentError)


class Stage(Message, op="stage",
            fields={"files": "dict", "data": "dict", "generation": "int", "forbidden": "list"},
            defaults={"forbidden": []}):
    """The grader's first message to a new worker: the submission's files and the data, as
    buffers (name → index), how many workers this submission had before, and the course's lists
    of forbidden names (resolved before any student code is imported)."""


class Staged(Message, op="staged", fields={"uid": "int"}):
    """The worker wrote the files and runs as `uid` from now on."""


# ---------------------------------------------------------------- a grading job ↔ the zygote
class Ready(Message, op="ready", fields={"pid": "int", "uid": "int", "sandboxed": "bool", "private": "bool"}):
    """The zygote has imported torch and serves this job slot."""


class Spawn(Message, op="spawn", fields={"uid": "int?", "rlimits": "dict"}):
    """Fork a worker for this slot, to run as `uid` under these rlimits."""


class Spawned(Message, op="spawned", fields={"pid": "int"}):
    """The worker's pid; its socket (and pidfd) ride with this message."""


class Reap(Message, op="reap"):
    """End the slot's worker and everything it left behind."""


class Reaped(Message, op="reaped", fields={"ended": "str"}):
    """How the worker ended, in words."""


# ---------------------------------------------------------------- `nnkit check` ↔ the warm server
class Knock(Message, op="knock", fields={"nonce": "str"}):
    """A client's first words: a fresh nonce, which the server must answer with its proof."""


class Challenge(Message, op="challenge", fields={"nonce": "str", "proof": "str", "pid": "int"}):
    """The server proves it holds this user's secret (an HMAC of the client's nonce) and asks the
    client to prove the same for its own nonce."""


class Hello(Message, op="hello", fields={"proof": "str", "fingerprint": "str", "request": "dict"}):
    """The client's proof, the install it runs (its fingerprint) and its request."""


class Ping(Message, op="ping"):
    """Are you there, and up to date?"""


class Pong(Message, op="pong", fields={"pid": "int", "stale": "bool", "warm": "bool"},
           defaults={"stale": False, "warm": False}):
    """The server's pid; `warm` says a warm process is ready for the next job right now."""


class Stop(Message, op="stop"):
    """Finish the jobs in flight, then exit."""


class Warm(Message, op="warm", fields={"pid": "int", "forks": "bool"}):
    """A warm process is ready; `forks` says it stays warm after a job (Linux) or exits."""


class Job(Message, op="job", fields={"ids": "list", "path": "str?", "cwd": "str", "env": "dict"}):
    """One run of the public checks, as the student's own process would run it: where, with
    which environment, which exercise ids, and the folder of their files."""


class Done(Message, op="done", fields={"verdicts": "list", "problem": "str?"}, defaults={"verdicts": []}):
    """The verdicts of a job's checks (see `nnkit.testing.verdict`), or why it could not run."""
