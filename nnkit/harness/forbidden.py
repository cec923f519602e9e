"""Find the calls an exercise does not allow ("not allowed" in the curriculum) in a student's source.

`scan(source, "entry", forbidden)` reads the source text with `ast` (it never imports or runs it)
and returns every place where the function `entry`, or a function, class or module-level name of
the same file that it uses, refers to a forbidden name. For a class the rule is about what it
computes (the curriculum forbids nn.Linear in MyLinear's forward, not in how it initialises its
weights): its bases, its `forward` or `__call__`, the methods they reach through `self`, and the
calls that made the attributes they use (`self.inner = nn.Linear(...)`); a class with neither
method is read whole. Forbidden names are
the catalog's dotted names: "torch.matmul", "torch.nn.functional.linear", "torch.nn.Linear",
"Tensor.matmul" (a tensor method, written `x.matmul(...)`), "@" (the operator) or a module such
as "torch.optim" (everything in it). Names are resolved through the file's imports and simple
assignments (`import torch.nn.functional as F`, `from torch import matmul as mm`, `mm =
torch.mm`) and a few of torch's aliases (`torch.linalg.matmul`, `Tensor.__matmul__`).

This is a rule of the exercises, not a security measure: code that hides a call (`eval`,
building the name from strings) is not found. It only makes an honest mistake visible.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from nnkit.i18n.lang import _

MATMUL = "@"
# Other spellings of the same torch functions (after imports are resolved).
ALIASES = {
    "torch.linalg.matmul": "torch.matmul",
    "operator.matmul": MATMUL, "operator.imatmul": MATMUL, "operator.__matmul__": MATMUL,
    "Tensor.__matmul__": MATMUL, "Tensor.__rmatmul__": MATMUL, "Tensor.__imatmul__": MATMUL,
}
PREFIXES = {  # module paths that re-export torch's names
    "torch.Tensor.": "Tensor.", "torch.functional.": "torch.", "torch._C._VariableFunctions.": "torch.",
    "torch._C.TensorBase.": "Tensor.", "torch._C._nn.": "torch.nn.functional.",
}
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Finding:
    """One use of a forbidden name: which rule, as written, where, and in which helper."""

    name: str         # the forbidden name it matches, e.g. "torch.matmul" or "torch.optim"
    written: str      # how the source spells it, e.g. "mm" or "A.matmul"
    resolved: str     # what that spelling is, e.g. "torch.matmul" or "torch.optim.SGD"
    line: int
    code: str         # the source line, stripped
    helper: str = ""  # the same-file function or name it is in, when not the exercise itself


def canonical(dotted: str) -> str:
    """The name torch documents for `dotted` (e.g. "torch.nn.modules.linear.Linear" → "torch.nn.Linear")."""
    for prefix, replacement in PREFIXES.items():
        if dotted.startswith(prefix):
            dotted = replacement + dotted[len(prefix):]
    parts = dotted.split(".")
    if parts[:3] == ["torch", "nn", "modules"] and len(parts) > 4:
        dotted = "torch.nn." + ".".join(parts[4:])
    return ALIASES.get(dotted, dotted)


def matches(name: str, forbidden: Iterable[str]) -> str | None:
    """The forbidden entry `name` falls under: equal to it, or inside it (a module)."""
    for entry in forbidden:
        if name == entry or name.startswith(entry + "."):
            return entry
    return None


class _Module:
    """What the whole file tells about names: imports, module-level definitions and assignments."""

    def __init__(self, tree: ast.Module):
        self.aliases: dict[str, str] = {}
        self.star: list[str] = []
        self.definitions: dict[str, ast.AST] = {}
        for node in tree.body:  # the last definition of a name is the one that counts
            if isinstance(node, DEFINITIONS):
                self.definitions[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    for name in _bound_names(target):
                        self.definitions[name] = node.value
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name == "*":
                        self.star.append(node.module)
                    else:
                        self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for name, node in self.definitions.items():  # a def of the file's own wins over an import
            if isinstance(node, DEFINITIONS):
                self.aliases.pop(name, None)
        for _round in range(4):  # `mm = torch.mm`, `F = torch.nn.functional`, chained a few times
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                        and isinstance(node.targets[0], ast.Name):
                    dotted = self.resolve(node.value)
                    if dotted:
                        self.aliases.setdefault(node.targets[0].id, dotted)

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for (`F.linear` → "torch.nn.functional.linear")."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if _is_getattr(node):
            base = self.resolve(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None


def _bound_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for item in target.elts:
            yield from _bound_names(item)


def _is_getattr(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str))


def _children(node: ast.AST) -> Iterator[ast.AST]:
    """The child nodes that run: type annotations are left out (they call nothing)."""
    for field, value in ast.iter_fields(node):
        if field in ("returns", "annotation", "type_comment"):
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield child


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(_children(node))))


def _uses(node: ast.AST, module: _Module) -> Iterator[tuple[str, str, ast.AST]]:
    """(name as torch knows it, as written, node) for every name and operator `node` uses."""
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)) or \
            (isinstance(node, ast.AugAssign) and isinstance(node.op, ast.MatMult)):
        yield MATMUL, MATMUL, node
    elif ((isinstance(node, (ast.Attribute, ast.Name)) and isinstance(node.ctx, ast.Load))
          or _is_getattr(node)):
        dotted = module.resolve(node)
        written = ast.unparse(node)
        if dotted:
            yield canonical(dotted), written, node
        elif isinstance(node, ast.Attribute):  # a method of something that is not a module
            yield canonical(f"Tensor.{node.attr}"), written, node
        elif _is_getattr(node):
            yield canonical(f"Tensor.{node.args[1].value}"), written, node
        elif isinstance(node, ast.Name) and node.id not in module.definitions:
            for source in module.star:  # `from torch import *`
                yield canonical(f"{source}.{node.id}"), written, node


def _find_definition(tree: ast.Module, module: _Module, name: str) -> ast.AST | None:
    if name in module.definitions:
        return module.definitions[name]
    return next((node for node in ast.walk(tree) if isinstance(node, DEFINITIONS) and node.name == name),
                None)


def _roots(start: ast.AST) -> list[ast.AST]:
    """The parts of a definition that run when the exercise is used (see the module docstring)."""
    if not isinstance(start, ast.ClassDef):
        return [start]
    methods = {node.name: node for node in start.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    queue = [methods[name] for name in ("forward", "__call__") if name in methods]
    if not queue:
        return [start]
    makers: dict[str, list[ast.AST]] = {}  # self.attr = a call: the function that was called
    for node in ast.walk(start):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if _on_self(target):
                    makers.setdefault(target.attr, []).append(node.value.func)
    roots: list[ast.AST] = [*start.bases, *(k.value for k in start.keywords), *start.decorator_list]
    seen = {method.name for method in queue}
    while queue:
        method = queue.pop(0)
        roots.append(method)
        for node in ast.walk(method):
            if _on_self(node):
                roots.extend(maker for maker in makers.pop(node.attr, []))
                if node.attr in methods and node.attr not in seen:
                    seen.add(node.attr)
                    queue.append(methods[node.attr])
    return roots


def _on_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def scan(source: str, name: str, forbidden: Iterable[str]) -> list[Finding]:
    """Every use of a forbidden name by `name` (a function or class of `source`) or its helpers.

    Raises SyntaxError when the source does not parse; returns [] when `name` is not defined.
    """
    forbidden = tuple(forbidden)
    if not forbidden:
        return []
    tree = ast.parse(source)
    lines = source.splitlines()
    module = _Module(tree)
    start = _find_definition(tree, module, name)
    if start is None:
        return []
    found: dict[tuple[str, int], Finding] = {}
    queue, seen = [(name, root) for root in _roots(start)], {name}
    while queue:
        where, root = queue.pop(0)
        for node in _walk(root):
            for dotted, written, at in _uses(node, module):
                entry = matches(dotted, forbidden)
                line = getattr(at, "lineno", 0)
                if entry and (entry, line) not in found:
                    code = lines[line - 1].strip() if 0 < line <= len(lines) else written
                    found[(entry, line)] = Finding(entry, written, dotted, line, code,
                                                   "" if where == name else where)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
                    and node.id in module.definitions and node.id not in seen:
                seen.add(node.id)
                queue.append((node.id, module.definitions[node.id]))
    return sorted(found.values(), key=lambda f: (f.line, f.name))


def describe(exercise_id: str, findings: list[Finding]) -> str:
    """A message for the student: each call found (line, code, helper) and why it costs the points."""
    name = exercise_id.split(".", 1)[1]
    shown = []
    for finding in findings[:5]:
        what = _("the @ operator, the matrix product itself") if finding.resolved == MATMUL \
            else finding.resolved
        if finding.written != finding.resolved:
            what = _("{call} (written `{written}`)").format(call=what, written=finding.written)
        if finding.resolved not in (finding.name, MATMUL):
            what = _("{call}: nothing from {module} is allowed here").format(call=what, module=finding.name)
        line = _("  line {line}: {code}").format(line=finding.line, code=finding.code)
        uses = (_("    uses {call}, in `{helper}`, which `{name}` uses").format(
                    call=what, helper=finding.helper, name=name)
                if finding.helper else _("    uses {call}").format(call=what))
        shown.append(f"{line}\n{uses}")
    more = "\n" + _("  … and {count} more").format(count=len(findings) - 5) if len(findings) > 5 else ""
    why = _("  `{name}` is to be written by hand: the library's own version of the concept (and its other "
            "spellings) would do the exercise for you. Rewrite it with other torch operations; until then "
            "{id} earns no points, even with the right values.").format(name=name, id=exercise_id)
    return (_("{id} uses a call this exercise does not allow:").format(id=exercise_id) + "\n"
            + "\n".join(shown) + more + "\n" + why)
