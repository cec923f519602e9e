"""Stage submissions: copy only what may be graded, and say why everything else was left out.

A class folder holds one entry per student: a folder, or a `.zip` of one, named by the student
id. Only regular files with the eight exercise names are taken, from the entry itself or one
folder down (a zip of the whole `exercises/` folder works), under size caps. Symlinks, paths that
climb out (`../`, absolute names), and every other file (`conftest.py`, `sitecustomize.py`,
`*.pth`, `torch.py`, …) are left behind and reported. A notebook (`05_losses.ipynb`, or
nbgrader's `05_losses/<any>.ipynb`) stands for its exercise file when that file is not handed in,
or is still the stub while the notebook is worked on (`nnkit.submission.started`).
Zips are read member by member with `zipfile`, never extracted. Nothing here runs student code.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nnkit.course import catalog
from nnkit.i18n.lang import N_, _
from nnkit.submission.source import MAX_SOURCE_BYTES, SourceProblem, read_source
from nnkit.submission.started import notebook_stands_for_the_file, started

MAX_ZIP_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_LISTED = 20
MAX_DEPTH = 4
SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}
RISKY = {"conftest.py": N_("it could change how pytest runs the tests"),
         "sitecustomize.py": N_("it could run code when Python starts"),
         "usercustomize.py": N_("it could run code when Python starts"),
         "pytest.ini": N_("it could change how pytest runs the tests"),
         "setup.cfg": N_("it could change how pytest runs the tests"),
         "pyproject.toml": N_("it could change how pytest runs the tests")}
SHADOWING = {"torch", "pytest", "nnkit", "numpy", "random", "math", "typing", "os", "sys"}


@dataclass(frozen=True)
class Problem:
    """A submission-level problem: `kind` for tools, `message` for the student."""

    kind: str
    message: str


@dataclass
class Staged:
    """One student's staged submission: the exercise files taken, and what went wrong."""

    student: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Member:
    """A file-like entry of a submission, from a folder walk or a zip listing."""

    parts: tuple[str, ...]
    kind: str  # "file", "symlink", "other"
    size: int
    read: Callable[[int], bytes]  # at most that many bytes

    @property
    def path(self) -> str:
        return "/".join(self.parts)


def expected_names() -> list[str]:
    return [f"{stem}.py" for stem in catalog.files()]


def find_entries(class_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Student id → its entry (folder preferred over a zip of the same name); class-level notes.

    Entries go in name order, so a folder `jo` always comes before `jo.zip`."""
    chosen: dict[str, Path] = {}
    notes: list[Problem] = []
    for entry in sorted(Path(class_dir).iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            notes.append(Problem("symlink", _("{name}: a symlink, ignored").format(name=entry.name)))
        elif entry.is_dir():
            chosen[entry.name] = entry
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            student = entry.name[:-4]
            if student in chosen:
                notes.append(Problem("duplicate", _("{name}: ignored, the folder {student}/ was graded "
                                                    "instead").format(name=entry.name, student=student)))
            else:
                chosen[student] = entry
        else:
            notes.append(Problem("ignored_entry", _("{name}: not a folder or a .zip, ignored").format(
                name=entry.name)))
    return chosen, notes


def stage(student: str, entry: Path, dest: Path) -> Staged:
    """Take the exercise files of one entry into `dest`; never raises for anything in the entry."""
    staged = Staged(student, entry.name)
    try:
        members = zip_members(entry, staged) if entry.is_file() else folder_members(entry, staged)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        message = (_("{name} cannot be read as a zip file ({error}); nothing was graded. Hand it in again.")
                   if entry.is_file() else
                   _("{name} cannot be read as a folder ({error}); nothing was graded. Hand it in again."))
        staged.problems.append(Problem("unreadable", message.format(name=entry.name, error=error)))
        return staged
    select(members, staged)
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in staged.files.items():
        (dest / name).write_bytes(data)
    check_sources(staged, dest)
    return staged


def select(members: list[Member], staged: Staged) -> None:
    """Choose the folder holding the exercise files and take them, then notebooks standing for
    files still missing; report the rest."""
    expected = set(expected_names())
    counts: dict[tuple[str, ...], int] = {}
    for member in members:
        if member.parts[-1] in expected and len(member.parts) <= 2:
            counts[member.parts[:-1]] = counts.get(member.parts[:-1], 0) + 1
    notebooks = [m for m in members if m.parts[-1].endswith(".ipynb") and len(m.parts) <= 2]
    if not counts and not notebooks:
        deeper = sorted({m.path for m in members if m.parts[-1] in expected})
        names = ", ".join(sorted(expected))
        told = _("No exercise files found: hand in the files named {names} (in a folder, or a zip of one). "
                 "Found some too deep to use: {deeper}; put them at most one folder down.").format(
                     names=names, deeper=", ".join(deeper[:3])) if deeper else \
            _("No exercise files found: hand in the files named {names} (in a folder, or a zip of "
              "one).").format(names=names)
        staged.problems.append(Problem("empty", told))
        return
    home = max(sorted(counts), key=lambda folder: (counts[folder], -len(folder))) if counts else None
    if len(counts) > 1:
        others = [("/".join(f) or _("the top folder")) for f in sorted(counts) if f != home]
        staged.problems.append(Problem("ambiguous", _("Exercise files in several folders; graded {graded}, "
                                                      "ignored {ignored}.").format(
                                                          graded="/".join(home) or _("the top folder"),
                                                          ignored=", ".join(others))))
    ignored: list[str] = []
    refused: set[str] = set()  # handed in but left out, each with a problem of its own
    for member in members:
        name, folder = member.parts[-1], member.parts[:-1]
        if member in notebooks:
            continue
        if folder != home or name not in expected:
            note = _risk(name)
            if note:
                staged.problems.append(Problem("ignored_file", _("{path}: ignored, {reason}.").format(
                    path=member.path, reason=note)))
            elif folder not in counts or name not in expected:  # (the others: "ambiguous" above)
                ignored.append(member.path)
        else:
            usable = _usable(member, MAX_SOURCE_BYTES, staged)
            data = _read(member, MAX_SOURCE_BYTES, staged) if usable else None
            if data is None:
                refused.add(name)
            else:
                staged.files[name] = data
    for notebook in notebooks:
        _take_notebook(notebook, staged)
    if ignored:
        listed = ", ".join(ignored[:MAX_LISTED])
        staged.problems.append(Problem("ignored_file", _(
            "Not graded (not exercise files): {files} and {count} more.").format(
                files=listed, count=len(ignored) - MAX_LISTED) if len(ignored) > MAX_LISTED else _(
            "Not graded (not exercise files): {files}.").format(files=listed)))
    missing = [name for name in expected_names() if name not in staged.files and name not in refused]
    if missing and staged.files:
        staged.problems.append(Problem("missing_file", _("Missing: {files}; the exercises in them get no "
                                                         "points.").format(files=", ".join(missing))))


def _usable(member: Member, cap: int, staged: Staged) -> bool:
    """A regular file under the cap; otherwise a problem saying why it was left out."""
    if member.kind == "symlink":
        staged.problems.append(Problem("symlink", _("{path}: a symbolic link, ignored; hand in the file "
                                                    "itself.").format(path=member.path)))
    elif member.kind != "file":
        staged.problems.append(Problem("ignored_file", _("{path}: not a regular file, ignored.").format(
            path=member.path)))
    elif member.size > cap:
        staged.problems.append(Problem("too_large", _("{path}: {size} KiB, over the limit of {limit} KiB; "
                                                      "ignored.").format(path=member.path,
                                                                         size=member.size // 1024,
                                                                         limit=cap // 1024)))
    else:
        return True
    return False


def _read(member: Member, cap: int, staged: Staged) -> bytes | None:
    """At most `cap` bytes of a member, or None and a problem."""
    try:
        data = member.read(cap + 1)
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error,
            EOFError, ValueError) as error:
        staged.problems.append(Problem("unreadable", _("{path} cannot be read ({error}); ignored.").format(
            path=member.path, error=error)))
        return None
    if len(data) > cap:
        told = _("{path}: over the limit of {limit} KiB; ignored.").format(path=member.path,
                                                                          limit=cap // 1024)
        staged.problems.append(Problem("too_large", told))
        return None
    return data


def _take_notebook(member: Member, staged: Staged) -> None:
    """Grade a notebook as the exercise file it stands for, unless that file was handed in."""
    from nnkit.notebooks.to_python import MAX_NOTEBOOK_BYTES, python_files_from_bytes

    if not _usable(member, MAX_NOTEBOOK_BYTES, staged):
        return
    data = _read(member, MAX_NOTEBOOK_BYTES, staged)
    if data is None:
        return
    folder = member.parts[-2] if len(member.parts) > 1 else ""
    try:
        files = python_files_from_bytes(data, member.parts[-1], folder)
    except SourceProblem as problem:  # NotebookProblem is one
        staged.problems.append(Problem(problem.kind, str(problem)))
        return
    except ImportError as error:
        told = _("{path}: notebooks need the kit's `notebooks` extra on the grading machine "
                 "({error}).").format(path=member.path, error=error)
        staged.problems.append(Problem("unreadable", told))
        return
    for name, text in files.items():
        stem = name.removesuffix(".py")
        handed_in = staged.files.get(name)
        file_text = handed_in.decode("utf-8", "replace") if handed_in is not None else None
        if not notebook_stands_for_the_file(file_text, text, stem):
            if started(text, stem):  # both worked on (an untouched notebook beside a file is no news)
                staged.problems.append(Problem("ignored_file", _(
                    "{path}: {name} was handed in too; graded {name}.").format(path=member.path, name=name)))
        elif len(text.encode()) > MAX_SOURCE_BYTES:
            staged.problems.append(Problem("too_large", _("{path}: its code is over {limit} KiB; "
                                                          "ignored.").format(path=member.path,
                                                                             limit=MAX_SOURCE_BYTES // 1024)))
        else:
            staged.files[name] = text.encode("utf-8")


def _risk(name: str) -> str:
    if name in RISKY:
        return _(RISKY[name])
    if name.endswith(".pth"):
        return _("a .pth file could run code when Python starts")
    if name.endswith(".py") and name[:-3] in SHADOWING:
        return _("it would shadow the library `{library}`").format(library=name[:-3])
    return ""


def check_sources(staged: Staged, folder: Path) -> None:
    """Report staged files that are not UTF-8 or do not parse (compiled to a tree, never run)."""
    for name in staged.files:
        try:
            compile(read_source(folder / name), name, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except SourceProblem as problem:
            staged.problems.append(Problem(problem.kind, str(problem)))
        except SyntaxError as error:
            told = _("{name} has a syntax error on line {line}: {error}; its exercises get no "
                     "points.").format(name=name, line=error.lineno, error=error.msg)
            staged.problems.append(Problem("syntax_error", told))
        except (ValueError, RecursionError, MemoryError) as error:
            staged.problems.append(Problem("syntax_error", _("{name} cannot be parsed ({kind}).").format(
                name=name, kind=type(error).__name__)))


def folder_members(root: Path, staged: Staged) -> list[Member]:
    """Walk a folder without following symlinks, a few levels deep, up to MAX_MEMBERS entries."""
    members: list[Member] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        depth = len(Path(folder).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS and not d.startswith(".")
                         and depth < MAX_DEPTH)
        for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder) / name
            info = path.lstat()
            kind = ("symlink" if stat.S_ISLNK(info.st_mode) else
                    "file" if stat.S_ISREG(info.st_mode) else "other")
            members.append(Member(path.relative_to(root).parts, kind, info.st_size,
                                  lambda limit, path=path: _read_regular(path, limit)))
            if len(members) >= MAX_MEMBERS:
                told = _("More than {count} files; only the first were looked at.").format(count=MAX_MEMBERS)
                staged.problems.append(Problem("too_many_files", told))
                return members
    return members


def _read_regular(path: Path, limit: int) -> bytes:
    """Read a regular file without following a symlink swapped in since the walk."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit)
    finally:
        os.close(fd)


def zip_members(path: Path, staged: Staged) -> list[Member]:
    """List a zip's members, refusing unsafe names and symlink entries; read only on demand."""
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise ValueError(_("the zip is over {size} MiB").format(size=MAX_ZIP_BYTES // (1024 * 1024)))
    archive = zipfile.ZipFile(path)
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        told = _("More than {count} files in the zip; only the first were looked at.").format(
            count=MAX_MEMBERS)
        staged.problems.append(Problem("too_many_files", told))
    members: list[Member] = []
    for info in infos[:MAX_MEMBERS]:
        name = info.filename
        parts = tuple(p for p in re.split(r"[/\\]", name) if p not in ("", "."))
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            staged.problems.append(Problem("unsafe_path", _("{name!r}: a path outside the submission, "
                                                            "ignored.").format(name=name)))
            continue
        if info.is_dir() or not parts or parts[0] in SKIPPED_FOLDERS or \
                any(p.startswith(".") for p in parts[:-1]):
            continue
        mode = info.external_attr >> 16
        kind = "symlink" if stat.S_ISLNK(mode) else "file"
        members.append(Member(parts, kind, info.file_size,
                              lambda limit, info=info: _read_member(archive, info, limit)))
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most `limit` bytes, whatever the member's header claims."""
    with archive.open(info) as handle:
        return handle.read(limit)
