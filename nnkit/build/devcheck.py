"""`nnkit dev check`: every stub fails all its checks and every solution passes them.

rustlings keeps the same invariant: it proves the checks can fail and that they can pass.
"""

from __future__ import annotations

from rich.markup import escape

from nnkit.course import catalog, layout
from nnkit.i18n.lang import _, ngettext
from nnkit.student import console, public_checks
from nnkit.student.report import by_exercise


def problems() -> list[str]:
    """What breaks the invariant, one line each; empty when all is well."""
    root = layout.course_root()
    found: list[str] = []
    chosen = list(catalog.exercises())
    for folder, must_pass in ((root / "solutions", True), (root / "exercises", False)):
        results, trouble = public_checks.run_checks([e.id for e in chosen], folder)
        found += trouble
        for exercise_id, mine in by_exercise(chosen, results).items():
            if not mine:
                found.append(_("{id} has no public check").format(id=exercise_id))
            elif must_pass and not all(v.passed for v in mine):
                bad = next(v for v in mine if not v.passed)
                found.append(_("the solution of {id} fails {file}::{test}: {message}").format(
                    id=exercise_id, file=bad.file, test=bad.test, message=bad.message))
            elif not must_pass and any(v.passed for v in mine):
                good = next(v for v in mine if v.passed)
                found.append(_("the stub of {id} passes {file}::{test}").format(
                    id=exercise_id, file=good.file, test=good.test))
            elif not must_pass and not all(v.kind == "not_started" for v in mine):
                found.append(_("the stub of {id} is not reported as not started").format(id=exercise_id))
    return found


def run_command() -> int:
    out = console.console()
    found = problems()
    for line in found:
        out.print(f"[red]{console.symbols(out.file)['failed']}[/] {escape(line)}")
    if not found:
        count = len(catalog.exercises())
        out.print(ngettext("The {count} stub fails its checks as 'not started'; the solution passes.",
                           "All {count} stubs fail their checks as 'not started'; all solutions pass.",
                           count).format(count=count))
    return 1 if found else 0
