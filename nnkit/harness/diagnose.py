"""Say what a wrong answer shows when no known mistake of the catalogue matches it.

Each diagnosis looks at one property of the answer against the expected one and the call's
inputs: values that add up to 1 along another dim, the right values in another dtype, the
expected result transposed or its rows in another order, a constant factor (100, the number of
entries or rows of an input: percent against fraction, sum against mean), the opposite sign, a
list or table shifted by one place or one item short or long, a missing or extra dimension of
size 1, nan or inf for large inputs, the inputs changed in place; and, as a note for an answer
that may pass, a tensor still attached to the autograd graph where a number is due. A diagnosis
states a fact it has checked on the numbers, never a cause guessed from the exercise, so it is
silent on any answer that lacks its property (tests/test_diagnose.py feeds each one right
answers and unrelated wrong ones).

A check calls it with what it has, after the catalogue found nothing:

    advice = explain(got, expected, out.args, out.kwargs, args_after=out.args_after, tolerance=tol)

`got` and `expected` are what came back and what was due (a tensor, a number, a list of numbers
or a tuple of ints); the arguments are the call's, as sent and as they came back.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from nnkit.harness.show import shape_of
from nnkit.i18n.lang import _, ngettext

FLOAT32 = {"rtol": 1.3e-6, "atol": 1e-5}  # torch.testing.assert_close's float32 defaults
SUM_TOLERANCE = 1e-4  # how close to 1 a sum of probabilities must be
LARGE = 80.0  # inputs this large overflow exp in float32 (above 88.7): the stability cases
MAX_ROWS = 512  # beyond this, rows are not matched one by one
MAX_PERMUTED_DIMS = 4


@dataclass(frozen=True)
class Case:
    """What a check knows about one call: what came back, what was due, and the inputs (as sent,
    and as they came back)."""

    got: Any
    expected: Any
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    args_after: Sequence | None = None
    tolerance: Mapping[str, float] = field(default_factory=lambda: dict(FLOAT32))

    @functools.cached_property
    def values(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """got and expected as float64 tensors, when both are numbers, lists of numbers or tensors."""
        got, want = _as_tensor(self.got), _as_tensor(self.expected)
        return None if got is None or want is None else (got, want)

    @functools.cached_property
    def floating(self) -> bool:
        """The answer is real-valued (a float tensor, a float or a list of floats), so that scales
        and signs mean something; counts and shapes are not."""
        return _is_floating(self.expected) and _is_floating(self.got)

    @functools.cached_property
    def inputs(self) -> list[tuple[str, torch.Tensor]]:
        """The tensor arguments, each with its position (1-based) or keyword."""
        named = [(str(i + 1), arg) for i, arg in enumerate(self.args)] + list(self.kwargs.items())
        return [(where, arg.detach()) for where, arg in named if type(arg) is torch.Tensor]

    def close(self, got: torch.Tensor, want: torch.Tensor, scale: float = 1.0) -> bool:
        """Equal shapes and values within the check's tolerance (its atol scaled by `scale`)."""
        return got.shape == want.shape and bool(torch.allclose(
            got, want, rtol=self.tolerance.get("rtol", FLOAT32["rtol"]),
            atol=self.tolerance.get("atol", FLOAT32["atol"]) * max(1.0, abs(scale))))

    @functools.cached_property
    def wrong(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """`values`, when they differ (only a wrong answer has properties to explain)."""
        values = self.values
        return None if values is None or self.close(*values) else values


Diagnosis = Callable[[Case], str]


def _of_wrong_values(diagnosis: Callable[[Case, torch.Tensor, torch.Tensor], str]) -> Diagnosis:
    """A diagnosis of the got and expected values, asked only of a wrong answer that has them."""
    @functools.wraps(diagnosis)
    def ask(case: Case) -> str:
        values = case.wrong
        return "" if values is None else diagnosis(case, *values)
    return ask


def explain(got: Any, expected: Any, args: Sequence = (), kwargs: Mapping[str, Any] | None = None, *,
            args_after: Sequence | None = None, tolerance: Mapping[str, float] | None = None) -> str:
    """The first diagnosis that fits a wrong answer, as one sentence for the student, or ""."""
    case = Case(got, expected, tuple(args), dict(kwargs or {}), args_after, dict(tolerance or FLOAT32))
    return next((text for text in (diagnosis(case) for diagnosis in DIAGNOSES) if text), "")


def notes(got: Any, expected: Any, args: Sequence = (), kwargs: Mapping[str, Any] | None = None) -> list[str]:
    """Advice on an answer the contract allows but a teacher would comment on (it costs no points)."""
    case = Case(got, expected, tuple(args), dict(kwargs or {}))
    return [text for text in (note(case) for note in NOTES) if text]


# ---------------------------------------------------------------- the diagnoses
def changed_inputs(case: Case) -> str:
    """The call changed a tensor it was given (the contract forbids it)."""
    changed = changed_arguments(case.args, case.args_after)
    if not changed:
        return ""
    return ngettext("Your function changed its argument {positions} in place: compute a new tensor instead "
                    "(no +=, *=, item assignment or methods ending in _ on the inputs).",
                    "Your function changed its arguments {positions} in place: compute new tensors instead "
                    "(no +=, *=, item assignment or methods ending in _ on the inputs).",
                    len(changed)).format(positions=", ".join(str(p) for p in changed))


def other_dtype(case: Case) -> str:
    """The right values, in another dtype than the one due."""
    got, want = case.got, case.expected
    if type(got) is not torch.Tensor or type(want) is not torch.Tensor or got.dtype == want.dtype:
        return ""
    values = case.values
    if values is None or not case.close(*values):
        return ""
    dtypes = {"got": str(got.dtype).removeprefix("torch."),
              "expected": str(want.dtype).removeprefix("torch.")}
    return _("Your values are right, but their dtype is {got} where {expected} is due: return the result "
             "as {expected} (.to(torch.{expected})).").format(**dtypes)


def size_one_dimension(case: Case) -> str:
    """The right values with a dimension of size 1 too many or too few (keepdim, squeeze)."""
    values = case.values
    if values is None or type(case.got) is not torch.Tensor or type(case.expected) is not torch.Tensor:
        return ""
    got, want = values
    if abs(got.dim() - want.dim()) != 1 or got.numel() != want.numel() \
            or [n for n in got.shape if n != 1] != [n for n in want.shape if n != 1] \
            or not case.close(got.reshape(want.shape), want):
        return ""
    shapes = {"got": shape_of(got), "expected": shape_of(want)}
    if got.dim() > want.dim():
        return _(
            "Your values are right, but your result has an extra dimension of size 1: its shape is {got} "
            "where {expected} is due (a reduction with keepdim=True keeps one; squeeze removes it)."
        ).format(**shapes)
    return _(
        "Your values are right, but a dimension of size 1 is missing: the shape is {got} where {expected} "
        "is due (keepdim=True keeps a reduced dimension; unsqueeze adds one)."
    ).format(**shapes)


@_of_wrong_values
def transposed(case: Case, got: torch.Tensor, want: torch.Tensor) -> str:
    """The expected tensor transposed, or with its dimensions in another order."""
    if type(case.expected) is not torch.Tensor or got.dim() != want.dim() or got.dim() < 2:
        return ""
    if case.close(got, want.transpose(-2, -1)):
        if want.dim() == 2:
            return _("Your result is the expected one transposed: your rows are its columns.")
        return _("Your result is the expected one with its last two dimensions swapped (transposed).")
    if want.dim() <= MAX_PERMUTED_DIMS:
        for order in itertools.permutations(range(want.dim())):
            if order != tuple(range(want.dim())) and case.close(got, want.permute(order)):
                return _("Your result holds the expected values with its dimensions in another order: the "
                         "expected result permuted as {order} gives yours.").format(order=order)
    return ""


@_of_wrong_values
def reordered(case: Case, got: torch.Tensor, want: torch.Tensor) -> str:
    """The expected rows (or values of a list) in reverse or in another order."""
    if got.shape != want.shape or got.dim() == 0 or not 2 <= len(want) <= MAX_ROWS \
            or not _distinct_rows(case, want):
        return ""
    rows = want.dim() > 1
    if case.close(got, want.flip(0)):
        return _("Your rows are the expected ones in reverse order.") if rows else \
            _("Your values are the expected ones in reverse order.")
    if _same_rows(case, got, want):
        return _("Your result holds the expected rows, but in another order.") if rows else \
            _("Your result holds the expected values, but in another order.")
    return ""


@_of_wrong_values
def off_by_one(case: Case, got: torch.Tensor, want: torch.Tensor) -> str:
    """A list or table one item short or long at one end, or shifted by one place."""
    if got.dim() == 0 or got.dim() != want.dim() or got.shape[1:] != want.shape[1:]:
        return ""
    rows, first, last = want.dim() > 1, _item(want, 0), _item(want, -1)
    if len(got) == len(want) - 1 and len(want) >= 2:
        if case.close(got, want[:-1]):
            return _("Your result is one row short: the expected last row is missing.") if rows else \
                _("Your list is one item short: the expected last item ({value}) is missing.").format(
                    value=last)
        if case.close(got, want[1:]):
            return _("Your result is one row short: the expected first row is missing.") if rows else \
                _("Your list is one item short: the expected first item ({value}) is missing.").format(
                    value=first)
    if len(got) == len(want) + 1 and len(want) >= 1:
        if case.close(got[:-1], want):
            return _("Your result has one row too many: your last row is not expected.") if rows else \
                _("Your list has one item too many: your last item ({value}) is not expected.").format(
                    value=_item(got, -1))
        if case.close(got[1:], want):
            return _("Your result has one row too many: your first row is not expected.") if rows else \
                _("Your list has one item too many: your first item ({value}) is not expected.").format(
                    value=_item(got, 0))
    if len(got) == len(want) >= 3 and not case.close(want[1:], want[:-1]):
        if case.close(got[1:], want[:-1]):
            if rows:
                return _(
                    "Your rows are the expected ones moved one place down: your first row is not expected, "
                    "and the expected last row is missing.")
            return _(
                "Your values are the expected ones moved one place later: your first value ({value}) is not "
                "expected, and the expected last value is missing."
            ).format(value=_item(got, 0))
        if case.close(got[:-1], want[1:]):
            return _("Your rows are the expected ones moved one place up: the expected first row is missing, "
                     "and your last row is not expected.") if rows else \
                _("Your values are the expected ones moved one place earlier: the expected first value "
                  "({value}) is missing, and your last value is not expected.").format(value=first)
    return ""


@_of_wrong_values
def sums_along_other_dim(case: Case, got: torch.Tensor, want: torch.Tensor) -> str:
    """Values that add up to 1 (softmax-like) along another dim than the expected ones do."""
    if type(case.got) is not torch.Tensor or not case.floating:
        return ""
    if got.shape != want.shape or got.dim() < 2 or not (torch.isfinite(got).all() and (got >= 0).all()
                                                        and (want >= 0).all()):
        return ""
    wanted, found = _unit_sum_dims(want), _unit_sum_dims(got)
    if not wanted or not found or set(wanted) & set(found):
        return ""
    asked = case.kwargs.get("dim")
    if type(asked) is int and -want.dim() <= asked < want.dim() and asked % want.dim() in wanted:
        return _("Your values add up to 1 along dim {found}, but dim={asked} was asked.").format(
            found=found[0], asked=asked)
    return _("Your values add up to 1 along dim {found}, but the expected ones add up to 1 along dim "
             "{wanted}.").format(found=found[0], wanted=wanted[0])


@_of_wrong_values
def opposite_sign(case: Case, got: torch.Tensor, want: torch.Tensor) -> str:
    """The expected values with the opposite sign."""
    if not case.floating:
        return ""
    if not (want.abs() > case.tolerance.get("atol", FLOAT32["atol"])).any() or not case.close(got, -want):
        return ""
    return ngettext("Your result has the opposite sign of the expected one.",
                    "Your values have the opposite sign of the expected ones.", want.numel())


@_of_wrong_values
def scaled(case: Case, got: torch.Tensor, want: torch.Tensor) -> str:
    """The expected values times a constant: 100 (percent against fraction), the number of entries
    or rows of an input (sum against mean), or any factor the values themselves determine."""
    if not case.floating:
        return ""
    if got.shape != want.shape or not torch.isfinite(got).all() or not (want != 0).any():
        return ""
    factor = float((got * want).sum() / (want * want).sum())
    if not math.isfinite(factor) or abs(factor) < 1e-6 or abs(factor + 1) < 1e-3 or abs(factor - 1) < 1e-6:
        return ""
    for named, text in _named_factors(case, got, want):
        if abs(factor / named - 1) < 1e-3 and case.close(got, named * want, named):
            return text
    if _determines_a_factor(want) and case.close(got, factor * want, factor):
        return _("Your result is the expected one times {factor}: the formula is right up to a constant "
                 "factor.").format(factor=_number(factor))
    return ""


def unstable(case: Case) -> str:
    """nan or inf where the expected values are finite, with large inputs (numerical stability)."""
    values = case.values
    if values is None or not case.floating:
        return ""
    got, want = values
    bad = ~torch.isfinite(got)
    floats = [x for _, x in case.inputs if x.is_floating_point() and x.numel()]
    largest = max((float(x.abs().max()) for x in floats), default=0.0)
    if not bad.any() or not torch.isfinite(want).all() or largest < LARGE:
        return ""
    aligned = [x for x in floats if x.shape == got.shape == want.shape]  # entry by entry with the result
    for x in aligned:
        if (x.abs() >= LARGE)[bad].all() and case.close(got[~bad], want[~bad]):
            return _("Your result holds nan or inf only where the input is large (as large as {value}), and "
                     "it is right everywhere else: the formula is not numerically stable.").format(
                         value=_number(float(x[bad].abs().max())))
    if aligned:  # nan or inf where the input is small too: more than stability is wrong
        return ""
    return _("Your result holds nan or inf where the expected one is finite, and the input holds values "
             "as large as {value}: the formula is not numerically stable for large inputs.").format(
                 value=_number(largest))


def attached(case: Case) -> str:
    """A tensor still attached to the autograd graph where a number (or a list of numbers) is due."""
    if not _is_number_like(case.expected):
        return ""
    if type(case.got) is torch.Tensor and case.got.requires_grad:
        return _("Your result is a tensor still attached to the autograd graph where a number is due: return "
                 "t.item() (a Python float) instead, which also lets the graph be freed.")
    if type(case.got) in (list, tuple) and any(type(item) is torch.Tensor and item.requires_grad
                                                for item in case.got):
        return _(
            "Your list holds tensors still attached to the autograd graph where numbers are due: store "
            "t.item() (a Python float) for each tensor t instead, so that each step's graph can be freed.")
    return ""


# In the order they are tried: facts about the inputs, then the shape, then the arrangement of the
# values, then their scale (a scale would also fit some arrangements of constant values).
DIAGNOSES: tuple[Diagnosis, ...] = (changed_inputs, other_dtype, size_one_dimension, transposed, reordered,
                                    off_by_one, sums_along_other_dim, opposite_sign, scaled, unstable)
NOTES: tuple[Diagnosis, ...] = (attached,)


# ---------------------------------------------------------------- helpers
def tensor_pairs(before: Any, after: Any) -> list[tuple[torch.Tensor, Any]]:
    """The tensors of an argument before a call, each with what it was after: the argument itself,
    or the tensors of its list or tuple."""
    if type(before) is torch.Tensor:
        return [(before, after)]
    if type(before) in (list, tuple) and type(after) in (list, tuple) and len(before) == len(after):
        return [(was, now) for was, now in zip(before, after) if type(was) is torch.Tensor]
    return []


def same_tensor(was: torch.Tensor, now: Any) -> bool:
    """`now` is still the tensor `was`, entry for entry."""
    return type(now) is torch.Tensor and torch.equal(was, now)


def changed_arguments(args: Sequence, args_after: Sequence | None) -> list[int]:
    """The positions (1-based) of the tensor arguments, or lists of tensors, a call changed."""
    return [position for position, (before, after) in enumerate(zip(args, args_after or []), start=1)
            if not all(same_tensor(was, now) for was, now in tensor_pairs(before, after))]


def _as_tensor(value: Any) -> torch.Tensor | None:
    if type(value) is torch.Tensor:
        return value.detach().to(torch.float64)
    if _is_scalar(value):
        return torch.tensor(_float(value), dtype=torch.float64)
    if type(value) in (list, tuple) and value and all(_is_scalar(item) for item in value):
        return torch.tensor([_float(item) for item in value], dtype=torch.float64)
    return None


def _float(value: Any) -> float:
    return float(value.detach()) if type(value) is torch.Tensor else float(value)


def _is_scalar(value: Any) -> bool:
    return type(value) in (int, float) or (type(value) is torch.Tensor and value.numel() == 1)


def _is_number_like(value: Any) -> bool:
    return type(value) in (int, float) or (type(value) in (list, tuple) and bool(value)
                                           and all(type(item) in (int, float) for item in value))


def _is_floating(value: Any) -> bool:
    if type(value) is torch.Tensor:
        return value.is_floating_point()
    if type(value) in (list, tuple):
        return any(_is_floating(item) for item in value)
    return type(value) is float


def _named_factors(case: Case, got: torch.Tensor, want: torch.Tensor) -> list[tuple[float, str]]:
    """The factors a sentence can name, each with it: 1/100 and 100 where the values fit percent
    and fraction, then the number of entries and of rows of each tensor input."""
    named = []
    if (want >= 0).all() and (want <= 100).all() and (got >= 0).all() and (got <= 1).all():
        named.append((0.01, _("Your result is the expected one divided by 100: a fraction (0 to 1) where a "
                              "percent (0 to 100) is due.")))
    if (want >= 0).all() and (want <= 1).all() and (got >= 0).all() and (got <= 100).all():
        named.append((100.0, _("Your result is 100 times the expected one: a percent where a fraction (0 to "
                               "1) is due.")))
    for where, x in case.inputs:
        sizes = [(x.numel(), "entries")] + ([(x.shape[0], "rows")] if x.dim() > 1 else [])
        for n, what in sizes:
            if n < 2:
                continue
            if what == "entries":
                named += [
                    (float(n), _("Your result is {n} times the expected one, and argument {where} has {n} "
                                 "entries: a sum where a mean is due.").format(n=n, where=where)),
                    (1 / n, _("Your result is the expected one divided by {n}, and argument {where} has "
                              "{n} entries: a mean where a sum is due.").format(n=n, where=where)),
                ]
            else:
                named += [
                    (float(n), _("Your result is {n} times the expected one, and argument {where} has {n} "
                                 "rows: a sum over the rows where a mean is due.").format(n=n, where=where)),
                    (1 / n, _("Your result is the expected one divided by {n}, and argument {where} has "
                              "{n} rows: a mean over the rows where a sum is due.").format(n=n, where=where)),
                ]
    return named


def _determines_a_factor(want: torch.Tensor) -> bool:
    """At least two different nonzero values: only then does a common ratio say something (any
    single number is some multiple of another)."""
    nonzero = want[want != 0]
    return nonzero.numel() >= 2 and bool((nonzero != nonzero[0]).any())


def _unit_sum_dims(t: torch.Tensor) -> list[int]:
    """The dims (of size above 1) along which every slice adds up to 1."""
    return [d for d in range(t.dim()) if t.shape[d] > 1
            and bool(torch.allclose(t.sum(d), torch.ones((), dtype=t.dtype), rtol=0, atol=SUM_TOLERANCE))]


def _close_to_rows(case: Case, row: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """For each of `rows`, whether `row` equals it within the tolerance (as `Case.close` judges):
    one vectorised comparison instead of an allclose per pair."""
    rtol = case.tolerance.get("rtol", FLOAT32["rtol"])
    atol = case.tolerance.get("atol", FLOAT32["atol"])
    mine, theirs = row.reshape(1, -1).double(), rows.reshape(len(rows), -1).double()
    return ((mine - theirs).abs() <= atol + rtol * theirs.abs()).logical_or(mine == theirs).all(dim=1)


def _distinct_rows(case: Case, want: torch.Tensor) -> bool:
    flat = want.reshape(len(want), -1)
    return not any(bool(_close_to_rows(case, flat[i], flat[i + 1:]).any()) for i in range(len(flat) - 1))


def _same_rows(case: Case, got: torch.Tensor, want: torch.Tensor) -> bool:
    """Each row of `got` is a different row of `want`."""
    left = torch.ones(len(want), dtype=torch.bool)
    for row in got:
        matches = (_close_to_rows(case, row, want) & left).nonzero()
        if not len(matches):
            return False
        left[matches[0, 0]] = False
    return True


def _item(t: torch.Tensor, index: int) -> str:
    return _number(float(t[index])) if t.dim() == 1 else ""


def _number(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)) else f"{value:.4g}"
