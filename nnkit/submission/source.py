"""Read a student's Python file as text, turning every way it can be unreadable into a message."""

from __future__ import annotations

import codecs
import tokenize
from pathlib import Path

from nnkit.i18n.lang import _

MAX_SOURCE_BYTES = 1024 * 1024


class SourceProblem(Exception):
    """A file that cannot be read as Python source; `kind` names the problem for reports."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def read_source(path: Path) -> str:
    """Return the file's text; a UTF-8 BOM or a PEP 263 coding line is honoured."""
    path = Path(path)
    if not path.is_file():
        raise SourceProblem("missing_file", _("{name} is missing from the submission: hand in the file with "
                                              "this exact name.").format(name=path.name))
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise SourceProblem("too_large", _("{name} is {size} KiB, over the limit of {limit} KiB for one "
                                           "exercise file.").format(name=path.name, size=size // 1024,
                                                                    limit=MAX_SOURCE_BYTES // 1024))
    raw = path.read_bytes()
    try:
        encoding, _lines = tokenize.detect_encoding(iter(raw.splitlines(keepends=True)).__next__)
        return raw.decode(encoding).removeprefix("\ufeff")
    except (SyntaxError, UnicodeDecodeError, LookupError):
        pass
    guess = _guess_encoding(raw)
    if guess:
        raise SourceProblem("encoding", _("{name} is not UTF-8 text (it looks like {guess}): save it as "
                                          "UTF-8 in your editor and hand it in again.").format(name=path.name,
                                                                                              guess=guess))
    raise SourceProblem("encoding", _("{name} is not UTF-8 text: save it as UTF-8 in your editor and hand it "
                                      "in again.").format(name=path.name))


def _guess_encoding(raw: bytes) -> str | None:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    for name in ("cp1251", "latin-1"):
        try:
            raw.decode(name)
            return name
        except UnicodeDecodeError:
            continue
    return None
