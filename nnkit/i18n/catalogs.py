"""The translation catalogs: extracted from the English sources, kept up to date, compiled, checked.

Three catalogs, each a folder `<lang>/LC_MESSAGES/<domain>.po` per language:
- the tool's messages (`nnkit/locale`, domain "nnkit"): every `_()`, `N_()` and `ngettext()` in nnkit/;
- the course's public texts (`exercises/locale`, "course"): the solutions' prose in paragraphs
  (markdown cells and docstrings, which become the stubs and notebooks), the hints of the exercise
  table, the known mistakes' messages, the `_()` texts of the public checks, of the schema
  pictures' labels, and the student README's paragraphs;
- the hidden tests' texts (`autograder/locale`, "autograder"), which never reach students.
Babel extracts and merges them (an edited English text makes its entry new or fuzzy, as gettext
does) and compiles the `.mo` files the runtime reads. A language is a folder of catalogs; an empty
`.po` in a new folder is filled with every entry by the next `nnkit build`.
Needs Babel (the `notebooks` extra): only course authors build.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from nnkit.course import layout
from nnkit.course.tomlcompat import tomllib
from nnkit.i18n import course, lang, prose

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
STUDENT_README = Path("docs") / "student-README.md"
SCHEMAS = Path("data") / "schemas"
DEMO_CLASS = Path("autograder") / "demo_class.toml"
PROJECT = "nnkit"
VERSION = "1"
HEADER = "# The {language} catalog of nnkit. `nnkit build` adds and updates the entries; translate them here."
WIDTH = 100
# A paragraph of prose is never formatted: its "%" and "{" are text. Babel guesses "python-format"
# from a "%" anyway (and msgfmt -c, Poedit and Weblate then reject a translation without it).
PROSE_FLAGS = {"no-python-format": "python-format", "no-python-brace-format": "python-brace-format"}


@dataclass(frozen=True)
class Kind:
    """One catalog: where its languages live, its domain, and how its template is extracted."""

    localedir: Path
    domain: str

    def po(self, root: Path, code: str) -> Path:
        return root / self.localedir / code / "LC_MESSAGES" / f"{self.domain}.po"

    def languages(self, root: Path) -> list[str]:
        folder = root / self.localedir
        if not folder.is_dir():
            return []
        return sorted(d.name for d in folder.iterdir()
                      if (d / "LC_MESSAGES" / f"{self.domain}.po").is_file())


TOOL = Kind(Path("nnkit") / "locale", lang.DOMAIN)
PUBLIC = Kind(*course.PUBLIC)
HIDDEN = Kind(*course.HIDDEN)


class _Catalog(Catalog):
    """A catalog whose header names no Babel version, so two machines write the same files."""

    mime_headers = property(
        lambda self: [h for h in Catalog._get_mime_headers(self) if h[0] != "Generated-By"],
        Catalog._set_mime_headers)


def _add(template: Catalog, message: str | tuple[str, str], where: Path, root: Path,
         prose: bool = False) -> None:
    location = (where.relative_to(root).as_posix(), None)
    if message in template:
        template[message].locations.append(location)
    else:
        flags = tuple(PROSE_FLAGS) if prose else ("python-brace-format",) if "{" in str(message) else ()
        template.add(message, locations=[location], flags=flags)


def extract_ast(fileobj, keywords, comment_tags, options):
    """A Babel extraction method that reads Python's syntax tree, so that texts marked inside
    f-strings (`f"[red]{_('...')}[/]"`) are found too; yields what Babel's methods yield."""
    tree = ast.parse(fileobj.read().decode("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in keywords:
            texts = [a.value for a in node.args[:2]
                     if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            wanted = 2 if KEYWORDS[node.func.id] else 1
            if len(texts) >= wanted:
                yield node.lineno, node.func.id, texts[0] if wanted == 1 else tuple(texts[:2]), []


def _extract_python(template: Catalog, paths: list[Path], root: Path) -> None:
    for path in paths:
        found = sorted(extract_from_file(extract_ast, str(path), KEYWORDS), key=lambda item: item[0])
        for _line, message, _comments, _context in found:
            _add(template, message, path, root)


def _tool_template(root: Path) -> Catalog:
    template = _Catalog(project=PROJECT)
    _extract_python(template, sorted((root / "nnkit").rglob("*.py")), root)
    return template


def _mistake_messages(path: Path) -> list[str]:
    """The messages of every `@mistake(exercise_id, name="message", ...)` in the course's module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "mistake":
            found += [k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)]
    return found


def _public_template(root: Path) -> Catalog:
    template = _Catalog(project=PROJECT)
    for path in sorted((root / "solutions").glob("*.py")):
        for _line, unit in prose.file_units(path.read_text(encoding="utf-8")):
            _add(template, unit, path, root, prose=True)
    table = root / layout.TABLE
    with table.open("rb") as handle:
        for exercise in tomllib.load(handle)["exercise"]:
            for hint in exercise.get("hints", ()):
                _add(template, hint, table, root)
    if (root / layout.MISTAKES).is_file():
        for message in _mistake_messages(root / layout.MISTAKES):
            _add(template, message, root / layout.MISTAKES, root)
    sources = sorted((root / "exercises").glob("*.py")) + sorted((root / SCHEMAS).glob("*.py"))
    _extract_python(template, sources, root)
    if (root / STUDENT_README).is_file():
        for unit in prose.units((root / STUDENT_README).read_text(encoding="utf-8")):
            _add(template, unit, root / STUDENT_README, root, prose=True)
    return template


def _hidden_template(root: Path) -> Catalog:
    template = _Catalog(project=PROJECT)
    _extract_python(template, sorted((root / "autograder").glob("*.py")), root)
    if (root / DEMO_CLASS).is_file():
        with (root / DEMO_CLASS).open("rb") as handle:
            for student in tomllib.load(handle).get("student", []):
                _add(template, student["story"], root / DEMO_CLASS, root)
    return template


TEMPLATES = ((TOOL, _tool_template), (PUBLIC, _public_template), (HIDDEN, _hidden_template))


def _po_text(catalog: Catalog) -> str:
    for message in catalog:
        message.flags -= {PROSE_FLAGS[flag] for flag in PROSE_FLAGS if flag in message.flags}
    out = io.BytesIO()
    # No "#| msgid" lines: Babel writes them but reads them back as a translator's comment, so every
    # build would change the file again. A changed entry is marked fuzzy and keeps its old translation.
    write_po(out, catalog, width=WIDTH, include_lineno=False, include_previous=False, ignore_obsolete=True)
    return out.getvalue().decode("utf-8")


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _updated(path: Path, template: Catalog, code: str) -> Catalog:
    """The language's catalog merged with the current template (new entries empty, changed ones fuzzy)."""
    text = path.read_bytes() if path.is_file() else b""
    catalog = (read_po(io.BytesIO(text), locale=code) if text.strip()
               else _Catalog(locale=code, project=PROJECT))
    catalog.__class__ = _Catalog
    catalog.update(template, update_creation_date=False)
    catalog.project, catalog.version, catalog.fuzzy = PROJECT, VERSION, False
    if not text.strip():
        catalog.header_comment = HEADER.format(language=code)
        catalog.last_translator = catalog.language_team = "nnkit"
    return catalog


@dataclass
class Report:
    stale: list[Path]         # files whose text differs from what the build makes
    untranslated: list[str]   # "file: msgid" of entries with no translation, or a fuzzy one


def _short(message: object) -> str:
    text = message[0] if isinstance(message, tuple) else str(message)
    first = text.split("\n")[0]
    return first if len(first) <= 70 and "\n" not in text else first[:70] + "…"


def build(root: Path | None = None, write: bool = True) -> Report:
    """Update every language's `.po` and `.mo` from the sources (or, with write=False, only say
    what would change) and list the entries still to translate."""
    root = root or layout.course_root()
    report = Report([], [])
    for kind, make in TEMPLATES:
        codes = kind.languages(root)
        if not codes:
            continue
        template = make(root)
        for code in codes:
            po = kind.po(root, code)
            catalog = _updated(po, template, code)
            made = {po: _po_text(catalog).encode("utf-8"), po.with_suffix(".mo"): _mo_bytes(catalog)}
            for path, content in made.items():
                if not path.is_file() or path.read_bytes() != content:
                    report.stale.append(path.relative_to(root))
                    if write:
                        path.write_bytes(content)
            report.untranslated += [f"{po.relative_to(root)}: {_short(m.id)}" for m in catalog
                                    if m.id and (m.fuzzy or not _translated(m.string))]
    return report


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)
