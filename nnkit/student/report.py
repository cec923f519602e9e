"""What `nnkit check` and `nnkit watch` print: progress, a line per exercise file, the first failure.

Built from verdicts alone, so a check run in this process, in a warm process or by the check
server prints exactly the same. Imports neither torch nor pytest.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nnkit.course.catalog import Exercise
from nnkit.i18n.lang import _, ngettext
from nnkit.student.console import symbols
from nnkit.testing.verdict import Verdict, advice

COLOURS = {"done": "green", "failed": "red", "not_started": "dim"}


def status(verdicts: list[Verdict]) -> str:
    """done, failed or not_started: an exercise whose stub is still there (or whose file cannot be
    used) is not started; one with every check passed is done."""
    if not verdicts or any(v.kind in ("not_started", "submission") for v in verdicts):
        return "not_started"
    return "done" if all(v.passed for v in verdicts) else "failed"


def by_exercise(chosen: list[Exercise], verdicts: list[Verdict]) -> dict[str, list[Verdict]]:
    found: dict[str, list[Verdict]] = {e.id: [] for e in chosen}
    for verdict in verdicts:
        if verdict.exercise in found:
            found[verdict.exercise].append(verdict)
    return found


def show(console: Console, chosen: list[Exercise], verdicts: list[Verdict], folder: Path,
         problem: str | None = None) -> int:
    """Print the report of one run; return the exit status (0 only when every check passed)."""
    mark = symbols(console.file)
    grouped = by_exercise(chosen, verdicts)
    states = {exercise_id: status(found) for exercise_id, found in grouped.items()}
    done = sum(state == "done" for state in states.values())
    # English keeps "exercises" for 1 too ("0/1 exercises done"), as it always printed; other languages
    # pick the form the total takes.
    progress = ngettext("Progress: {done}/{total} exercises done", "Progress: {done}/{total} exercises done",
                        len(chosen)).format(done=done, total=len(chosen))
    console.print(f"[bold]{progress}[/] ({escape(str(folder))})")
    for stem in dict.fromkeys(e.file for e in chosen):
        marks = "  ".join(f"[{COLOURS[states[e.id]]}]{mark[states[e.id]]}[/] {e.name}"
                          for e in chosen if e.file == stem)
        console.print(f"  {stem:<20} {marks}")
    if problem:
        console.print(f"\n[red]{escape(problem)}[/]")
        return 1
    notes = advice([v for e in chosen for v in grouped[e.id]])
    if notes:
        console.print()
    for exercise, note in notes:
        console.print(escape(_("Note on {exercise} (it costs no points): {note}").format(
            exercise=exercise, note=note)))
    first = next((v for e in chosen for v in grouped[e.id] if not v.passed), None)
    if first is None and done == len(chosen):
        console.print(f"[green]{_('All selected checks pass.')}[/]" if chosen else _("Nothing selected."))
        return 0
    if first is None:
        missing = next(e.id for e in chosen if states[e.id] != "done")
        text = _("No check ran for {exercise}: are the checks in {folder}?").format(exercise=missing,
                                                                                   folder=folder)
        console.print(f"\n[red]{escape(text)}[/]")
        return 1
    console.print(f"\n[bold red]{mark['failed']} {first.exercise}[/] [dim]({escape(first.test)})[/]")
    console.print(escape(first.message.rstrip()))
    stuck = _("Stuck? `nnkit hint {id}`. Check just this one: `nnkit check {id}`.").format(id=first.exercise)
    console.print(f"\n[dim]{escape(stuck)}[/]")
    return 1
