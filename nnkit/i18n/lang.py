"""The one door every text a person reads goes through: `_("...")` and `ngettext(...)`.

Sentences are whole templates (`_("Score: {total} / {max}").format(total=..., max=...)`),
never glued from fragments, so a translator sees each one entire and can reorder its words.
The gettext catalogs of the Russian edition plug in here; until they do, the English text is
returned unchanged.
"""

from __future__ import annotations


def _(message: str) -> str:
    """The translation of `message` in the chosen language."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message that fits `count` (Russian has three, English two)."""
    return singular if count == 1 else plural
