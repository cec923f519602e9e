"""The tool knows how to run *a* course and names none: the course lives in its own folders.

No string in the tool package's code (docstrings and comments aside) names an exercise id or an
exercise file of the course, and the package holds no course data: its exercise table, known
mistakes, demo class and contract are the course's files.
"""

from __future__ import annotations

import ast
from pathlib import Path

from nnkit.course import catalog, layout

PACKAGE = layout.PACKAGE
ROOT = layout.course_root()
TOOL_DATA = {".py", ".po", ".pot", ".mo"}  # code, and the tool's own message catalogs


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (of a module, class or function)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def strings_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]


def test_no_string_in_the_tool_names_an_exercise_id_or_an_exercise_file():
    names = {e.id for e in catalog.exercises()} | set(catalog.files())
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}"
             for path in sorted(PACKAGE.rglob("*.py")) for line, text in strings_of(path)
             if any(name in text for name in names)]
    assert not found, "\n".join(found)


def test_the_tool_package_holds_no_course_data():
    data = [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in TOOL_DATA and "__pycache__" not in p.parts]
    assert not data, data


def test_the_course_files_are_where_the_tool_looks_for_them():
    for part in ("exercises/info.toml", "exercises/mistakes.py", "exercises/CURRICULUM.md",
                 "autograder/demo_class.toml"):
        assert (ROOT / part).is_file(), part
