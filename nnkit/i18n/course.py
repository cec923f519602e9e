"""The course's texts in the chosen language: hints, known mistakes, the checks' messages.

A course keeps two catalogs, split by who may read them: `exercises/locale/<lang>/LC_MESSAGES/
course.mo` (everything students get: prose, hints, known mistakes, public checks' messages, which
the student bundle carries) and `autograder/locale/<lang>/LC_MESSAGES/autograder.mo` (the hidden
tests' messages, on the instructor's machine only). A course file marks a text with `_()` from
here, as the tool's files do with `nnkit.i18n.lang`, or with `N_()` where the text is translated
when it is shown (what a check passes to `nnkit.harness.expect`, which translates it, and texts
of a module's top level, imported before a language is chosen); `nnkit build` extracts both
catalogs.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from nnkit.course import layout
from nnkit.i18n import lang
from nnkit.i18n.lang import N_

PUBLIC = (Path("exercises") / "locale", "course")
HIDDEN = (Path("autograder") / "locale", "autograder")
__all__ = ["N_", "_", "catalogs", "ngettext"]


def catalogs(root: Path | None = None, code: str | None = None) -> gettext.NullTranslations:
    """The course's public catalog, falling back to its hidden one, for one language."""
    root = root or layout.course_root()
    code = code or lang.language()
    public = lang.translations(root / PUBLIC[0], PUBLIC[1], code)
    hidden = lang.translations(root / HIDDEN[0], HIDDEN[1], code)
    if type(hidden) is gettext.NullTranslations:  # English, or no hidden catalog (a student's copy)
        return public
    return _Chain(public, hidden)


class _Chain(gettext.NullTranslations):
    """Look a text up in the first catalog, then in the second (without changing either)."""

    def __init__(self, first: gettext.NullTranslations, second: gettext.NullTranslations):
        super().__init__()
        self.first, self.second = first, second

    def gettext(self, message: str) -> str:
        found = self.first.gettext(message)
        return found if found is not message else self.second.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.first.ngettext(singular, plural, n)
        return found if found not in (singular, plural) else self.second.ngettext(singular, plural, n)


def _(text: str) -> str:
    """The translation of one of the course's texts (a hint, a mistake, a check's message)."""
    return catalogs().gettext(text)


def ngettext(singular: str, plural: str, count: int) -> str:
    return catalogs().ngettext(singular, plural, count)
