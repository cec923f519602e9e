"""A class built at test time whose answers are known, for the class and similarity reports.

Five students hand in the reference solutions, three the same submission with one catalogued
mistake (a mutant of tests/mutants.toml), two the stubs. Three more hand in the honest
alternatives of tests/submissions/ (written apart from the reference and from each other), so
that "no honest pair is flagged" means something. One hands in a single file of an honest
student with every local name renamed, and one hands in stubs but for a 05_losses.py that is the
reference with its comments removed.
"""

from __future__ import annotations

import ast
import io
import shutil
import tokenize
from pathlib import Path

from test_mutants import SUBMISSIONS, build_mutant, mutants

from nnkit.course import layout

ROOT = layout.course_root()
SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "exercises"
REFERENCES = 5
MISTAKE = ("03_activations.softmax", "dim0")  # (exercise id, catalogue name) planted three times
COPIED = ("alt_loops", "06_metrics.py")  # the renamed copy takes this file of this honest student
LEAKED = "05_losses.py"  # the leak's only worked file: the reference, comments removed
RENAMED = "renamed_copy"
LEAK = "leak"


def exercise_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9]*.py"))


def copy_files(source: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    for path in exercise_files(source):
        shutil.copyfile(path, dest / path.name)


class Renamer(ast.NodeTransformer):
    """Every parameter and local name of each function gets another name."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        names = [a.arg for a in node.args.args] + sorted(
            {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)})
        new = {name: f"thing_{i}" for i, name in enumerate(dict.fromkeys(names))}
        for item in ast.walk(node):
            if isinstance(item, ast.arg) and item.arg in new:
                item.arg = new[item.arg]
            elif isinstance(item, ast.Name) and item.id in new:
                item.id = new[item.id]
        return node


def renamed(source: str) -> str:
    """`source` with its functions' names for values renamed (and its layout and comments lost)."""
    return ast.unparse(Renamer().visit(ast.parse(source))) + "\n"


def without_comments(source: str) -> str:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT]
    return tokenize.untokenize(tokens)


def mistake_mutant() -> dict:
    exercise, name = MISTAKE
    return next(m for m in mutants() if m["id"] == exercise and m.get("mistake") == name)


def build(folder: Path) -> dict[str, str]:
    """Write the class into `folder`; {student id: role}. Roles: reference, honest, mistake, stub,
    renamed_copy, leak."""
    roles: dict[str, str] = {}
    for i in range(1, REFERENCES + 1):
        copy_files(SOLUTIONS, folder / f"reference_{i}")
        roles[f"reference_{i}"] = "reference"
    for submission in sorted(p for p in SUBMISSIONS.iterdir() if p.is_dir()):
        copy_files(submission, folder / submission.name)
        roles[submission.name] = "honest"
    build_mutant(mistake_mutant(), folder / "mistake_1")
    for i in (2, 3):
        shutil.copytree(folder / "mistake_1", folder / f"mistake_{i}")
    roles.update({f"mistake_{i}": "mistake" for i in (1, 2, 3)})
    for i in (1, 2):
        copy_files(STUBS, folder / f"stub_{i}")
        roles[f"stub_{i}"] = "stub"
    student, name = COPIED
    (folder / RENAMED).mkdir()
    (folder / RENAMED / name).write_text(renamed((SUBMISSIONS / student / name).read_text()))
    roles[RENAMED] = "renamed_copy"
    copy_files(STUBS, folder / LEAK)
    (folder / LEAK / LEAKED).write_text(without_comments((SOLUTIONS / LEAKED).read_text()))
    roles[LEAK] = "leak"
    return roles
