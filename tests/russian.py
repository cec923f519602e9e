"""What the tests of the Russian edition look for: Russian text, and no English sentence.

A line holds an English sentence when three or more English words follow one another once code,
ids, tensors and paths are taken out (they stay as they are in every language).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

RUSSIAN = {"LANG": "ru_RU.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "NNKIT_LANG": "",
           "NNKIT_CHECK_SERVER": "off"}
ENGLISH = {**RUSSIAN, "LANG": "C"}
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# Code, ids, tensors and paths are not sentences: they are taken out before looking for English.
NOT_PROSE = re.compile(r"``[^`]*``|`[^`]*`|tensor\([^)]*\)|\([^()]*\)|\S*[./_:=@\\]\S*|\[[^\]]*\]")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;]+[A-Za-z]{2,}){2,}\b")
WORD = re.compile(r"[^\W\d_]{3,}")
FENCE = "```"


def english_lines(text: str) -> list[str]:
    """Lines holding three or more English words in a row once code, ids and tensors are out."""
    return [line for line in text.splitlines() if ENGLISH_WORDS.search(NOT_PROSE.sub(" ", line))]


def readable(paragraph: str) -> str:
    """A paragraph of Markdown without its code and quotations: a fenced block keeps only its
    comments, a line indented by four spaces is code, and "straight quotes" hold a program's own
    message (torch's, the system's), which stays as it is; the paragraph's own quotes are «these»."""
    lines, fenced = [], False
    for line in re.sub(r'"[^"]*"', lambda quoted: "\n" * quoted.group(0).count("\n"), paragraph).split("\n"):
        if line.strip().startswith(FENCE):
            fenced = not fenced
        elif fenced and "#" in line:
            lines.append(line.partition("#")[2])
        elif not fenced and not line.startswith("    "):
            lines.append(line)
    return "\n".join(lines)


def english_paragraphs(paragraphs: list[str]) -> list[str]:
    """The paragraphs that are not Russian: an English sentence, or three words and no Cyrillic
    letter (a heading that is a name, like "Linux", is not a sentence)."""
    found = []
    for paragraph in paragraphs:
        text = readable(paragraph)
        words = WORD.findall(NOT_PROSE.sub(" ", text))
        if english_lines(text) or (len(words) >= 3 and not CYRILLIC.search(text)):
            found.append(paragraph)
    return found


class _Text(HTMLParser):
    """The text a reader sees on a page: no style sheet, script or inline picture, no `<code>`."""

    SKIPPED = frozenset({"style", "script", "svg", "code"})

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIPPED
        self.lines.append("\n")

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIPPED
        self.lines.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.lines.append(data)


def page_text(page: str) -> str:
    """The readable text of an HTML page, one block a line."""
    parser = _Text()
    parser.feed(page)
    return "".join(parser.lines)
