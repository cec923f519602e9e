"""Whether a student has started any exercise of a file, or it is still the kit's stub.

A GitHub Classroom repository holds each exercise twice, as `exercises/NN.py` and as
`notebooks/NN.ipynb`, and a student works in one of them. The one to grade is the one worked
on: a file is *not started* while every exercise in it still does nothing but the stub's
`raise NotImplementedError(...)`. Docstrings, comments, imports and helpers a student adds do
not count as starting; a file that does not parse counts as started (someone wrote in it).
"""

from __future__ import annotations

import ast

from nnkit.course import catalog


def _only_raises_not_implemented(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = function.body[1:] if ast.get_docstring(function) is not None else function.body
    if len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    raised = body[0].exc
    if isinstance(raised, ast.Call):
        raised = raised.func
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def _bound_names(node: ast.stmt) -> set[str]:
    """The names a top-level statement other than a def or class binds (`relu = torch.relu`,
    `from torch import relu`)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {name.id for target in targets if target is not None
            for name in ast.walk(target) if isinstance(name, ast.Name)}


def started(source: str, stem: str) -> bool:
    """True when some exercise of file `stem` in `source` does more than the stub does."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return True
    names = {exercise.name for exercise in catalog.exercises() if exercise.file == stem}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if _bound_names(node) & names:
                return True
            continue
        if node.name not in names:
            continue
        functions = [child for child in ast.walk(node)
                     if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)]
        if not functions or not all(_only_raises_not_implemented(f) for f in functions):
            return True
    return False


def notebook_stands_for_the_file(file_text: str | None, notebook_code: str, stem: str) -> bool:
    """Whether a notebook, not the exercise file beside it, holds the student's work on `stem`:
    the file is missing, or is still the stub while the notebook is not."""
    return file_text is None or (not started(file_text, stem) and started(notebook_code, stem))
