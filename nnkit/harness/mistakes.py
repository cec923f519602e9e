"""Known mistakes: the course names the wrong answers students often give, the checks name the one
an answer matches.

A course writes them in `exercises/mistakes.py`, each message beside the formula that computes
the wrong value:

    @mistake("05_losses.mse", sum="this is the sum of the squares, not their mean")
    def _(y_hat, y):
        return ((y_hat - y) ** 2).sum()

`for_call("05_losses.mse", y_hat, y)` then gives `{Known(...): the value that mistake returns}`
for the same inputs as the call being checked; pass it as `mistakes=` to an `expect.*` check,
which names the one the student's answer equals. A formula of several mistakes returns
`{name: value}`; a mistake these inputs cannot show gives NA and is left out.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnkit.course import layout

NA = type("NotApplicable", (), {"__repr__": lambda self: "NA"})()  # a mistake these inputs cannot show


@dataclass(frozen=True)
class Known:
    """One named mistake of one exercise, with the sentence that explains it."""

    exercise: str
    name: str
    message: str


@dataclass(frozen=True)
class _Formula:
    compute: Callable[..., Any]
    key: str | None  # the name in the {name: value} it returns, when it serves several mistakes


_REGISTERED: dict[str, dict[str, tuple[Known, _Formula]]] = {}


def mistake(exercise_id: str, **messages: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the formula of the mistakes named in `messages` (name="message", ...)."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        for name, text in messages.items():
            formula = _Formula(function, name if len(messages) > 1 else None)
            _REGISTERED.setdefault(exercise_id, {})[name] = (Known(exercise_id, name, text), formula)
        return function
    return register


@functools.cache
def _load(path: Path) -> None:
    """Run the course's mistakes module once, which registers its mistakes."""
    if not path.is_file():
        return
    spec = importlib.util.spec_from_file_location("nnkit_course_mistakes", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)


def _registered() -> dict[str, dict[str, tuple[Known, _Formula]]]:
    _load(layout.course_root() / layout.MISTAKES)
    return _REGISTERED


def catalogue() -> dict[str, dict[str, Known]]:
    """exercise id → {mistake name: Known}, in the course's order."""
    return {exercise: {name: known for name, (known, _) in names.items()}
            for exercise, names in _registered().items()}


def message(exercise_id: str, name: str) -> str:
    return catalogue()[exercise_id][name].message


def for_call(exercise_id: str, *args: Any, **kwargs: Any) -> dict[Known, Any]:
    """{Known: wrong value} for every known mistake of `exercise_id` that these inputs can show."""
    found: dict[Known, Any] = {}
    computed: dict[Callable[..., Any], Any] = {}
    for known, formula in _registered().get(exercise_id, {}).values():
        if formula.compute not in computed:
            try:
                computed[formula.compute] = formula.compute(*args, **kwargs)
            except Exception:
                computed[formula.compute] = NA
        value = computed[formula.compute]
        if formula.key is not None and value is not NA:
            value = value.get(formula.key, NA)
        if value is not NA:
            found[known] = value
    return found


def item(mistakes: Any, index: int | str) -> Any:
    """The mistakes of one item of a result (a tuple's item, a list's entry, a state's tensor);
    lazy (a function) when `mistakes` is."""
    if callable(mistakes):
        return lambda: item(mistakes(), index)
    return {known: value[index] for known, value in mistakes.items()}


def lazy(exercise_id: str, *args: Any, **kwargs: Any) -> Callable[[], dict[Known, Any]]:
    """`for_call`, computed only if a check needs it (when the answer is wrong)."""
    return lambda: for_call(exercise_id, *args, **kwargs)
