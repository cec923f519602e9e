"""Expectations on what student code returned, each failing with a message for a learner.

Every message says what was called (with shapes), what was expected and what came back, and,
when the wrong answer equals a known mistake computed on the same input, which mistake it is.
Public checks and hidden tests both use these, so students see one voice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch

from nnkit import catalog, forbidden
from nnkit.codec import Handle
from nnkit.harness import mistakes as catalogue
from nnkit.harness.failures import CheckFailure, from_error
from nnkit.harness.show import shape_of, show, show_call
from nnkit.sourcefile import SourceProblem, read_source
from nnkit.student import Outcome, Student

KNOWN_MISTAKE = "This looks like a known mistake: "
STABILITY_MAGNITUDE = 100.0
FLOAT32_TOLERANCE = {"rtol": 1.3e-6, "atol": 1e-5}  # torch.testing.assert_close's float32 defaults
STABILITY_TOLERANCE = 1e-4
# A known mistake's explanation → the value it gives; or a function computing that mapping, called
# only when an answer is wrong (the mistakes of a training loop cost a training run each).
Mistakes = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def known(mistakes: Mistakes | None) -> Mapping[str, Any]:
    """The mistakes as a mapping (computed now if they were given as a function)."""
    return (mistakes() if callable(mistakes) else mistakes) or {}


@dataclass
class Part(Outcome):
    """One piece of what a call produced (an item of its result, a model's weights after it)."""

    part: str = ""


def called(out: Outcome) -> str:
    text = f"Called {show_call(out.target, out.args, out.kwargs)}"
    return f"{text}\n  and looked at {out.part}" if isinstance(out, Part) and out.part else text


def result(out: Outcome) -> Any:
    """The returned value, or the failure that explains why there is none."""
    if out.error is not None:
        raise from_error(out.target, called(out), out.error)
    return out.value


def fail(out: Outcome, expected: str, got: str, advice: str = "") -> None:
    lines = [called(out), f"  expected: {expected}", f"  got:      {got}"]
    if advice:
        lines.append(f"  {advice}")
    raise CheckFailure("\n".join(lines), mistake=mistake_named(advice))


def mistake_named(advice: str) -> str | None:
    """The catalogue name of the known mistake that `advice` (from `diagnose`) names, if any:
    reports count mistakes by name. A message shared by several exercises has one name."""
    explanation = advice.removeprefix(KNOWN_MISTAKE) if advice.startswith(KNOWN_MISTAKE) else None
    return next((name for names in catalogue.catalogue().values() for name, text in names.items()
                 if text == explanation), None)


def tolerance(out: Outcome) -> dict:
    """The contract's tolerances: float32 defaults, or 1e-4 when inputs hold entries above 100."""
    for arg in out.args:
        if type(arg) is torch.Tensor and arg.is_floating_point() and arg.numel() \
                and arg.detach().abs().max().item() > STABILITY_MAGNITUDE:
            return {"atol": STABILITY_TOLERANCE, "rtol": STABILITY_TOLERANCE}
    return dict(FLOAT32_TOLERANCE)  # float64 results too: assert_close's own float64 default is tighter


def _close(got: torch.Tensor, expected: torch.Tensor, tol: dict) -> bool:
    try:
        torch.testing.assert_close(got, expected, check_dtype=False, **tol)
        return True
    except (AssertionError, RuntimeError):
        return False


def diagnose(got: Any, mistakes: Mistakes | None, tol: dict, expected: torch.Tensor | None = None) -> str:
    """Name the known mistake whose value equals what came back, if any (one whose value is the
    expected answer itself tells nothing, and is passed over)."""
    if type(got) is not torch.Tensor:
        return ""
    for explanation, wrong in known(mistakes).items():
        try:
            wrong = torch.as_tensor(wrong)
        except (TypeError, ValueError, RuntimeError):
            continue
        if expected is not None and wrong.shape == expected.shape and _close(wrong, expected, tol):
            continue
        if wrong.shape == got.shape and _close(got.to(wrong.dtype), wrong, tol):
            return f"{KNOWN_MISTAKE}{explanation}"
    return ""


def tensor(out: Outcome, expected: torch.Tensor, *, mistakes: Mistakes | None = None) -> torch.Tensor:
    """The result is a plain torch.Tensor with the expected dtype, shape and values."""
    got = result(out)
    tol = tolerance(out)
    if type(got) is not torch.Tensor:
        fail(out, f"a plain torch.Tensor like {show(expected)}",
             f"{_kind(out, got)}: {show(got)}",
             "Return a plain torch.Tensor (not a list, a number or a subclass).")
    if got.dtype != expected.dtype:
        fail(out, f"dtype {_dtype(expected)} ({show(expected)})", f"dtype {_dtype(got)} ({show(got)})",
             diagnose(got, mistakes, tol, expected)
             or f"Convert the result with .to(torch.{_dtype(expected)}) or keep the inputs' dtype.")
    if got.shape != expected.shape:
        fail(out, f"shape {shape_of(expected)}: {show(expected)}", f"shape {shape_of(got)}: {show(got)}",
             diagnose(got, mistakes, tol, expected) or _shape_advice(got, expected))
    if not _close(got, expected, tol):
        fail(out, show(expected), show(got) + _mismatch(got, expected),
             diagnose(got, mistakes, tol, expected))
    return got


def number(out: Outcome, expected: float, *, mistakes: Mistakes | None = None) -> float:
    """The result is a number (a float, or anything float() accepts) close to `expected`."""
    got = result(out)
    if not _is_number(got):
        fail(out, f"a number like {expected:.4f}", f"{_kind(out, got)}: {show(got)}",
             "Return a Python float (for a tensor t, float(t) or t.item() gives one).")
    value = float(got)
    as_tensor = torch.tensor(value, dtype=torch.float32)
    wanted = torch.tensor(expected, dtype=torch.float32)
    if not _close(as_tensor, wanted, {}):
        hint = diagnose(as_tensor, {k: torch.tensor(float(v), dtype=torch.float32)
                                    for k, v in known(mistakes).items()}, {}, wanted)
        fail(out, f"{expected:.4f}", f"{value:.4f}", hint)
    return value


def equal(out: Outcome, expected: Any, *, mistakes: Mistakes | None = None) -> Any:
    """The result equals `expected` exactly (shapes, counts, None); a list may stand for a tuple."""
    got = result(out)
    normal = tuple(got) if type(got) in (list, tuple) else got
    wanted = tuple(expected) if type(expected) in (list, tuple) else expected
    if type(normal) is not type(wanted) or normal != wanted:
        fail(out, show(expected), show(got), _known(normal, {why: tuple(wrong) if type(wrong) in (list, tuple)
                                                             else wrong for why, wrong in known(mistakes).items()}))
    return got


def raises(out: Outcome, exception: str, why: str) -> None:
    """The call raised `exception` (or a subclass of it)."""
    if out.error is not None and out.error.get("type") == "SubmissionError" or \
            out.error is not None and out.error.get("not_started"):
        result(out)
    if out.error is None:
        fail(out, f"{exception} ({why})", f"no exception; it returned {show(out.value)}",
             f"Check the input and `raise {exception}(...)` with a message that says what is wrong.")
    if exception not in out.error.get("mro", []):
        fail(out, f"{exception} ({why})", f"{out.error.get('type')}: {out.error.get('message', '')}")


def allowed_calls(student: Student, folder: Path, exercise_id: str) -> None:
    """The exercise's function (and what it uses in its file) makes no call the exercise forbids.

    Reads the source text in `folder` (the grader never imports it); fails with kind "forbidden",
    which costs the exercise id all its points, and a message naming each call found and its line.
    A file that cannot be loaded (the student side says why) fails as that, not as a rule broken.
    """
    exercise = catalog.by_id(exercise_id)
    error = student.load(exercise.file)
    if error is not None:
        raise from_error(exercise_id, f"Loading {exercise.file}.py", error)
    try:
        source = read_source(Path(folder) / f"{exercise.file}.py")
        findings = forbidden.scan(source, exercise.name, exercise.forbidden)
    except SourceProblem as problem:
        raise CheckFailure(str(problem), "submission") from None
    except (SyntaxError, ValueError, RecursionError) as error:
        raise CheckFailure(f"{exercise.file}.py cannot be read as Python ({error}): fix it, then run "
                           "the checks again.", "submission") from None
    if findings:
        raise CheckFailure(forbidden.describe(exercise_id, findings), "forbidden")


def unchanged(out: Outcome) -> None:
    """The call left its tensor inputs as they were."""
    result(out)
    for position, (before, after) in enumerate(zip(out.args, out.args_after or [])):
        for item, (was, now) in enumerate(_tensor_pairs(before, after)):
            if not torch.equal(was, now):
                where = f"argument {position + 1}" + ("" if type(before) is torch.Tensor else
                                                      f", tensor {item + 1} of its list")
                fail(out, f"{where} left as it was: {show(was)}", f"it was changed to {show(now)}",
                     "Your function modified its input in place. Compute a new tensor instead "
                     "(avoid +=, *=, and methods ending in _ on the inputs).")


def _tensor_pairs(before: Any, after: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The tensors of an argument before and after a call: itself, or those of its list."""
    if type(before) is torch.Tensor and type(after) is torch.Tensor:
        return [(before, after)]
    if type(before) in (list, tuple) and type(after) in (list, tuple) and len(before) == len(after):
        return [(a, b) for a, b in zip(before, after)
                if type(a) is torch.Tensor and type(b) is torch.Tensor]
    return []


def gradients(out: Outcome, expected: list[torch.Tensor], names: list[str]) -> None:
    """Backpropagating through the result gives the expected gradient for each input."""
    result(out)
    if out.grads is None:
        fail(out, "a result that autograd can differentiate", f"{show(out.value)} with no gradient",
             "Build the result from the inputs with torch operations (no .item(), .tolist(), "
             ".detach() or new torch.tensor(...) in between) so gradients can flow back.")
    _each_gradient(out, names, out.grads, expected)


def parameter_gradients(out: Outcome, got: Mapping[str, Any], expected: Mapping[str, torch.Tensor]) -> None:
    """After backpropagating through a call, each named parameter holds the expected gradient."""
    result(out)
    names = list(expected)
    _each_gradient(out, names, [got.get(name) for name in names], [expected[n] for n in names])


def _each_gradient(out: Outcome, names: list[str], grads: list, expected: list) -> None:
    for name, got, want in zip(names, grads, expected):
        if got is None:
            fail(out, f"a gradient for {name}", "no gradient reached it",
                 f"The result does not depend on {name} through torch operations.")
        if not _close(got, want, tolerance(out)):
            fail(out, f"gradient for {name}: {show(want)}", show(got),
                 "If the values are right, part of the formula is cut off from autograd (.detach(), .item(), "
                 "a new torch.tensor(...), torch.no_grad()) or differs from the one the values need.")


def layers(out: Outcome, description: dict, expected: list[dict], *,
           mistakes: Mistakes | None = None) -> None:
    """A model described by the student side has exactly the expected layers, in order.

    `mistakes` maps an explanation to the layers (as `standard` describes them) of a wrong model.
    """
    if description.get("type") != "Sequential":
        fail(out, "a torch.nn.Sequential", f"{description.get('type')}",
             "Build the model with nn.Sequential(...), listing its layers in order.")
    got = [_layer_text(layer) for layer in description.get("layers", [])]
    want = [_layer_text(layer) for layer in expected]
    if got != want:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        fail(out, " → ".join(want), " → ".join(got) or "no layers",
             _known(got, {why: [_layer_text(layer) for layer in wrong] for why, wrong in known(mistakes).items()})
             or f"Layer {first + 1} differs: expected "
             f"{want[first] if first < len(want) else 'nothing'}, got "
             f"{got[first] if first < len(got) else 'nothing'}.")


def layer(out: Outcome, description: dict, expected: dict, *, mistakes: Mistakes | None = None) -> None:
    """A single layer described by the student side is the expected standard layer."""
    if not description.get("standard") or _layer_text(description) != _layer_text(expected):
        fail(out, f"torch.nn.{_layer_text(expected)}", _layer_text(description),
             _known(_layer_text(description), {why: _layer_text(wrong) for why, wrong in known(mistakes).items()})
             or f"Create it with torch.nn.{expected.get('type')}(...) itself, not a layer of your own.")


def _known(got: Any, mistakes: Mapping[str, Any]) -> str:
    """Name the known mistake whose value equals `got` exactly (layers, shapes, counts)."""
    return next((f"{KNOWN_MISTAKE}{why}" for why, wrong in mistakes.items() if got == wrong), "")


def module(out: Outcome, what: str = "a torch.nn.Module") -> Handle:
    """The result is a torch.nn.Module (which stays on the student side); its handle."""
    got = result(out)
    if not isinstance(got, Handle) or not got.is_module:
        fail(out, what, f"{_kind(out, got)}: {show(got)}",
             "Return the module object itself; a class of your own must subclass torch.nn.Module "
             "and call super().__init__() first in __init__.")
    return got


def parameters(out: Outcome, description: dict, expected: Mapping[str, tuple]) -> None:
    """A module described by the student side has these trainable parameters (others may exist)."""
    got = {p["name"]: tuple(p["shape"]) for p in description.get("parameters", [])}
    trainable = {p["name"] for p in description.get("parameters", []) if p.get("requires_grad")}
    want = ", ".join(f"{name} of shape {shape}" for name, shape in expected.items())
    have = ", ".join(f"{name} of shape {shape}" for name, shape in got.items()) or "no parameters"
    for name, shape in expected.items():
        if name in got and got[name] != tuple(shape):
            fail(out, f"parameters {want}", have,
                 f"self.{name} has shape {got[name]}, not {tuple(shape)}"
                 + (": PyTorch stores a layer's weight as (out_features, in_features)."
                    if got[name] == tuple(shape)[::-1] else "."))
        if got.get(name) != tuple(shape):
            fail(out, f"parameters {want}", have,
                 f"Register {name} as a parameter: self.{name} = torch.nn.Parameter(a tensor of "
                 f"shape {tuple(shape)}), so that model.parameters() finds it.")
        if name not in trainable:
            fail(out, f"{name} trainable (requires_grad=True)", f"{name} does not require grad",
                 "Leave requires_grad at its default: training must be able to change it.")


def part(out: Outcome, value: Any, label: str) -> Part:
    """`value`, something the call produced, as an outcome of its own; failures name `label`."""
    result(out)
    shared = {f.name: getattr(out, f.name) for f in fields(Outcome)}
    return Part(**{**shared, "value": value, "type_name": ""}, part=label)


def state(out: Outcome, got: Mapping[str, Any], expected: Mapping[str, torch.Tensor], *,
          mistakes: Mapping[str, Mapping[str, torch.Tensor]] | None = None) -> None:
    """After the call, every tensor of a model's state (`student.state(handle)`) is as expected.

    `mistakes` maps an explanation to the whole state that mistake would leave.
    """
    for name, want in expected.items():
        tensor(part(out, got.get(name), f"the model's {name} after the call"), want,
               mistakes=lambda name=name: {why: wrong[name] for why, wrong in known(mistakes).items()})


def parts(out: Outcome, labels: Sequence[str]) -> list[Part]:
    """The result is a tuple (or list) of len(labels) items; one outcome per item, to check each."""
    got = result(out)
    if type(got) not in (tuple, list) or len(got) != len(labels):
        fail(out, f"a tuple of {len(labels)} items: ({', '.join(labels)})",
             f"{_kind(out, got)}: {show(got)}",
             f"Return the {len(labels)} items together, in this order: {', '.join(labels)}.")
    return [part(out, item, f"item {i + 1} of the result ({label})")
            for i, (item, label) in enumerate(zip(got, labels))]


def numbers(out: Outcome, expected: Sequence[float], *, mistakes: Mistakes | None = None) -> list[float]:
    """The result is a list of numbers (floats, or what float() accepts) close to `expected`."""
    got = result(out)
    if type(got) not in (list, tuple) or not all(_is_number(item) for item in got):
        fail(out, f"a list of {len(expected)} numbers: {_numbers_text(expected)}",
             f"{_kind(out, got)}: {show(got)}", "Return a list of Python floats (float(t) for a tensor t).")
    values = [float(item) for item in got]
    as_tensor = torch.tensor(values, dtype=torch.float32)
    wanted = torch.tensor([float(v) for v in expected], dtype=torch.float32)
    if len(values) != len(expected) or not _close(as_tensor, wanted, {}):
        hint = diagnose(as_tensor, {why: torch.tensor([float(v) for v in wrong], dtype=torch.float32)
                                    for why, wrong in known(mistakes).items()}, {}, wanted)
        if len(values) == len(expected):
            fail(out, _numbers_text(expected), _numbers_text(values), hint)
        fail(out, f"{_count(len(expected))}: {_numbers_text(expected)}",
             f"{_count(len(values))}: {_numbers_text(values)}", hint)
    return values


def falling(out: Outcome, count: int, advice: str = "") -> list[float]:
    """The result is a list of `count` numbers (losses, say) whose last is below its first."""
    got = result(out)
    if type(got) not in (list, tuple) or len(got) != count or not all(_is_number(item) for item in got):
        fail(out, f"a list of {_count(count)}", f"{_kind(out, got)}: {show(got)}",
             "Return a list of Python floats, one for each step.")
    values = [float(item) for item in got]
    if count and not values[-1] < values[0]:
        fail(out, f"{_count(count)} that fall: the last below the first", _numbers_text(values), advice)
    return values


def shaped(out: Outcome, shape: Sequence[int], dtype: torch.dtype = torch.float32,
           what: str = "a tensor") -> torch.Tensor:
    """The result is a plain torch.Tensor of this shape and dtype (its values are not checked)."""
    got = result(out)
    want = f"a torch.Tensor of shape {tuple(shape)}, {_dtype_name(dtype)}"
    want = want if what == "a tensor" else f"{what}: {want}"
    if type(got) is not torch.Tensor:
        fail(out, want, f"{_kind(out, got)}: {show(got)}", "Return a plain torch.Tensor.")
    if got.dtype != dtype or tuple(got.shape) != tuple(shape):
        fail(out, want, show(got), f"Convert with .to(torch.{_dtype_name(dtype)})" if got.dtype != dtype
             else "Check the shapes in your code.")
    return got


def at_least(out: Outcome, minimum: float, what: str, advice: str = "") -> float:
    """The result is a number (an accuracy, say) of at least `minimum`."""
    got = result(out)
    if not _is_number(got):
        fail(out, f"{what}: a number", f"{_kind(out, got)}: {show(got)}", "Return a Python float.")
    if float(got) < minimum:
        fail(out, f"{what} of at least {minimum:g}", f"{float(got):.2f}", advice)
    return float(got)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and (isinstance(value, (int, float)) or
                                            (type(value) is torch.Tensor and value.numel() == 1))


def _count(n: int) -> str:
    return f"{n} number{'' if n == 1 else 's'}"


def _numbers_text(values: Sequence[float], most: int = 8) -> str:
    shown = ", ".join(f"{float(v):.4f}" for v in list(values)[:most])
    return f"[{shown}{', …' if len(values) > most else ''}]"


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _layer_text(layer: dict) -> str:
    kind = layer.get("type")
    if kind == "Linear":
        bias = "" if layer.get("bias", True) else ", bias=False"
        return f"Linear({layer.get('in_features')}, {layer.get('out_features')}{bias})"
    if kind == "Softmax":
        return f"Softmax(dim={layer.get('dim')})"
    return f"{kind}()"


def _kind(out: Outcome, got: Any) -> str:
    if isinstance(got, Handle):
        return got.type_name
    return out.type_name or type(got).__name__


def _dtype(t: torch.Tensor) -> str:
    return _dtype_name(t.dtype)


def _shape_advice(got: torch.Tensor, expected: torch.Tensor) -> str:
    if got.numel() == expected.numel():
        return "Same number of entries, different arrangement: check for a transpose or a reshape."
    if got.dim() == expected.dim() + 1 and expected.dim() == 0:
        return "A single number (a 0-dim tensor) was expected: reduce with .mean() or .sum()."
    return "Check which dimension you reduce over, and the shapes in your formula."


def _mismatch(got: torch.Tensor, expected: torch.Tensor) -> str:
    if got.is_floating_point() and not torch.isfinite(got).all() and torch.isfinite(expected).all():
        return " (it holds inf or nan: is the formula numerically stable?)"
    if got.numel() <= 1:
        return ""
    wrong = ~torch.isclose(got.double(), expected.double(), rtol=1.3e-6, atol=1e-5)
    return f" ({int(wrong.sum())} of {got.numel()} entries differ)"
