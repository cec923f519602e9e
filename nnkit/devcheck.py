"""`nnkit dev check`: every stub fails all its checks and every solution passes them.

rustlings keeps the same invariant: it proves the checks can fail and that they can pass.
"""

from __future__ import annotations

from rich.console import Console

from nnkit import catalog, check, kitpaths


def problems() -> list[str]:
    """What breaks the invariant, one line each; empty when all is well."""
    root = kitpaths.kit_root()
    found: list[str] = []
    for folder, must_pass in ((root / "solutions", True), (root / "exercises", False)):
        chosen, collector = check.run_checks(None, folder)
        found += [f"check without an exercise marker: {nodeid}" for nodeid in collector.unmarked]
        for exercise in chosen:
            results = [r for r in collector.results if r.exercise == exercise.id]
            if not results:
                found.append(f"{exercise.id} has no public check")
            elif must_pass and not all(r.passed for r in results):
                bad = next(r for r in results if not r.passed)
                found.append(f"the solution of {exercise.id} fails {bad.nodeid}: {bad.message}")
            elif not must_pass and any(r.passed for r in results):
                good = next(r for r in results if r.passed)
                found.append(f"the stub of {exercise.id} passes {good.nodeid}")
            elif not must_pass and not all(r.kind == "not_started" for r in results):
                found.append(f"the stub of {exercise.id} is not reported as not started")
    return found


def run() -> int:
    console = Console(highlight=False)
    found = problems()
    for line in found:
        console.print(f"[red]✗[/] {line}", markup=False)
    total = len(catalog.exercises())
    if not found:
        console.print(f"All {total} stubs fail their checks as 'not started'; all solutions pass.")
    return 1 if found else 0
