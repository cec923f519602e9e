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

from nnkit.course import catalog
from nnkit.harness import forbidden
from nnkit.harness.failures import CheckFailure, from_error
from nnkit.harness.mistakes import Known
from nnkit.harness.show import shape_of, show, show_call
from nnkit.i18n.course import _ as course_text
from nnkit.i18n.lang import N_, _, ngettext
from nnkit.submission.proxy import Outcome, Submission
from nnkit.submission.source import SourceProblem, read_source
from nnkit.wire.codec import Handle

KNOWN_MISTAKE = N_("This looks like a known mistake: {message}")
STABILITY_MAGNITUDE = 100.0
FLOAT32_TOLERANCE = {"rtol": 1.3e-6, "atol": 1e-5}  # torch.testing.assert_close's float32 defaults
STABILITY_TOLERANCE = 1e-4
# A known mistake's explanation → the value it gives; or a function computing that mapping, called
# only when an answer is wrong (the mistakes of a training loop cost a training run each).
Mistakes = Mapping[Known, Any] | Callable[[], Mapping[Known, Any]]


def known(mistakes: Mistakes | None) -> Mapping[str, Any]:
    """The mistakes as a mapping (computed now if they were given as a function)."""
    return (mistakes() if callable(mistakes) else mistakes) or {}


@dataclass
class Part(Outcome):
    """One piece of what a call produced (an item of its result, a model's weights after it)."""

    part: str = ""


def called(out: Outcome) -> str:
    text = _("Called {call}").format(call=show_call(out.target, out.args, out.kwargs))
    return text + "\n  " + _("and looked at {part}").format(part=out.part) if isinstance(out, Part) and out.part \
        else text


def result(out: Outcome) -> Any:
    """The returned value, or the failure that explains why there is none."""
    if out.error is not None:
        raise from_error(out.target, called(out), out.error)
    return out.value


def fail(out: Outcome, expected: str, got: str, advice: str | Known | None = "") -> None:
    """Fail with what was called, expected and got; `advice` is a sentence, or the known mistake
    the answer matches (named in the message, and recorded for the class report)."""
    lines = [called(out), "  " + _("expected: {value}").format(value=expected),
             "  " + _("got:      {value}").format(value=got)]
    if isinstance(advice, Known):
        lines.append("  " + _(KNOWN_MISTAKE).format(message=course_text(advice.message)))
    elif advice:
        lines.append(f"  {advice}")
    raise CheckFailure("\n".join(lines), mistake=advice.name if isinstance(advice, Known) else None)


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


def diagnose(got: Any, mistakes: Mistakes | None, tol: dict,
             expected: torch.Tensor | None = None) -> Known | None:
    """The known mistake whose value equals what came back, if any (one whose value is the
    expected answer itself tells nothing, and is passed over)."""
    if type(got) is not torch.Tensor:
        return None
    for mistake, wrong in known(mistakes).items():
        try:
            wrong = torch.as_tensor(wrong)
        except (TypeError, ValueError, RuntimeError):
            continue
        if expected is not None and wrong.shape == expected.shape and _close(wrong, expected, tol):
            continue
        if wrong.shape == got.shape and _close(got.to(wrong.dtype), wrong, tol):
            return mistake
    return None


def tensor(out: Outcome, expected: torch.Tensor, *, mistakes: Mistakes | None = None) -> torch.Tensor:
    """The result is a plain torch.Tensor with the expected dtype, shape and values."""
    got = result(out)
    tol = tolerance(out)
    if type(got) is not torch.Tensor:
        fail(out, _("a plain torch.Tensor like {value}").format(value=show(expected)),
             f"{_kind(out, got)}: {show(got)}",
             _("Return a plain torch.Tensor (not a list, a number or a subclass)."))
    if got.dtype != expected.dtype:
        fail(out, f"dtype {_dtype(expected)} ({show(expected)})", f"dtype {_dtype(got)} ({show(got)})",
             diagnose(got, mistakes, tol, expected)
             or _("Convert the result with .to(torch.{dtype}) or keep the inputs' dtype.").format(dtype=_dtype(expected)))
    if got.shape != expected.shape:
        fail(out, _("shape {shape}: {value}").format(shape=shape_of(expected), value=show(expected)),
             _("shape {shape}: {value}").format(shape=shape_of(got), value=show(got)),
             diagnose(got, mistakes, tol, expected) or _shape_advice(got, expected))
    if not _close(got, expected, tol):
        fail(out, show(expected), show(got) + _mismatch(got, expected),
             diagnose(got, mistakes, tol, expected))
    return got


def number(out: Outcome, expected: float, *, mistakes: Mistakes | None = None) -> float:
    """The result is a number (a float, or anything float() accepts) close to `expected`."""
    got = result(out)
    if not _is_number(got):
        fail(out, _("a number like {value:.4f}").format(value=expected), f"{_kind(out, got)}: {show(got)}",
             _("Return a Python float (for a tensor t, float(t) or t.item() gives one)."))
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
    if out.error is not None and (out.error.problem is not None or out.error.not_started):
        result(out)
    if out.error is None:
        fail(out, f"{exception} ({course_text(why)})", _("no exception; it returned {value}").format(value=show(out.value)),
             _("Check the input and `raise {exception}(...)` with a message that says what is wrong.").format(
                 exception=exception))
    if not out.error.raised(exception):
        fail(out, f"{exception} ({course_text(why)})", f"{out.error.type}: {out.error.message}")


def allowed_calls(submission: Submission, folder: Path, exercise_id: str) -> None:
    """The exercise's function (and what it uses in its file) makes no call the exercise forbids.

    Reads the source text in `folder` (the grader never imports it); fails with kind "forbidden",
    which costs the exercise id all its points, and a message naming each call found and its line.
    A file that cannot be loaded (the student side says why) fails as that, not as a rule broken.
    """
    exercise = catalog.by_id(exercise_id)
    error = submission.load(exercise.file)
    if error is not None:
        raise from_error(exercise_id, _("Loading {file}.py").format(file=exercise.file), error)
    try:
        source = read_source(Path(folder) / f"{exercise.file}.py")
        findings = forbidden.scan(source, exercise.name, exercise.forbidden)
    except SourceProblem as problem:
        raise CheckFailure(str(problem), "submission") from None
    except (SyntaxError, ValueError, RecursionError) as error:
        raise CheckFailure(_("{file}.py cannot be read as Python ({error}): fix it, then run the checks again.").format(
            file=exercise.file, error=error), "submission") from None
    if findings:
        raise CheckFailure(forbidden.describe(exercise_id, findings), "forbidden")


def unchanged(out: Outcome) -> None:
    """The call left its tensor inputs as they were."""
    result(out)
    for position, (before, after) in enumerate(zip(out.args, out.args_after or [])):
        for item, (was, now) in enumerate(_tensor_pairs(before, after)):
            if not torch.equal(was, now):
                where = (_("argument {position} left as it was: {value}") if type(before) is torch.Tensor else
                         _("argument {position}, tensor {item} of its list left as it was: {value}"))
                fail(out, where.format(position=position + 1, item=item + 1, value=show(was)),
                     _("it was changed to {value}").format(value=show(now)),
                     _("Your function modified its input in place. Compute a new tensor instead "
                       "(avoid +=, *=, and methods ending in _ on the inputs)."))


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
        fail(out, _("a result that autograd can differentiate"), _("{value} with no gradient").format(value=show(out.value)),
             _("Build the result from the inputs with torch operations (no .item(), .tolist(), "
               ".detach() or new torch.tensor(...) in between) so gradients can flow back."))
    _each_gradient(out, names, out.grads, expected)


def parameter_gradients(out: Outcome, got: Mapping[str, Any], expected: Mapping[str, torch.Tensor]) -> None:
    """After backpropagating through a call, each named parameter holds the expected gradient."""
    result(out)
    names = list(expected)
    _each_gradient(out, names, [got.get(name) for name in names], [expected[n] for n in names])


def _each_gradient(out: Outcome, names: list[str], grads: list, expected: list) -> None:
    for name, got, want in zip(names, grads, expected):
        name = course_text(name)
        if got is None:
            fail(out, _("a gradient for {name}").format(name=name), _("no gradient reached it"),
                 _("The result does not depend on {name} through torch operations.").format(name=name))
        if not _close(got, want, tolerance(out)):
            fail(out, _("gradient for {name}: {value}").format(name=name, value=show(want)), show(got),
                 _("If the values are right, part of the formula is cut off from autograd (.detach(), .item(), "
                   "a new torch.tensor(...), torch.no_grad()) or differs from the one the values need."))


def layers(out: Outcome, description: dict, expected: list[dict], *,
           mistakes: Mistakes | None = None) -> None:
    """A model described by the student side has exactly the expected layers, in order.

    `mistakes` maps an explanation to the layers (as `standard` describes them) of a wrong model.
    """
    if description.get("type") != "Sequential":
        fail(out, _("a torch.nn.Sequential"), f"{description.get('type')}",
             _("Build the model with nn.Sequential(...), listing its layers in order."))
    got = [_layer_text(layer) for layer in description.get("layers", [])]
    want = [_layer_text(layer) for layer in expected]
    if got != want:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        fail(out, " → ".join(want), " → ".join(got) or _("no layers"),
             _known(got, {why: [_layer_text(layer) for layer in wrong] for why, wrong in known(mistakes).items()})
             or _("Layer {number} differs: expected {expected}, got {got}.").format(
                 number=first + 1, expected=want[first] if first < len(want) else _("nothing"),
                 got=got[first] if first < len(got) else _("nothing")))


def layer(out: Outcome, description: dict, expected: dict, *, mistakes: Mistakes | None = None) -> None:
    """A single layer described by the student side is the expected standard layer."""
    if not description.get("standard") or _layer_text(description) != _layer_text(expected):
        fail(out, f"torch.nn.{_layer_text(expected)}", _layer_text(description),
             _known(_layer_text(description), {why: _layer_text(wrong) for why, wrong in known(mistakes).items()})
             or _("Create it with torch.nn.{type}(...) itself, not a layer of your own.").format(type=expected.get("type")))


def _known(got: Any, mistakes: Mapping[Known, Any]) -> Known | None:
    """Name the known mistake whose value equals `got` exactly (layers, shapes, counts)."""
    return next((mistake for mistake, wrong in mistakes.items() if got == wrong), None)


def module(out: Outcome, what: str | None = None) -> Handle:
    """The result is a torch.nn.Module (which stays on the student side); its handle."""
    got = result(out)
    if not isinstance(got, Handle) or not got.is_module:
        fail(out, course_text(what) if what else _("a torch.nn.Module"), f"{_kind(out, got)}: {show(got)}",
             _("Return the module object itself; a class of your own must subclass torch.nn.Module "
               "and call super().__init__() first in __init__."))
    return got


def parameters(out: Outcome, description: dict, expected: Mapping[str, tuple]) -> None:
    """A module described by the student side has these trainable parameters (others may exist)."""
    got = {p["name"]: tuple(p["shape"]) for p in description.get("parameters", [])}
    trainable = {p["name"] for p in description.get("parameters", []) if p.get("requires_grad")}
    of_shape = _("{name} of shape {shape}")
    want = _("parameters {list}").format(list=", ".join(of_shape.format(name=n, shape=s) for n, s in expected.items()))
    have = ", ".join(of_shape.format(name=n, shape=s) for n, s in got.items()) or _("no parameters")
    for name, shape in expected.items():
        if name in got and got[name] != tuple(shape):
            fail(out, want, have,
                 (_("self.{name} has shape {got}, not {shape}: PyTorch stores a layer's weight as (out_features, "
                    "in_features).") if got[name] == tuple(shape)[::-1] else
                  _("self.{name} has shape {got}, not {shape}.")).format(name=name, got=got[name], shape=tuple(shape)))
        if got.get(name) != tuple(shape):
            fail(out, want, have,
                 _("Register {name} as a parameter: self.{name} = torch.nn.Parameter(a tensor of shape {shape}), "
                   "so that model.parameters() finds it.").format(name=name, shape=tuple(shape)))
        if name not in trainable:
            fail(out, _("{name} trainable (requires_grad=True)").format(name=name),
                 _("{name} does not require grad").format(name=name),
                 _("Leave requires_grad at its default: training must be able to change it."))


def part(out: Outcome, value: Any, label: str) -> Part:
    """`value`, something the call produced, as an outcome of its own; failures name `label` (a
    course's text, translated here)."""
    result(out)
    shared = {f.name: getattr(out, f.name) for f in fields(Outcome)}
    return Part(**{**shared, "value": value, "type_name": ""}, part=course_text(label))


def state(out: Outcome, got: Mapping[str, Any], expected: Mapping[str, torch.Tensor], *,
          mistakes: Mapping[str, Mapping[str, torch.Tensor]] | None = None) -> None:
    """After the call, every tensor of a model's state (`student.state(handle)`) is as expected.

    `mistakes` maps an explanation to the whole state that mistake would leave.
    """
    for name, want in expected.items():
        tensor(part(out, got.get(name), _("the model's {name} after the call").format(name=name)), want,
               mistakes=lambda name=name: {why: wrong[name] for why, wrong in known(mistakes).items()})


def parts(out: Outcome, labels: Sequence[str]) -> list[Part]:
    """The result is a tuple (or list) of len(labels) items; one outcome per item, to check each."""
    got = result(out)
    if type(got) not in (tuple, list) or len(got) != len(labels):
        names = ", ".join(labels)
        fail(out, ngettext("a tuple of {count} items: ({names})", "a tuple of {count} items: ({names})",
                           len(labels)).format(count=len(labels), names=names),
             f"{_kind(out, got)}: {show(got)}",
             ngettext("Return the {count} items together, in this order: {names}.",
                      "Return the {count} items together, in this order: {names}.", len(labels)).format(
                          count=len(labels), names=names))
    return [part(out, item, _("item {number} of the result ({label})").format(number=i + 1, label=label))
            for i, (item, label) in enumerate(zip(got, labels))]


def numbers(out: Outcome, expected: Sequence[float], *, mistakes: Mistakes | None = None) -> list[float]:
    """The result is a list of numbers (floats, or what float() accepts) close to `expected`."""
    got = result(out)
    if type(got) not in (list, tuple) or not all(_is_number(item) for item in got):
        fail(out, ngettext("a list of {count} numbers: {values}", "a list of {count} numbers: {values}",
                           len(expected)).format(count=len(expected), values=_numbers_text(expected)),
             f"{_kind(out, got)}: {show(got)}", _("Return a list of Python floats (float(t) for a tensor t)."))
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
        fail(out, ngettext("a list of {count} number", "a list of {count} numbers", count).format(count=count),
             f"{_kind(out, got)}: {show(got)}", _("Return a list of Python floats, one for each step."))
    values = [float(item) for item in got]
    if count and not values[-1] < values[0]:
        fail(out, ngettext("{count} number that fall: the last below the first",
                           "{count} numbers that fall: the last below the first", count).format(count=count),
             _numbers_text(values), course_text(advice) if advice else advice)
    return values


def shaped(out: Outcome, shape: Sequence[int], dtype: torch.dtype = torch.float32,
           what: str = "a tensor") -> torch.Tensor:
    """The result is a plain torch.Tensor of this shape and dtype (its values are not checked)."""
    got = result(out)
    want = _("a torch.Tensor of shape {shape}, {dtype}").format(shape=tuple(shape), dtype=_dtype_name(dtype))
    want = want if what == "a tensor" else f"{course_text(what)}: {want}"
    if type(got) is not torch.Tensor:
        fail(out, want, f"{_kind(out, got)}: {show(got)}", _("Return a plain torch.Tensor."))
    if got.dtype != dtype or tuple(got.shape) != tuple(shape):
        fail(out, want, show(got), _("Convert with .to(torch.{dtype})").format(dtype=_dtype_name(dtype))
             if got.dtype != dtype else _("Check the shapes in your code."))
    return got


def at_least(out: Outcome, minimum: float, what: str, advice: str = "") -> float:
    """The result is a number (an accuracy, say) of at least `minimum`."""
    got = result(out)
    what = course_text(what)
    if not _is_number(got):
        fail(out, _("{what}: a number").format(what=what), f"{_kind(out, got)}: {show(got)}",
             _("Return a Python float."))
    if float(got) < minimum:
        fail(out, _("{what} of at least {minimum:g}").format(what=what, minimum=minimum), f"{float(got):.2f}",
             course_text(advice) if advice else advice)
    return float(got)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and (isinstance(value, (int, float)) or
                                            (type(value) is torch.Tensor and value.numel() == 1))


def _count(n: int) -> str:
    return ngettext("{count} number", "{count} numbers", n).format(count=n)


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
        return _("Same number of entries, different arrangement: check for a transpose or a reshape.")
    if got.dim() == expected.dim() + 1 and expected.dim() == 0:
        return _("A single number (a 0-dim tensor) was expected: reduce with .mean() or .sum().")
    return _("Check which dimension you reduce over, and the shapes in your formula.")


def _mismatch(got: torch.Tensor, expected: torch.Tensor) -> str:
    if got.is_floating_point() and not torch.isfinite(got).all() and torch.isfinite(expected).all():
        return " " + _("(it holds inf or nan: is the formula numerically stable?)")
    if got.numel() <= 1:
        return ""
    wrong = ~torch.isclose(got.double(), expected.double(), rtol=1.3e-6, atol=1e-5)
    return " " + ngettext("({wrong} of {count} entry differs)", "({wrong} of {count} entries differ)",
                          got.numel()).format(wrong=int(wrong.sum()), count=got.numel())
