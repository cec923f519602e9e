"""A terminal that never fails to print: ✓ ✗ · → where the console can show them, ASCII elsewhere.

A Windows console in cp1252 or cp866 (or any stream Python opened in a legacy code page) cannot
encode ✓ or ✗, and cp1252 cannot encode Cyrillic either. The kit's symbols are chosen by what the
stream's encoding can hold, and anything else a message holds (a student's path, their name) is
replaced rather than raising UnicodeEncodeError.
"""

from __future__ import annotations

import codecs
import sys
from typing import TextIO

from rich.console import Console

FANCY = {"done": "✓", "failed": "✗", "not_started": "·", "arrow": "→", "timeout": "⏱", "ellipsis": "…"}
PLAIN = {"done": "+", "failed": "x", "not_started": ".", "arrow": "->", "timeout": "T", "ellipsis": "..."}


def can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        codecs.lookup(encoding)
        text.encode(encoding)
        return True
    except (LookupError, UnicodeEncodeError):
        return False


def symbols(stream: TextIO | None = None) -> dict[str, str]:
    """The kit's symbols as this stream can print them."""
    stream = stream or sys.stdout
    return FANCY if can_encode(stream, "".join(FANCY.values())) else PLAIN


def forgiving(stream: TextIO) -> TextIO:
    """The stream, set to replace what its encoding cannot hold instead of raising."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):  # a stream that is detached or closed: leave it
            pass
    return stream


def console(stream: TextIO | None = None, **options) -> Console:
    """A rich Console on stdout (or `stream`) that prints whatever its encoding allows."""
    return Console(file=forgiving(stream or sys.stdout), highlight=False, **options)
