"""`nnkit hint ID`: hints in tiers; each call reveals one more, never the solution."""

from __future__ import annotations

import json
from pathlib import Path

from rich.markup import escape

from nnkit.course import catalog, layout
from nnkit.i18n.course import _ as course_text
from nnkit.i18n.lang import _
from nnkit.student.console import console as terminal

STATE = ".nnkit-hints.json"


def _state_file() -> Path:
    return layout.exercises_dir() / STATE


def _load() -> dict[str, int]:
    try:
        data = json.loads(_state_file().read_text())
        return {str(k): int(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def run(selector: str, level: int | None = None) -> int:
    console = terminal()
    try:
        chosen = catalog.select(selector)
    except catalog.UnknownSelection as error:
        console.print(f"[red]{escape(str(error))}[/]")
        return 2
    if len(chosen) != 1:
        ids = ", ".join(e.id for e in chosen)
        console.print(escape(_("{selector!r} names several exercises; ask for one of: {ids}").format(
            selector=selector, ids=ids)))
        return 2
    exercise = chosen[0]
    seen = _load()
    shown = min(level if level else seen.get(exercise.id, 0) + 1, len(exercise.hints))
    for number, text in enumerate(exercise.hints[:shown], start=1):
        title = _("Hint {number}/{count} for {id}:").format(number=number, count=len(exercise.hints),
                                                            id=exercise.id)
        console.print(f"[bold]{escape(title)}[/] {escape(course_text(text))}")
    if shown < len(exercise.hints):
        more = _("Run `nnkit hint {id}` again for a more specific hint.").format(id=exercise.id)
    else:
        more = _("That was the last hint. The checks' messages say what is still wrong: "
                 "`nnkit check {id}`.").format(id=exercise.id)
    console.print(f"[dim]{escape(more)}[/]")
    seen[exercise.id] = max(shown, seen.get(exercise.id, 0))
    try:
        _state_file().write_text(json.dumps(seen, indent=1, sort_keys=True))
    except OSError:
        pass
    return 0
