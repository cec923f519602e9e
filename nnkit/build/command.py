"""`nnkit build [--check]`: write, or verify, every file generated from `solutions/`: the stubs, the
nbgrader courses (one per language) and the translation catalogs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from nnkit.build import editions
from nnkit.build.stubs import MarkerError, solution_ids
from nnkit.course import catalog, layout
from nnkit.i18n import catalogs, lang
from nnkit.i18n.lang import _, ngettext
from nnkit.notebooks.source import make_config, make_notebook

Target = tuple[Path, Callable[[], str]]
LISTED = 20  # untranslated entries named in the message; the .po files list them all


def targets(root: Path) -> list[Target]:
    """Every generated file with the function that makes its text."""
    made: list[Target] = []
    codes = [lang.SOURCE, *editions.languages(root)]
    for stem in catalog.files():
        made.append((root / "exercises" / f"{stem}.py",
                     lambda stem=stem: editions.stub(root, stem, lang.SOURCE)))
        for code in codes:
            made.append((editions.nbgrader_folder(root, code) / stem / f"{stem}.ipynb",
                         lambda stem=stem, code=code: make_notebook(editions.solution(root, stem, code),
                                                                    stem, code)))
    for code in codes:
        made.append((editions.nbgrader_folder(root, code) / "nbgrader_config.py",
                     lambda code=code: make_config(code)))
    return made


def consistency_problems(root: Path) -> list[str]:
    """Exercise ids of the table without a solution region, and regions the table lacks."""
    problems = []
    table = [e.id for e in catalog.exercises()]
    found: list[str] = []
    for stem in catalog.files():
        path = root / "solutions" / f"{stem}.py"
        if not path.is_file():
            problems.append(_("solutions/{stem}.py is missing").format(stem=stem))
            continue
        found += solution_ids(path.read_text(encoding="utf-8"), stem)
    problems += [_("{id} is in exercises/info.toml but has no solution region").format(id=i)
                 for i in table if i not in found]
    problems += [_("{id} has a solution region but no row in exercises/info.toml").format(id=i)
                 for i in found if i not in table]
    return problems


def run(check: bool = False, root: Path | None = None) -> int:
    root = root or layout.course_root()
    problems = consistency_problems(root)
    if problems:
        print(_("The solutions and the exercise table disagree:") + "\n  " + "\n  ".join(problems),
              file=sys.stderr)
        return 1
    translated = catalogs.build(root, write=not check)
    lang.forget()
    stale = list(translated.stale)
    for path, make in targets(root):
        try:
            text = make()
        except MarkerError as error:
            print(_("cannot build {name}: {error}").format(name=path.name, error=error), file=sys.stderr)
            return 1
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path.relative_to(root))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    missing = translated.untranslated
    if missing:
        print(ngettext("{count} entry of the translation catalogs is untranslated or fuzzy (translate it, "
                       "then run `nnkit build`):", "{count} entries of the translation catalogs are "
                       "untranslated or fuzzy (translate them, then run `nnkit build`):",
                       len(missing)).format(count=len(missing)) + "\n  " + "\n  ".join(missing[:LISTED])
              + ("\n  " + _("… and {count} more").format(count=len(missing) - LISTED)
                 if len(missing) > LISTED else ""),
              file=sys.stderr)
    if check and (stale or missing):
        if stale:
            print(_("Generated files are stale (run `nnkit build` and commit them):") + "\n  "
                  + "\n  ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    if check or not stale:
        print(_("nnkit build: up to date"))
    else:
        print(ngettext("nnkit build: wrote {count} file(s)", "nnkit build: wrote {count} file(s)",
                       len(stale)).format(count=len(stale)))
    return 0
