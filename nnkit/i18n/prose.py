"""A solution file's prose in paragraph units, and the file with its prose translated.

The prose of a solution file is its markdown cells and its docstrings. Each is split, as
sphinx-intl splits documentation, into paragraphs (blocks between blank lines; a fenced code
block stays whole; a doctest is code and is cut off the paragraph it ends, and only the comments
at the ends of its lines are read as prose), and each paragraph or comment is one catalog entry.
Translating a file replaces those units and nothing else, so its code, solution markers and line
structure outside the prose are kept.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

MARKDOWN = "# %% [markdown]"
CELL = "# %%"
DOCTEST = (">>>", "...")
DOCTEST_COMMENT = re.compile(r"^(\s*>>> .*?\s#\s+)(\S.*)$")  # a doctest line and its trailing comment
Translate = Callable[[str], str]


def _is_prose(block: str) -> bool:
    """A block with a word outside `code` spans (a title like "## `mse`" has none). A fenced
    block's fences are not code spans: its comments and labels are read, so it is translated."""
    unfenced = re.sub(r"^\s*```.*$", "", block, flags=re.MULTILINE)
    return re.search(r"[^\W\d_]{3,}", re.sub(r"`[^`]*`", "", unfenced)) is not None


def parts(text: str) -> list[tuple[bool, str]]:
    """(is prose, block) for each block of `text`, in order; joined by blank lines they are `text`."""
    blocks: list[list[str]] = [[]]
    fenced = False
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append(line)
    found: list[tuple[bool, str]] = []
    for lines in filter(None, blocks):
        code_from = next((i for i, line in enumerate(lines) if line.strip().startswith(DOCTEST[0])),
                         len(lines))
        prose, code = "\n".join(lines[:code_from]), "\n".join(lines[code_from:])
        if prose:
            found.append((_is_prose(prose), prose))
        if code:
            found.append((False, code))
    return found


def _comments(code: str) -> list[str]:
    """The trailing comments of a doctest's lines that are words (not a formula like `# 0.4*0.2`)."""
    found = (DOCTEST_COMMENT.match(line) for line in code.split("\n"))
    return [match.group(2) for match in found if match and _is_prose(match.group(2))]


def _translate_comments(code: str, translate: Translate) -> str:
    def line_of(line: str) -> str:
        match = DOCTEST_COMMENT.match(line)
        return match.group(1) + translate(match.group(2)) if match and _is_prose(match.group(2)) else line
    return "\n".join(line_of(line) for line in code.split("\n"))


def units(text: str) -> list[str]:
    """The paragraphs of `text`, and its doctests' comments, that a translator translates."""
    return [unit for is_prose, block in parts(text) for unit in ([block] if is_prose else _comments(block))]


def translate_text(text: str, translate: Translate) -> str:
    """`text` with every paragraph translated; the separator of a doctest is kept as one line break."""
    out: list[str] = []
    previous_prose = False
    for is_prose, block in parts(text):
        joined_doctest = not is_prose and block.lstrip().startswith(DOCTEST[0]) and previous_prose
        if out:
            out.append("\n" if joined_doctest else "\n\n")
        out.append(translate(block) if is_prose else _translate_comments(block, translate))
        previous_prose = is_prose
    return "".join(out)


def _markdown_cells(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(first, end) line indexes of each markdown cell's comment lines."""
    index = 0
    while index < len(lines):
        if lines[index].strip() == MARKDOWN:
            end = index + 1
            while end < len(lines) and lines[end].startswith("#") and not lines[end].startswith(CELL):
                end += 1
            yield index + 1, end
            index = end
        else:
            index += 1


def _uncomment(lines: list[str]) -> str:
    return "\n".join(line[2:] if line.startswith("# ") else line[1:] for line in lines)


def _docstrings(source: str) -> Iterator[tuple[int, int, str]]:
    """(first line index, end line index, cleaned text) of the module's, each class's and each
    function's docstring."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                yield first.lineno - 1, first.end_lineno, ast.get_docstring(node)


def file_units(source: str) -> list[tuple[int, str]]:
    """(line number, paragraph) of every prose paragraph of a solution file, in order."""
    lines = source.split("\n")
    found = [(first + 1, unit) for first, end in _markdown_cells(lines)
             for unit in units(_uncomment(lines[first:end]))]
    found += [(first + 1, unit) for first, _, text in _docstrings(source) for unit in units(text)]
    return sorted(found, key=lambda item: item[0])


def _docstring_lines(original: list[str], text: str) -> list[str]:
    first = original[0]
    indent = first[: len(first) - len(first.lstrip())]
    opening = re.match(r"\s*([rRuU]?)(\"\"\"|''')", first)
    prefix, quote = (opening.group(1), opening.group(2)) if opening else ("", '"""')
    if not prefix:
        text = text.replace("\\", "\\\\")
    body = text.split("\n")
    if len(original) == 1 and len(body) == 1:
        return [f"{indent}{prefix}{quote}{body[0]}{quote}"]
    return ([f"{indent}{prefix}{quote}{body[0]}"] + [f"{indent}{line}" if line else "" for line in body[1:]]
            + [f"{indent}{quote}"])


def translate_file(source: str, translate: Translate) -> str:
    """The solution file with its markdown cells and docstrings translated."""
    lines = source.split("\n")
    replacements = [(first, end, ["# " + line if line else "#" for line in
                                  translate_text(_uncomment(lines[first:end]), translate).split("\n")])
                    for first, end in _markdown_cells(lines)]
    replacements += [(first, end, _docstring_lines(lines[first:end], translate_text(text, translate)))
                     for first, end, text in _docstrings(source)]
    for first, end, new in sorted(replacements, reverse=True):
        lines[first:end] = new
    return "\n".join(lines)
