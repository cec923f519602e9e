"""The lines no student may ever see: distinctive lines of the solution regions and hidden tests.

Shared by the release test (nothing of them in the student bundle) and the hostile batch (nothing
of them in any feedback), so both search for the same secrets.
"""

from __future__ import annotations

from pathlib import Path

from nnkit.build.stubs import BEGIN, END

ROOT = Path(__file__).resolve().parents[1]
DISTINCTIVE = 25  # characters: shorter stripped lines (`return x`, `)`) say nothing


def solution_region_lines() -> dict[str, str]:
    lines: dict[str, str] = {}
    for path in sorted((ROOT / "solutions").glob("*.py")):
        inside = False
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
            elif inside:
                lines.setdefault(line.strip(), f"solutions/{path.name}:{number}")
    return lines


def hidden_test_lines() -> dict[str, str]:
    """Lines of the hidden tests and any data beside them (not the conftest, which wires the
    public plugin and necessarily shares its imports and fixture signatures)."""
    lines: dict[str, str] = {}
    for path in sorted((ROOT / "autograder").rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.name in ("conftest.py", "__init__.py"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            lines.setdefault(line.strip(), f"{path.relative_to(ROOT)}:{number}")
    return lines


def public_text() -> str:
    """The stubs and public checks: public by definition (the article's matrices, say)."""
    return "\n".join(path.read_text() for path in sorted((ROOT / "exercises").glob("*.py")))


def secret_lines() -> dict[str, str]:
    """Distinctive line → where it comes from (`solutions/05_losses.py:63`)."""
    found = {**solution_region_lines(), **hidden_test_lines()}
    public = public_text()
    return {line: where for line, where in found.items()
            if len(line) >= DISTINCTIVE and line not in public
            and not line.startswith(("import ", "from ", "#"))}


def leaks(texts: dict[str, str], own: str = "") -> list[str]:
    """Each secret line found in one of `texts` (name → text), as `where `line` in name`; a line
    that is also in `own` (what the reader handed in: their own code) is not a leak."""
    return [f"{where} `{line}` in {name}" for line, where in secret_lines().items() if line not in own
            for name, text in texts.items() if line in text]
