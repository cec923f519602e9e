"""The one door every text a person reads goes through: `_("...")` and `ngettext(...)`.

Sentences are whole templates (`_("Score: {total} / {max}").format(total=..., max=...)`),
never glued from fragments, so a translator sees each one entire and can reorder its words.
The tool's translations are gettext catalogs, `nnkit/locale/<lang>/LC_MESSAGES/nnkit.mo`, read
with the standard library (the check client stays light). The language is chosen, in this
order, by `nnkit --lang`, which sets NNKIT_LANG so that every process the kit starts inherits
it; by NNKIT_LANG; by the locale (LC_ALL, else LC_MESSAGES, else LANG); else English. It is
read again at every call, so a warm process serving another command follows that command.
A language is available when its catalog is: a new one needs catalogs only.
"""

from __future__ import annotations

import gettext
import os
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path

from nnkit import environment

ENV = "NNKIT_LANG"
SOURCE = "en"  # the language the templates are written in
DOMAIN = "nnkit"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX precedence: the first one set wins


@cache
def _available(localedir: Path, domain: str) -> frozenset[str]:
    if not localedir.is_dir():
        return frozenset()
    return frozenset(d.name for d in localedir.iterdir() if (d / "LC_MESSAGES" / f"{domain}.mo").is_file())


def languages() -> list[str]:
    """The languages the tool speaks: English and every language with a compiled catalog."""
    return [SOURCE, *sorted(_available(LOCALE_DIR, DOMAIN) - {SOURCE})]


def _code(value: str) -> str:
    """"ru_RU.UTF-8" → "ru"; "C", "POSIX" and "" → ""."""
    code = value.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
    return "" if code in ("c", "posix") else code


def language() -> str:
    """The chosen language's code ("en", "ru", ...)."""
    chosen = _code(os.environ.get(ENV, ""))
    if not chosen:
        setting = next((os.environ[v] for v in LOCALE_VARIABLES if os.environ.get(v)), "")
        chosen = _code(setting)
    return chosen if chosen in languages() else SOURCE


def choose(code: str) -> None:
    """Make `code` the language of this process and of every process it starts."""
    os.environ[ENV] = code


def speaking(code: str | None) -> AbstractContextManager:
    """Speak `code` for a while (None: as chosen already), then as before."""
    return environment.setting(ENV, code) if code else nullcontext()


def forget() -> None:
    """Read the catalogs again (after `nnkit build` wrote them)."""
    _available.cache_clear()
    translations.cache_clear()


@cache
def translations(localedir: Path, domain: str, code: str) -> gettext.NullTranslations:
    """The catalog of `domain` in `localedir` for one language (the English text without one)."""
    if code == SOURCE:
        return gettext.NullTranslations()
    return gettext.translation(domain, str(localedir), [code], fallback=True)


def _tool() -> gettext.NullTranslations:
    return translations(LOCALE_DIR, DOMAIN, language())


def prepare() -> None:
    """Read the chosen language's catalog now, so that the processes this one forks need not open it."""
    _tool()


def _(message: str) -> str:
    """The translation of `message` in the chosen language."""
    return _tool().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message that fits `count`, by the language's plural rule (Russian has three
    forms: 1 упражнение, 3 упражнения, 5 упражнений)."""
    return _tool().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark `message` for the catalog where it is defined; `_()` translates it where it is shown."""
    return message
