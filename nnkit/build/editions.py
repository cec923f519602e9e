"""The course in another language: each solution file with its prose translated (from the course's
catalog), and the stubs and nbgrader notebooks made from it.

English is the source; every language with a course catalog (`exercises/locale/<lang>/`) has an
edition. Its nbgrader course is `source/<lang>/`, a course root of its own inside the English one
(nbgrader's commands select assignments with the "[0-9]*" glob, so it is never taken for one),
generated and committed like `source/`; its stubs are made when `nnkit release --lang <lang>`
builds a bundle.
"""

from __future__ import annotations

from pathlib import Path

from nnkit.build.stubs import make_stub
from nnkit.i18n import course, lang, prose


def languages(root: Path) -> list[str]:
    """The languages of the course's editions besides English."""
    from nnkit.i18n.catalogs import PUBLIC  # Babel: only course authors build, graders need not have it

    return [code for code in PUBLIC.languages(root) if code != lang.SOURCE]


def solution(root: Path, stem: str, code: str) -> str:
    """The solution file of `stem` with its markdown cells and docstrings in language `code`."""
    source = (root / "solutions" / f"{stem}.py").read_text(encoding="utf-8")
    if code == lang.SOURCE:
        return source
    return prose.translate_file(source, course.catalogs(root, code).gettext)


def stub(root: Path, stem: str, code: str) -> str:
    """The student's exercise file of `stem` in language `code`."""
    with lang.speaking(code):
        return make_stub(solution(root, stem, code), stem)


def nbgrader_folder(root: Path, code: str) -> Path:
    """The nbgrader course of one language: source/ for English, source/<lang>/ for the others."""
    english = root / "source"
    return english if code == lang.SOURCE else english / code
