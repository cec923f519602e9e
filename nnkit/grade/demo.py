"""`nnkit demo [--out DIR]`: build the course's demo class from its files, grade it, show the result.

The course describes its demo students in `autograder/demo_class.toml`: each starts from the
solutions or the stubs and appends snippets to some files (see that file).
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from nnkit.build import editions
from nnkit.course import catalog, layout
from nnkit.course.tomlcompat import tomllib
from nnkit.grade import command as grade
from nnkit.grade.output.reports import safe_name
from nnkit.i18n import lang
from nnkit.i18n.course import _ as course_text
from nnkit.i18n.lang import _

CLASS = Path("autograder") / "demo_class.toml"


@dataclass(frozen=True)
class DemoStudent:
    id: str
    story: str
    base: str  # "solutions" or "exercises"
    snippets: dict[str, str] = field(default_factory=dict)
    broken: tuple[str, ...] = ()
    as_zip: bool = False  # handed in as a zip of the whole exercises/ folder


def students(root: Path | None = None) -> list[DemoStudent]:
    """The course's demo students, in the file's order."""
    with ((root or layout.course_root()) / CLASS).open("rb") as handle:
        table = tomllib.load(handle)
    return [DemoStudent(s["id"], s["story"], s["base"], dict(s.get("snippets", {})),
                        tuple(s.get("broken", ())), bool(s.get("as_zip", False))) for s in table["student"]]


def source(student: DemoStudent, stem: str, root: Path) -> str:
    """One exercise file of a demo student: the base file plus the student's snippet."""
    if student.base == "exercises" and (root / "exercises" / f"{stem}.py").is_file():
        text = (root / "exercises" / f"{stem}.py").read_text(encoding="utf-8")
    elif student.base == "exercises":
        text = editions.stub(root, stem, lang.SOURCE)
    else:
        text = (root / "solutions" / f"{stem}.py").read_text(encoding="utf-8")
    return text + student.snippets.get(stem, "")


def build_class(folder: Path, root: Path | None = None) -> Path:
    """Write the demo class into `folder` (replacing what was there)."""
    root = root or layout.course_root()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for student in students(root):
        files = {f"{stem}.py": source(student, stem, root) for stem in catalog.files()}
        if student.as_zip:
            with zipfile.ZipFile(folder / f"{student.id}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                for name, text in files.items():
                    archive.writestr(f"exercises/{name}", text)
        else:
            (folder / student.id).mkdir()
            for name, text in files.items():
                (folder / student.id / name).write_text(text, encoding="utf-8")
    return folder


def broken_ids(student: DemoStudent) -> set[str]:
    """The exercise ids a demo student should lose points on."""
    return {e.id for e in catalog.exercises() if e.id in student.broken or e.file in student.broken}


def run(out: Path, jobs: int | None = None) -> int:
    console = Console(highlight=False)
    class_dir = build_class(Path(out) / "class")
    demo_students = students()
    console.print(escape(_("Demo class in {folder}:").format(folder=class_dir)))
    for student in demo_students:
        console.print(f"  {student.id:<12} {escape(course_text(student.story))}")
    code = grade.run(class_dir, Path(out), jobs=jobs, console=console, fresh=True)  # a demo grades
    console.print(_("Feedback pages, one per student:"))
    for student in demo_students:
        console.print(f"  {escape(str(Path(out) / 'feedback' / (safe_name(student.id) + '.html')))}")
    return code
