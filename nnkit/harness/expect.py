"""Expectations on what student code returned, each failing with a message for a learner.

Every message says what was called (with shapes), what was expected and what came back, and,
when the wrong answer equals a known mistake computed on the same input, which mistake it is.
Public checks and hidden tests both use these, so students see one voice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch

from nnkit.course import catalog
from nnkit.harness import advice, forbidden
from nnkit.harness import diagnose as properties
from nnkit.harness.failures import CheckFailure, from_error
from nnkit.harness.mistakes import Known
from nnkit.harness.show import shape_of, show, show_call
from nnkit.i18n.course import _ as course_text
from nnkit.i18n.lang import N_, _, ngettext
from nnkit.submission import callwatch
from nnkit.submission.proxy import Outcome, Submission
from nnkit.submission.source import SourceProblem, read_source
from nnkit.wire.codec import Handle

KNOWN_MISTAKE = N_("This looks like a known mistake: {message}")
STABILITY_MAGNITUDE = 100.0
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
    if isinstance(out, Part) and out.part:
        return text + "\n  " + _("and looked at {part}").format(part=out.part)
    return text


def result(out: Outcome) -> Any:
    """The returned value, or the failure that explains why there is none."""
    _rules_kept(out)
    if out.error is not None:
        raise from_error(out.target, called(out), out.error)
    return out.value


def _rules_kept(out: Outcome) -> None:
    """Fail when the call reached a forbidden call while it ran, or used up its processor time."""
    if out.reached:
        raise CheckFailure(callwatch.describe(out.exercise or out.target, out.reached), "forbidden",
                           named="rule")
    if out.stopped:
        raise CheckFailure(_("{call}\n  was stopped: it used up its limit of {limit:.2f} s of processor "
                             "time (the time your code itself computes; torch's start-up and a busy machine "
                             "are not counted).").format(call=called(out), limit=out.cpu_limit or 0.0),
                           "timeout", named="diagnosis")


def fail(out: Outcome, expected: str, got: str, advice: str | Known | None = "",
         named: str | None = None) -> None:
    """Fail with what was called, expected and got; `advice` is a sentence, or the known mistake
    the answer matches (named in the message, and recorded for the class report). `named` is
    "diagnosis" when `advice` states a fact checked on the answer (see `CheckFailure`)."""
    _rules_kept(out)
    lines = [called(out), "  " + _("expected: {value}").format(value=expected),
             "  " + _("got:      {value}").format(value=got)]
    if isinstance(advice, Known):
        lines.append("  " + _(KNOWN_MISTAKE).format(message=course_text(advice.message)))
    elif advice:
        lines.append(f"  {advice}")
    raise CheckFailure("\n".join(lines), mistake=advice.name if isinstance(advice, Known) else None,
                       named=named if advice and not isinstance(advice, Known) else None)


def explained(out: Outcome, got: Any, expected: Any, tol: Mapping[str, float] | None = None) -> str:
    """What a property diagnosis (`properties.explain`) finds in a wrong answer, or ""."""
    return properties.explain(got, expected, out.args, out.kwargs, args_after=out.args_after,
                            tolerance=tol or properties.FLOAT32)


def fail_explained(out: Outcome, expected: str, got: str, known_mistake: Known | None, value: Any,
                   want: Any, tol: Mapping[str, float] | None = None, fallback: str = "") -> None:
    """`fail`, naming the known mistake if there is one, else what a diagnosis finds, else `fallback`."""
    if known_mistake is not None:
        fail(out, expected, got, known_mistake)
    found = explained(out, value, want, tol)
    fail(out, expected, got, found or fallback, named="diagnosis" if found else None)


def noted(out: Outcome, got: Any, expected: Any) -> None:
    """Leave the notes a right answer earns (`properties.notes`): they cost no points."""
    for text in properties.notes(got, expected, out.args, out.kwargs):
        advice.note(text)


def tolerance(out: Outcome) -> dict:
    """The contract's tolerances: float32 defaults, or 1e-4 when inputs hold entries above 100."""
    for arg in out.args:
        if type(arg) is torch.Tensor and arg.is_floating_point() and arg.numel() \
                and arg.detach().abs().max().item() > STABILITY_MAGNITUDE:
            return {"atol": STABILITY_TOLERANCE, "rtol": STABILITY_TOLERANCE}
    return dict(properties.FLOAT32)  # float64 results too: assert_close's own float64 default is tighter


def _close(got: torch.Tensor, expected: torch.Tensor, tol: dict) -> bool:
    try:
        torch.testing.assert_close(got, expected, check_dtype=False, **tol)
        return True
    except (AssertionError, RuntimeError):
        return False


def diagnose(got: Any, mistakes: Mistakes | None, tol: dict,
             expected: torch.Tensor | None = None) -> Known | None:
    """The known mistake whose value equals what came back, if exactly one does (one whose value is
    the expected answer itself tells nothing, and is passed over; when several mistakes give this
    same answer, naming one of them would be a guess)."""
    if type(got) is not torch.Tensor:
        return None
    found = []
    for mistake, wrong in known(mistakes).items():
        try:
            wrong = torch.as_tensor(wrong)
        except (TypeError, ValueError, RuntimeError):
            continue
        if expected is not None and wrong.shape == expected.shape and _close(wrong, expected, tol):
            continue
        if wrong.shape == got.shape and _close(got.to(wrong.dtype), wrong, tol):
            found.append(mistake)
    return found[0] if len(found) == 1 else None


def tensor(out: Outcome, expected: torch.Tensor, *, mistakes: Mistakes | None = None) -> torch.Tensor:
    """The result is a plain torch.Tensor with the expected dtype, shape and values."""
    got = result(out)
    tol = tolerance(out)
    if type(got) is not torch.Tensor:
        fail(out, _("a plain torch.Tensor like {value}").format(value=show(expected)),
             f"{_kind(out, got)}: {show(got)}",
             _("Return a plain torch.Tensor (not a list, a number or a subclass)."))
    if got.dtype != expected.dtype:
        fail_explained(out, f"dtype {_dtype(expected)} ({show(expected)})",
                       f"dtype {_dtype(got)} ({show(got)})", diagnose(got, mistakes, tol, expected), got,
                       expected, tol,
                       _("Convert the result with .to(torch.{dtype}) or keep the inputs' dtype.").format(
                           dtype=_dtype(expected)))
    if got.shape != expected.shape:
        of_shape = _("shape {shape}: {value}")
        fail_explained(out, of_shape.format(shape=shape_of(expected), value=show(expected)),
                       of_shape.format(shape=shape_of(got), value=show(got)),
                       diagnose(got, mistakes, tol, expected), got, expected, tol,
                       _shape_advice(got, expected))
    if not _close(got, expected, tol):
        fail_explained(out, show(expected), show(got) + _mismatch(got, expected, tol),
                       diagnose(got, mistakes, tol, expected), got, expected, tol)
    noted(out, got, expected)
    return got


def number(out: Outcome, expected: float, *, mistakes: Mistakes | None = None) -> float:
    """The result is a number (a float, or anything float() accepts) close to `expected`."""
    got = result(out)
    if not _is_number(got):
        fail(out, _("a number like {value:.4f}").format(value=expected), f"{_kind(out, got)}: {show(got)}",
             _("Return a Python float (for a tensor t, float(t) or t.item() gives one)."))
    value = _float(got)
    as_tensor = torch.tensor(value, dtype=torch.float32)
    wanted = torch.tensor(expected, dtype=torch.float32)
    if not _close(as_tensor, wanted, {}):
        hint = diagnose(as_tensor, {k: torch.tensor(float(v), dtype=torch.float32)
                                    for k, v in known(mistakes).items()}, {}, wanted)
        fail_explained(out, f"{expected:.4f}", f"{value:.4f}", hint, value, float(expected))
    noted(out, got, float(expected))
    return value


def equal(out: Outcome, expected: Any, *, mistakes: Mistakes | None = None) -> Any:
    """The result equals `expected` exactly (shapes, counts, None); a list may stand for a tuple."""
    got = result(out)
    normal = tuple(got) if type(got) in (list, tuple) else got
    wanted = tuple(expected) if type(expected) in (list, tuple) else expected
    if type(normal) is not type(wanted) or normal != wanted:
        fail_explained(out, show(expected), show(got),
                       _known(normal, {why: tuple(wrong) if type(wrong) in (list, tuple) else wrong
                                       for why, wrong in known(mistakes).items()}), got, expected)
    return got


def raises(out: Outcome, exception: str, why: str, mentions: Sequence[int] = ()) -> None:
    """The call raised `exception` (or a subclass of it); with `mentions`, its message holds these
    numbers in this order, written in any way (the sizes of two shapes: "(4, 2) and (2, 3)",
    "torch.Size([4, 2])", "4x2")."""
    _rules_kept(out)
    why = course_text(why)
    if out.error is not None and (out.error.problem is not None or out.error.not_started):
        result(out)
    if out.error is None:
        fail(out, f"{exception} ({why})",
             _("no exception; it returned {value}").format(value=show(out.value)),
             _("Check the input and `raise {exception}(...)` with a message that says what is wrong.").format(
                 exception=exception))
    if not out.error.raised(exception):
        fail(out, f"{exception} ({why})", f"{out.error.type}: {out.error.message}")
    found = [int(n) for n in re.findall(r"\d+", out.error.message)]
    if mentions and not _in_order([int(n) for n in mentions], found):
        sizes = ", ".join(str(int(n)) for n in mentions)
        fail(out, _("{exception} whose message holds {sizes}, in this order ({why})").format(
                 exception=exception, sizes=sizes, why=why),
             f"{out.error.type}: {out.error.message}",
             _("Your message does not hold the numbers {sizes} in this order: put both shapes in it, for "
               "example with tuple(x.shape), so that the reader sees what did not fit.").format(sizes=sizes),
             named="diagnosis")


def _in_order(wanted: list[int], found: list[int]) -> bool:
    """`wanted` appears in `found` in its order, possibly with other numbers between."""
    numbers = iter(found)
    return all(any(n == w for n in numbers) for w in wanted)


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
        raise CheckFailure(_("{file}.py cannot be read as Python ({error}): fix it, then run the checks "
                             "again.").format(file=exercise.file, error=error), "submission") from None
    if findings:
        raise CheckFailure(forbidden.describe(exercise_id, findings), "forbidden", named="rule")


def unchanged(out: Outcome) -> None:
    """The call left its tensor inputs as they were."""
    result(out)
    for position, (before, after) in enumerate(zip(out.args, out.args_after or [])):
        for item, (was, now) in enumerate(properties.tensor_pairs(before, after)):
            if not properties.same_tensor(was, now):
                where = (_("argument {position} left as it was: {value}") if type(before) is torch.Tensor else
                         _("argument {position}, tensor {item} of its list left as it was: {value}"))
                fail(out, where.format(position=position + 1, item=item + 1, value=show(was)),
                     _("it was changed to {value}").format(value=show(now)),
                     _("Your function modified its input in place. Compute a new tensor instead "
                       "(avoid +=, *=, and methods ending in _ on the inputs)."), named="diagnosis")


def gradients(out: Outcome, expected: list[torch.Tensor], names: list[str]) -> None:
    """Backpropagating through the result gives the expected gradient for each input."""
    result(out)
    if out.grads is None:
        fail(out, _("a result that autograd can differentiate"),
             _("{value} with no gradient").format(value=show(out.value)),
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
                 _("The result does not depend on {name} through torch operations.").format(name=name),
                 named="diagnosis")
        if not _close(got, want, tolerance(out)):
            fail(out, _("gradient for {name}: {value}").format(name=name, value=show(want)), show(got),
                 _("If the values are right, part of the formula is cut off from autograd (.detach(), "
                   ".item(), a new torch.tensor(...), torch.no_grad()) or differs from the one the values "
                   "need."))


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
             _known(got, {why: [_layer_text(layer) for layer in wrong]
                          for why, wrong in known(mistakes).items()})
             or _("Layer {number} differs: expected {expected}, got {got}.").format(
                 number=first + 1, expected=want[first] if first < len(want) else _("nothing"),
                 got=got[first] if first < len(got) else _("nothing")))


def layer(out: Outcome, description: dict, expected: dict, *, mistakes: Mistakes | None = None) -> None:
    """A single layer described by the student side is the expected standard layer."""
    if not description.get("standard") or _layer_text(description) != _layer_text(expected):
        fail(out, f"torch.nn.{_layer_text(expected)}", _layer_text(description),
             _known(_layer_text(description),
                    {why: _layer_text(wrong) for why, wrong in known(mistakes).items()})
             or _("Create it with torch.nn.{type}(...) itself, not a layer of your own.").format(
                 type=expected.get("type")))


def _known(got: Any, mistakes: Mapping[Known, Any]) -> Known | None:
    """Name the known mistake whose value equals `got` exactly (layers, shapes, counts), if exactly
    one does."""
    found = [mistake for mistake, wrong in mistakes.items() if got == wrong]
    return found[0] if len(found) == 1 else None


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
    want = _("parameters {list}").format(list=", ".join(of_shape.format(name=n, shape=s)
                                                         for n, s in expected.items()))
    have = ", ".join(of_shape.format(name=n, shape=s) for n, s in got.items()) or _("no parameters")
    for name, shape in expected.items():
        if name in got and got[name] != tuple(shape):
            transposed = got[name] == tuple(shape)[::-1]
            why = (_("self.{name} has shape {got}, not {shape}: PyTorch stores a layer's weight as "
                     "(out_features, in_features).") if transposed else
                   _("self.{name} has shape {got}, not {shape}."))
            fail(out, want, have, why.format(name=name, got=got[name], shape=tuple(shape)),
                 named="diagnosis" if transposed else None)
        if got.get(name) != tuple(shape):
            fail(out, want, have,
                 _("Register {name} as a parameter: self.{name} = torch.nn.Parameter(a tensor of shape "
                   "{shape}), so that model.parameters() finds it.").format(name=name, shape=tuple(shape)))
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
          mistakes: Mistakes | None = None, before: Mapping[str, torch.Tensor] | None = None) -> None:
    """After the call, every tensor of a model's state (`student.state(handle)`) is as expected.

    `mistakes` maps a known mistake to the whole state it would leave: one is named only when the
    whole state matches it, never for one tensor that happens to. `before`, the state before the
    call, lets the failure say which tensors the call left as they were although they were due
    to change.
    """
    failures: list[tuple[str, CheckFailure]] = []
    for name, want in expected.items():
        try:
            tensor(part(out, got.get(name), _("the model's {name} after the call").format(name=name)), want)
        except CheckFailure as wrong:
            if wrong.kind != "failed":
                raise
            failures.append((name, wrong))
    if not failures:
        return
    first, want = failures[0][0], expected[failures[0][0]]
    shown = part(out, got.get(first), _("the model's {name} after the call").format(name=first))
    tol = tolerance(out)
    matching = [mistake for mistake, wrong in known(mistakes).items()
                if not _same_state(wrong, expected, expected, tol) and _same_state(got, wrong, expected, tol)]
    if len(matching) == 1:
        fail(shown, show(want), show(got.get(first)), matching[0])
    left = _left_as_they_were(got, expected, before, [name for name, _failure in failures], tol)
    if left:
        fail(shown, show(want), show(got.get(first)), left, named="diagnosis")
    raise failures[0][1]


def _same_state(got: Mapping[str, Any], wanted: Mapping[str, Any], names: Sequence[str] | Mapping[str, Any],
                tol: dict) -> bool:
    """Every tensor named in `names` is the same in both states."""
    return all(type(got.get(n)) is torch.Tensor and type(wanted.get(n)) is torch.Tensor
               and got[n].shape == wanted[n].shape and _close(got[n], wanted[n], tol) for n in names)


def _left_as_they_were(got: Mapping[str, Any], expected: Mapping[str, Any], before: Mapping[str, Any] | None,
                       wrong: list[str], tol: dict) -> str:
    """Which wrong tensors the call left as they were although they were due to change, when those are
    all that is wrong; "" otherwise."""
    if not before or not all(_same_state(got, before, [n], tol)
                             and not _same_state(expected, before, [n], tol) for n in wrong):
        return ""
    changed = [n for n in expected if n not in wrong and not _same_state(expected, before, [n], tol)]
    if not changed:
        return ""
    return ngettext("Your call left {left} as it was, although it was due to change; {changed} changed "
                    "as expected.",
                    "Your call left {left} as they were, although they were due to change; {changed} "
                    "changed as expected.", len(wrong)).format(left=", ".join(wrong),
                                                               changed=", ".join(changed))


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
             f"{_kind(out, got)}: {show(got)}",
             _("Return a list of Python floats (float(t) for a tensor t)."))
    values = [_float(item) for item in got]
    as_tensor = torch.tensor(values, dtype=torch.float32)
    wanted = torch.tensor([float(v) for v in expected], dtype=torch.float32)
    if len(values) != len(expected) or not _close(as_tensor, wanted, {}):
        hint = diagnose(as_tensor, {why: torch.tensor([float(v) for v in wrong], dtype=torch.float32)
                                    for why, wrong in known(mistakes).items()}, {}, wanted)
        if len(values) == len(expected):
            fail_explained(out, _numbers_text(expected), _numbers_text(values), hint, values, list(expected))
        fail_explained(out, f"{_count(len(expected))}: {_numbers_text(expected)}",
                       f"{_count(len(values))}: {_numbers_text(values)}", hint, values, list(expected))
    noted(out, got, [float(v) for v in expected])
    return values


def falling(out: Outcome, count: int, advice: str = "") -> list[float]:
    """The result is a list of `count` numbers (losses, say) whose last is below its first."""
    got = result(out)
    if type(got) not in (list, tuple) or len(got) != count or not all(_is_number(item) for item in got):
        fail(out, ngettext("a list of {count} number", "a list of {count} numbers", count).format(
                 count=count),
             f"{_kind(out, got)}: {show(got)}", _("Return a list of Python floats, one for each step."))
    values = [_float(item) for item in got]
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
    if _float(got) < minimum:
        fail(out, _("{what} of at least {minimum:g}").format(what=what, minimum=minimum),
             f"{_float(got):.2f}", course_text(advice) if advice else advice)
    return _float(got)


def _float(value: Any) -> float:
    """A number as a float; a tensor is detached first (float() of one still attached to the graph
    warns on stderr, which a notebook's grader counts as a failure)."""
    return float(value.detach()) if type(value) is torch.Tensor else float(value)


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
    return _("Check the shapes in your formula.")


def _mismatch(got: torch.Tensor, expected: torch.Tensor, tol: dict) -> str:
    """The inf/nan hint, or how many entries are off by the check's own tolerance."""
    if got.is_floating_point() and not torch.isfinite(got).all() and torch.isfinite(expected).all():
        return " " + _("(it holds inf or nan: is the formula numerically stable?)")
    if got.numel() <= 1:
        return ""
    wrong = ~torch.isclose(got.double(), expected.double(), rtol=tol["rtol"], atol=tol["atol"])
    return " " + ngettext("({wrong} of {count} entry differs)", "({wrong} of {count} entries differ)",
                          got.numel()).format(wrong=int(wrong.sum()), count=got.numel())


def random_start(out: Outcome, first: Any, second: Any, name: str) -> None:
    """Two objects built alike (`out` built the first) start with different values of tensor
    `name` (`first`, `second`), and the entries of the first are not all equal: it is drawn at
    random."""
    result(out)
    if type(first) is not torch.Tensor or type(second) is not torch.Tensor or first.numel() < 2:
        return
    if torch.equal(first, first.reshape(-1)[0].expand_as(first)):
        fail(out, _("a {name} whose entries are not all equal").format(name=name),
             _("every entry of {name} is {value:g}").format(name=name, value=float(first.reshape(-1)[0])),
             _("All entries of {name} start equal, so the units it feeds start identical and, inside a "
               "network, get identical gradients: draw them at random (torch.rand, torch.randn, "
               "nn.init).").format(name=name), named="diagnosis")
    if first.shape == second.shape and torch.equal(first, second):
        fail(out, _("two objects built alike that start with different values of {name}").format(name=name),
             _("the same {name} in both: {value}").format(name=name, value=show(first)),
             _("Both start with the same {name}: draw it at random (torch.rand, torch.randn, nn.init), and "
               "do not set a seed while building.").format(name=name), named="diagnosis")


def stays(out: Outcome, again: Any, what: str, advice_text: str) -> None:
    """What the call returned is still the same when read again (`again`, from `student.fetch` of
    the kept result) after the checks changed the objects it came from (`what` says how)."""
    first = result(out)
    if _same(first, again):
        return
    what = course_text(what)
    fail(out, _("the result unchanged after {what}").format(what=what),
         _("it changed after {what}: it is now {value}").format(what=what, value=show(again)),
         course_text(advice_text), named="diagnosis")


def _same(a: Any, b: Any) -> bool:
    if type(a) is torch.Tensor or type(b) is torch.Tensor:
        return type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
    if type(a) in (list, tuple) and type(b) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def untracked(out: Outcome, records: Sequence[bool]) -> None:
    """A model that recorded `torch.is_grad_enabled()` at each forward pass (a "probe" built by
    the student side) was run by the call, and never with gradient tracking on."""
    result(out)
    tracked = sum(bool(r) for r in records)
    if not records:
        fail(out, _("the model run at least once"), _("the model was never run"),
             _("Compute the answer from the model's output on the rows you are given."), named="diagnosis")
    if tracked:
        fail(out, _("every forward pass of the model without gradient tracking"),
             ngettext("{tracked} of {count} forward pass ran with gradient tracking on",
                      "{tracked} of {count} forward passes ran with gradient tracking on",
                      len(records)).format(tracked=tracked, count=len(records)),
             _("Your function ran the model with gradient tracking on, so torch built a graph it never "
               "needed: run the model inside `with torch.no_grad():`."), named="diagnosis")


def within(out: Outcome, budget: float, advice_text: str = "") -> float:
    """The call used at most `budget` seconds of processor time (it was made with a `cpu_limit`, so
    the student side measured it: torch's start-up and other work on the machine do not count)."""
    result(out)
    if out.cpu_seconds is None:
        raise ValueError(_("expect.within needs a call made with cpu_limit"))
    if out.cpu_seconds > budget:
        fail(out, _("at most {budget:.2f} s of processor time").format(budget=budget),
             _("{seconds:.2f} s of processor time").format(seconds=out.cpu_seconds),
             course_text(advice_text) if advice_text else
             _("Your code computes for longer than the limit allows (torch's start-up and a busy machine are "
               "not counted): do less work."), named="diagnosis")
    return out.cpu_seconds
