"""argparse's own texts (usage, option groups, errors) in the chosen language.

argparse looks its texts up through its module's `_` and `ngettext`; pointing them at the kit's
catalog makes `nnkit --help` and its errors speak the language of the rest. The texts a user of
the kit can meet are listed here so that the catalog carries them.
"""

from __future__ import annotations

import argparse

from nnkit.i18n import lang
from nnkit.i18n.lang import N_

TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("%(prog)s: error: %(message)s\n"),
)


def install() -> None:
    """Make argparse ask the kit's catalog (English stays argparse's own text)."""
    argparse._ = lang._
    argparse.ngettext = lang.ngettext
