"""Stage submissions: copy only what may be graded, and say why everything else was left out.

A class folder holds one entry per student: a folder, or a `.zip` of one, named by the student
id. Only regular files with the eight exercise names are taken, from the entry itself or one
folder down (a zip of the whole `exercises/` folder works), under size caps. Symlinks, paths that
climb out (`../`, absolute names), and every other file (`conftest.py`, `sitecustomize.py`,
`*.pth`, `torch.py`, …) are left behind and reported. A notebook (`05_losses.ipynb`, or
nbgrader's `05_losses/<any>.ipynb`) stands for its exercise file when that file is not handed in.
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
from nnkit.submission.source import MAX_SOURCE_BYTES, SourceProblem, read_source

MAX_ZIP_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_LISTED = 20
MAX_DEPTH = 4
SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}
RISKY = {"conftest.py": "it could change how pytest runs the tests",
         "sitecustomize.py": "it could run code when Python starts",
         "usercustomize.py": "it could run code when Python starts",
         "pytest.ini": "it could change how pytest runs the tests",
         "setup.cfg": "it could change how pytest runs the tests",
         "pyproject.toml": "it could change how pytest runs the tests"}
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
            notes.append(Problem("symlink", f"{entry.name}: a symlink, ignored"))
        elif entry.is_dir():
            chosen[entry.name] = entry
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            student = entry.name[:-4]
            if student in chosen:
                notes.append(Problem("duplicate", f"{entry.name}: ignored, the folder {student}/ "
                                                  "was graded instead"))
            else:
                chosen[student] = entry
        else:
            notes.append(Problem("ignored_entry", f"{entry.name}: not a folder or a .zip, ignored"))
    return chosen, notes


def stage(student: str, entry: Path, dest: Path) -> Staged:
    """Take the exercise files of one entry into `dest`; never raises for anything in the entry."""
    staged = Staged(student, entry.name)
    try:
        members = zip_members(entry, staged) if entry.is_file() else folder_members(entry, staged)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        what = "as a zip file" if entry.is_file() else "as a folder"
        staged.problems.append(Problem("unreadable", f"{entry.name} cannot be read {what} "
                                       f"({error}); nothing was graded. Hand it in again."))
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
        staged.problems.append(Problem("empty", "No exercise files found: hand in the files named "
                                       f"{', '.join(sorted(expected))} (in a folder, or a zip of one)."
                                       + (f" Found some too deep to use: {', '.join(deeper[:3])}; put "
                                          "them at most one folder down." if deeper else "")))
        return
    home = max(sorted(counts), key=lambda folder: (counts[folder], -len(folder))) if counts else None
    if len(counts) > 1:
        others = [("/".join(f) or "(top)") for f in sorted(counts) if f != home]
        staged.problems.append(Problem("ambiguous", f"Exercise files in several folders; graded "
                                       f"{'/'.join(home) or 'the top folder'}, ignored "
                                       f"{', '.join(others)}."))
    ignored: list[str] = []
    refused: set[str] = set()  # handed in but left out, each with a problem of its own
    for member in members:
        name, folder = member.parts[-1], member.parts[:-1]
        if member in notebooks:
            continue
        if folder != home or name not in expected:
            note = _risk(name)
            if note:
                staged.problems.append(Problem("ignored_file", f"{member.path}: ignored, {note}."))
            elif folder not in counts or name not in expected:  # (the others: "ambiguous" above)
                ignored.append(member.path)
        else:
            data = _read(member, MAX_SOURCE_BYTES, staged) if _usable(member, MAX_SOURCE_BYTES, staged) else None
            if data is None:
                refused.add(name)
            else:
                staged.files[name] = data
    for notebook in notebooks:
        _take_notebook(notebook, staged)
    if ignored:
        more = f" and {len(ignored) - MAX_LISTED} more" if len(ignored) > MAX_LISTED else ""
        staged.problems.append(Problem("ignored_file", "Not graded (not exercise files): "
                                       + ", ".join(ignored[:MAX_LISTED]) + more + "."))
    missing = [name for name in expected_names() if name not in staged.files and name not in refused]
    if missing and staged.files:
        staged.problems.append(Problem("missing_file", f"Missing: {', '.join(missing)}; the "
                                       "exercises in them get no points."))


def _usable(member: Member, cap: int, staged: Staged) -> bool:
    """A regular file under the cap; otherwise a problem saying why it was left out."""
    if member.kind == "symlink":
        staged.problems.append(Problem("symlink", f"{member.path}: a symbolic link, ignored; "
                                       "hand in the file itself."))
    elif member.kind != "file":
        staged.problems.append(Problem("ignored_file", f"{member.path}: not a regular file, ignored."))
    elif member.size > cap:
        staged.problems.append(Problem("too_large", f"{member.path}: {member.size // 1024} KiB, over "
                                       f"the limit of {cap // 1024} KiB; ignored."))
    else:
        return True
    return False


def _read(member: Member, cap: int, staged: Staged) -> bytes | None:
    """At most `cap` bytes of a member, or None and a problem."""
    try:
        data = member.read(cap + 1)
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error,
            EOFError, ValueError) as error:
        staged.problems.append(Problem("unreadable", f"{member.path} cannot be read ({error}); ignored."))
        return None
    if len(data) > cap:
        staged.problems.append(Problem("too_large", f"{member.path}: over the limit of "
                                       f"{cap // 1024} KiB; ignored."))
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
        staged.problems.append(Problem("unreadable", f"{member.path}: notebooks need the kit's "
                                       f"`notebooks` extra on the grading machine ({error})."))
        return
    for name, text in files.items():
        if name in staged.files:
            staged.problems.append(Problem("ignored_file", f"{member.path}: {name} was handed in "
                                           f"too; graded {name}."))
        elif len(text.encode()) > MAX_SOURCE_BYTES:
            staged.problems.append(Problem("too_large", f"{member.path}: its code is over "
                                           f"{MAX_SOURCE_BYTES // 1024} KiB; ignored."))
        else:
            staged.files[name] = text.encode("utf-8")


def _risk(name: str) -> str:
    if name in RISKY:
        return RISKY[name]
    if name.endswith(".pth"):
        return "a .pth file could run code when Python starts"
    if name.endswith(".py") and name[:-3] in SHADOWING:
        return f"it would shadow the library `{name[:-3]}`"
    return ""


def check_sources(staged: Staged, folder: Path) -> None:
    """Report staged files that are not UTF-8 or do not parse (compiled to a tree, never run)."""
    for name in staged.files:
        try:
            compile(read_source(folder / name), name, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except SourceProblem as problem:
            staged.problems.append(Problem(problem.kind, str(problem)))
        except SyntaxError as error:
            staged.problems.append(Problem("syntax_error", f"{name} has a syntax error on line "
                                           f"{error.lineno}: {error.msg}; its exercises get no points."))
        except (ValueError, RecursionError, MemoryError) as error:
            staged.problems.append(Problem("syntax_error", f"{name} cannot be parsed ({type(error).__name__})."))


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
                staged.problems.append(Problem("too_many_files", f"More than {MAX_MEMBERS} files; "
                                               "only the first were looked at."))
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
        raise ValueError(f"the zip is over {MAX_ZIP_BYTES // (1024 * 1024)} MiB")
    archive = zipfile.ZipFile(path)
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        staged.problems.append(Problem("too_many_files", f"More than {MAX_MEMBERS} files in the zip; "
                                       "only the first were looked at."))
    members: list[Member] = []
    for info in infos[:MAX_MEMBERS]:
        name = info.filename
        parts = tuple(p for p in re.split(r"[/\\]", name) if p not in ("", "."))
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            staged.problems.append(Problem("unsafe_path", f"{name!r}: a path outside the submission, "
                                           "ignored."))
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
