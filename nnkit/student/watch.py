"""`nnkit watch`: re-check on every save, like rustlings' watch mode.

This process imports neither torch nor pytest: a warm process does (see `warm`), so a re-check
starts at once and always sees the files as saved. File events come from watchfiles when the
system supports them, else from polling modification times.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from rich.markup import escape

from nnkit.course import catalog, layout
from nnkit.i18n.lang import _
from nnkit.student import console, report
from nnkit.student.warm import WarmProcess
from nnkit.testing.verdict import Verdict
from nnkit.wire.messages import Job

POLL_SECONDS = 0.5


def snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.py")) if p.is_file()}


def poll_changes(folder: Path, interval: float = POLL_SECONDS) -> Iterator[None]:
    """Yield whenever a .py file in `folder` is added, removed or saved after this call."""
    before = snapshot(folder)

    def changes(before: dict[str, int]) -> Iterator[None]:
        while True:
            time.sleep(interval)
            now = snapshot(folder)
            if now != before:
                before = now
                yield None

    return changes(before)


def event_changes(folder: Path) -> Iterator[None]:
    import watchfiles

    for changes in watchfiles.watch(folder, debounce=200, raise_interrupt=False):
        if any(path.endswith(".py") for _, path in changes):
            yield None


def recheck(warm: WarmProcess, folder: Path) -> int:
    """Run every public check in the warm process and show the report, from a clean screen."""
    out = console.console()
    chosen = catalog.select(None)
    done = warm.run(Job(ids=[e.id for e in chosen], path=str(folder), cwd=os.getcwd(), env=dict(os.environ)))
    out.clear()
    code = report.show(out, chosen, [Verdict.from_dict(v) for v in done.verdicts], folder, done.problem)
    watching = _("Watching for saves{ellipsis} (Ctrl-C to stop)").format(
        ellipsis=console.symbols(out.file)["ellipsis"])
    out.print(f"\n[dim]{escape(watching)}[/]")
    return code


def run(path: Path | None = None, poll: bool = False) -> int:
    out = console.console()
    folder = layout.submission_folder(path)
    if not folder.is_dir():
        out.print(f"[red]{escape(_('{folder} is not a folder of exercises.').format(folder=folder))}[/]")
        return 2
    out.print(_("Starting: the first check imports torch, later ones start at once."))
    polled = poll_changes(folder)  # the snapshot is taken now, so no save is missed
    warm = WarmProcess()
    try:
        recheck(warm, folder)
        if not poll:
            try:
                for _change in event_changes(folder):
                    recheck(warm, folder)
                return 0  # watchfiles ends its events at Ctrl-C (raise_interrupt=False): stop, no polling
            except (ImportError, OSError, RuntimeError) as error:
                unavailable = _("File events unavailable ({error}); polling instead.").format(error=error)
                out.print(f"[yellow]{escape(unavailable)}[/]")
        for _change in polled:
            recheck(warm, folder)
    except KeyboardInterrupt:
        pass
    finally:
        warm.close()
    return 0
