"""`nnkit build [--check]`: write, or verify, every file generated from `solutions/`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from nnkit.build.stubs import MarkerError, make_stub, solution_ids
from nnkit.course import catalog, layout
from nnkit.notebooks.source import make_config, make_notebook

Target = tuple[Path, Callable[[], str]]


def targets(root: Path) -> list[Target]:
    """Every generated file with the function that makes its text."""
    made: list[Target] = []
    for stem in catalog.files():
        source = root / "solutions" / f"{stem}.py"
        made.append((root / "exercises" / f"{stem}.py",
                     lambda source=source, stem=stem: make_stub(source.read_text(), stem)))
        made.append((root / "source" / stem / f"{stem}.ipynb",
                     lambda source=source, stem=stem: make_notebook(source.read_text(), stem)))
    made.append((root / "source" / "nbgrader_config.py", make_config))
    return made


def consistency_problems(root: Path) -> list[str]:
    """Exercise ids of the table without a solution region, and regions the table lacks."""
    problems = []
    table = [e.id for e in catalog.exercises()]
    found: list[str] = []
    for stem in catalog.files():
        path = root / "solutions" / f"{stem}.py"
        if not path.is_file():
            problems.append(f"solutions/{stem}.py is missing")
            continue
        found += solution_ids(path.read_text(), stem)
    problems += [f"{i} is in exercises/info.toml but has no solution region" for i in table if i not in found]
    problems += [f"{i} has a solution region but no row in exercises/info.toml" for i in found if i not in table]
    return problems


def run(check: bool = False, root: Path | None = None) -> int:
    root = root or layout.course_root()
    problems = consistency_problems(root)
    if problems:
        print("The solutions and the exercise table disagree:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    stale = []
    for path, make in targets(root):
        try:
            text = make()
        except MarkerError as error:
            print(f"cannot build {path.name}: {error}", file=sys.stderr)
            return 1
        current = path.read_text() if path.is_file() else None
        if current == text:
            continue
        stale.append(path.relative_to(root))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if check and stale:
        print("Generated files are stale (run `nnkit build` and commit them):\n  "
              + "\n  ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    verb = "up to date" if check or not stale else f"wrote {len(stale)} file(s)"
    print(f"nnkit build: {verb}")
    return 0
