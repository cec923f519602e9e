"""`nnkit watch`: re-check on every save, like rustlings' watch mode.

torch and pytest are imported once here; each re-check runs in a forked child, so it starts
fast and always sees the files as saved. File events come from watchfiles when the system
supports them, else from polling modification times.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from nnkit import check, forkrun, kitpaths

POLL_SECONDS = 0.5


def snapshot(folder: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.py")) if p.is_file()}


def poll_changes(folder: Path, interval: float = POLL_SECONDS) -> Iterator[None]:
    """Yield whenever a .py file in `folder` is added, removed or saved after this call."""
    before = snapshot(folder)

    def changes(before: dict[str, float]) -> Iterator[None]:
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


def recheck(folder: Path, checks_path: Path | None) -> None:
    """Run `nnkit check` in a forked child so each run imports the student's files afresh."""

    def job() -> int:
        Console().clear()
        code = check.run(None, checks_path)
        Console(highlight=False).print("\n[dim]Watching for saves… (Ctrl-C to stop)[/]")
        return code

    forkrun.run(job)


def run(path: Path | None = None, poll: bool = False) -> int:
    folder = Path(path).resolve() if path else kitpaths.exercises_dir()
    if not folder.is_dir():
        Console().print(f"[red]{folder} is not a folder of exercises.[/]")
        return 2
    polled = poll_changes(folder)  # the snapshot is taken now, so no save is missed
    recheck(folder, path)
    try:
        if not poll:
            try:
                for _ in event_changes(folder):
                    recheck(folder, path)
            except (ImportError, OSError, RuntimeError) as error:
                Console().print(f"[yellow]File events unavailable ({error}); polling instead.[/]")
        for _ in polled:
            recheck(folder, path)
    except KeyboardInterrupt:
        pass
    return 0
