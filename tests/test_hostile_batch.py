"""Issue 5's hostile batch: every cheat, resource attack and broken input of tests/hostile/cases.toml
is one student of ONE class, graded once by `nnkit grade` with real workers in bubblewrap.

Each student must get exactly what the honest parts of its submission earn, beside an honest
control student who must get 100; every case must get a message that says what was wrong; no
feedback may show a solution or hidden-test line; and afterwards no process of the batch may be
alive, no file may have appeared outside OUT_DIR, and nothing a worker sent may have been
unpickled. A second, small batch runs the cases that need no sandbox with NNKIT_SANDBOX=off.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import stat
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from grading import grade_command, run
from hidden_lines import leaks

from nnkit.course import catalog
from nnkit.course.tomlcompat import tomllib
from nnkit.grade.demo import DemoStudent, source
from nnkit.grade.output.reports import safe_name
from nnkit.grade.sandbox import uids
from nnkit.testing import run as runner

ROOT = Path(__file__).resolve().parents[1]
CONFINE = ROOT / "tests" / "hostile" / "confine.py"
CASES = tomllib.loads((ROOT / "tests" / "hostile" / "cases.toml").read_text(encoding="utf-8"))["case"]
BY_STUDENT = {case["student"]: case for case in CASES}
POINTS = {exercise.id: exercise.points for exercise in catalog.exercises()}
FILE_OF = {exercise.id: exercise.file for exercise in catalog.exercises()}
# argv markers of the processes hostile code starts (a detached `sleep`, a fork bomb's children)
MARKERS = {"@DETACHED@": "777.5151", "@LINGER@": "9.5151"}
OVERSIZE = 100 * 1000 * 1000
CODING_COOKIE = "# -*- coding: cp1251 -*-\n"
WORKER_UIDS = range(uids.FIRST, uids.FIRST + uids.COUNT)
SETTLE_ROUNDS = 100  # the kernel ends a sandbox's processes a moment after its init exits
NO_BWRAP = "bubblewrap (bwrap) is not installed: the hostile batch needs its sandbox"


@dataclass
class Batch:
    """One graded class and what the machine looked like around it."""

    out: Path
    marker: Path
    returncode: int
    terminal: str
    results: dict
    written: list[str]
    survivors: list[str]

    def record(self, student: str) -> dict:
        return next(r for r in self.results["students"] if r["student"] == student)


# ------------------------------------------------------------------------------ building a class

def snippet(text: str, tokens: dict[str, str]) -> str:
    for token, value in tokens.items():
        text = text.replace(token, value)
    return text


def encoded(text: str, encoding: str | None) -> bytes:
    """A file's bytes in the case's encoding (cp1251 cannot spell every symbol of the docstrings)."""
    if encoding == "cp1251":
        return (CODING_COOKIE + text).encode("cp1251", errors="replace")
    if encoding == "cp1251-no-cookie":
        return text.encode("cp1251", errors="replace")
    return text.encode(encoding or "utf-8")


def exercise_files(case: dict, tokens: dict[str, str]) -> dict[str, bytes]:
    """The case's exercise files: the reference solutions plus the case's snippets."""
    snippets = {stem: snippet(text, tokens) for stem, text in case.get("append", {}).items()}
    student = DemoStudent(case["student"], case["story"], "solutions", snippets)
    return {f"{stem}.py": encoded(source(student, stem, ROOT),
                                  case.get("encoding") if stem in snippets else None)
            for stem in case.get("files", [])}


def write_entry(case: dict, folder: Path, tokens: dict[str, str]) -> None:
    """Hand in one case the way its `form` says; oversized files are made here, never committed."""
    form = case.get("form", "folder")
    files = exercise_files(case, tokens)
    extra = {name: text.encode() for name, text in case.get("extra", {}).items()}
    oversize = {f"{stem}.py" for stem in case.get("oversize", [])}
    if form in ("folder", "empty_folder"):
        entry = folder / case["student"]
        entry.mkdir()
        for name, data in {**files, **extra}.items():
            with open(entry / name, "wb") as handle:
                handle.write(data)
                if name in oversize:
                    handle.truncate(OVERSIZE)  # sparse: no disk is spent on it
    elif form in ("zip", "empty_zip"):
        with zipfile.ZipFile(folder / f"{case['student']}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in {**files, **extra}.items():
                with archive.open(name, "w") as member:
                    member.write(data)
                    for _ in range(OVERSIZE // (1 << 20) if name in oversize else 0):
                        member.write(b"\n" * (1 << 20))
            for name, target in case.get("symlinks", {}).items():
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, target)
    elif form == "corrupt_zip":
        (folder / f"{case['student']}.zip").write_bytes(b"PK\x03\x04 this is not a zip file")
    else:
        raise ValueError(f"unknown form {form!r} in {case['student']}")


def handed_in(class_dir: Path, student: str) -> str:
    """Every text a student handed in (their own code may be the reference's, line for line)."""
    if (class_dir / student).is_dir():
        files = [p.read_bytes() for p in (class_dir / student).rglob("*")
                 if p.is_file() and p.stat().st_size < 1 << 20]
    elif zipfile.is_zipfile(class_dir / f"{student}.zip"):
        with zipfile.ZipFile(class_dir / f"{student}.zip") as archive:
            files = [archive.read(i) for i in archive.infolist() if i.file_size < 1 << 20]
    else:
        files = []
    return "\n".join(data.decode("utf-8", errors="replace") for data in files)


def build_class(folder: Path, cases: list[dict], tokens: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for case in cases:
        write_entry(case, folder, tokens)
    return folder


# ----------------------------------------------------------------------- the machine around it

def snapshot() -> dict[str, tuple]:
    """What could change: the kit's tree (with __pycache__, without .git), /var/tmp and
    /dev/shm in full, and the top level of /tmp and of the home folder."""
    paths: list[str] = []
    for root in (ROOT, Path("/var/tmp"), Path("/dev/shm")):
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not (folder == str(ROOT) and d == ".git")]
            paths += [os.path.join(folder, name) for name in dirs + names]
    for root in (Path("/tmp"), Path.home()):
        paths += [str(root / name) for name in os.listdir(root)]
    seen: dict[str, tuple] = {}
    for path in paths:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        regular = stat.S_ISREG(info.st_mode)
        seen[path] = (info.st_uid, info.st_size if regular else 0, info.st_mtime_ns if regular else 0)
    return seen


def written(before: dict[str, tuple], after: dict[str, tuple], allowed: list[Path]) -> list[str]:
    """Paths that appeared, changed or vanished, outside the `allowed` folders."""
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    return [path for path in changed if not any(Path(path) == a or a in Path(path).parents for a in allowed)]


def survivors() -> list[str]:
    """Processes of a worker uid or carrying the detached marker, waiting for the kernel to end
    what it is already ending; each as "pid uid cmdline"."""
    found: list[str] = []
    for _ in range(SETTLE_ROUNDS):
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines()
                              if ":" in line)
                argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            uid = int(status["Uid"].split()[0])
            if status["State"].strip().startswith("Z"):
                continue
            if uid in WORKER_UIDS or any(marker in argv for marker in MARKERS.values()):
                found.append(f"{entry.name} {uid} {argv}")
        if not found:
            return []
        time.sleep(0.1)
    return found


def watched_folders() -> list[Path]:
    """Where a batch might write: the kit's tree, the shared temporary folders and the home
    folder (each once: not a folder inside another of them)."""
    folders = [ROOT, Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path.home()]
    return [f for f in folders if f.is_dir() and not any(o != f and o in f.parents for o in folders)]


def grade_batch(scratch: Path, cases: list[dict], env: dict | None = None) -> Batch:
    """Build the class and grade it once, confined (see tests/hostile/confine.py) so that exactly
    what it wrote and left running can be seen; where namespaces or overlays are not available,
    compare snapshots of the machine instead (which also see what others did meanwhile)."""
    out, marker = scratch / "out", scratch / "unpickled-marker"
    tokens = {"@OUT@": str(out), "@PICKLE_MARKER@": str(marker), **MARKERS}
    command = grade_command(build_class(scratch / "class", cases, tokens), out, "--total", "60")
    env = {"PYTHONDONTWRITEBYTECODE": "1", **(env or {})}  # the kit's own .pyc are Python's, not the batch's
    report = scratch / "confined.json"
    if shutil.which("unshare"):
        done = run(["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc",
                    sys.executable, str(CONFINE), str(scratch), report.name,
                    *map(str, watched_folders()), "--", *command], env)
    found = json.loads(report.read_text()) if report.is_file() else {"error": "no confinement here"}
    if "error" in found:
        before = snapshot()
        done = run(command, env)
        found = {"written": written(before, snapshot(), [scratch]), "survivors": survivors()}
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else {}
    return Batch(out, marker, done.returncode, done.stdout + done.stderr, results, found["written"],
                 found["survivors"])


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    if shutil.which("bwrap") is None:
        pytest.skip(NO_BWRAP)
    graded = grade_batch(tmp_path_factory.mktemp("hostile"), CASES)
    assert graded.results.get("protections", {}).get("bwrap"), \
        f"bubblewrap is installed but the batch did not run in it:\n{graded.terminal[-3000:]}"
    return graded


# ------------------------------------------------------------------------------- what must hold

def expected_points(case: dict) -> dict[str, int]:
    """Full points for every id of a handed-in file, except the ids the case must lose on."""
    shipped, zero = set(case.get("files", [])), set(case.get("zero", []))
    return {i: POINTS[i] if FILE_OF[i] in shipped and not {i, FILE_OF[i]} & zero else 0 for i in POINTS}


def earned(record: dict) -> dict[str, float]:
    return {exercise["id"]: exercise["earned"] for exercise in record["exercises"]}


def wrong_points(case: dict, record: dict) -> dict[str, tuple]:
    """id → (earned, expected) for every id graded otherwise than the case says it should be."""
    got, want = earned(record), expected_points(case)
    return {i: (got[i], want[i]) for i in POINTS if got[i] != want[i]}


def student_texts(record: dict) -> str:
    """Everything in a student's record that the student may read."""
    return "\n".join([p["message"] for p in record["problems"]]
                     + [t["message"] for t in record["tests"]] + [t["output"] for t in record["tests"]])


def page_texts(out: Path, student: str) -> dict[str, str]:
    """The student's feedback pages as plain text (Markdown escapes and HTML entities undone)."""
    name = safe_name(student)
    markdown = (out / "feedback" / f"{name}.md").read_text(encoding="utf-8")
    page = (out / "feedback" / f"{name}.html").read_text(encoding="utf-8")
    return {f"{name}.md": html.unescape(re.sub(r"\\([\\`*_{}\[\]()#+!|~>-])", r"\1", markdown)),
            f"{name}.html": html.unescape(page)}


def with_key(key: str) -> list:
    return [pytest.param(case, id=safe_name(case["student"])) for case in CASES if key in case]


ALL = [pytest.param(case, id=safe_name(case["student"])) for case in CASES]


def test_the_batch_finishes_and_grades_every_case_once(batch):
    assert batch.returncode == 0, f"nnkit grade failed:\n{batch.terminal[-5000:]}"
    assert sorted(r["student"] for r in batch.results["students"]) == sorted(BY_STUDENT)
    assert batch.results["grader_problems"] == [], "the hostile class caused grader problems"


@pytest.mark.parametrize("case", ALL)
def test_every_case_earns_exactly_what_its_honest_parts_earn(batch, case):
    assert wrong_points(case, batch.record(case["student"])) == {}, \
        f"{case['student']} ({case['story']}): points per id as (earned, expected)"


def test_the_honest_control_student_earns_exactly_100_beside_the_cheaters(batch):
    record = batch.record("control_honest")
    assert record["total"] == record["max_total"] == 100, "a cheater in the class changed an honest grade"
    assert [t["test"] for t in record["tests"] if t["status"] != "passed"] == []


@pytest.mark.parametrize("case", with_key("messages"))
def test_every_case_is_told_what_was_wrong_in_results_and_on_its_feedback_page(batch, case):
    texts = {"results.json": student_texts(batch.record(case["student"])),
             **page_texts(batch.out, case["student"])}
    missing = {(fragment, where) for fragment in case["messages"] for where, text in texts.items()
               if fragment not in text}
    assert missing == set(), f"{case['student']}: messages missing from its results or pages"


@pytest.mark.parametrize("case", with_key("output"))
def test_what_a_submission_prints_reaches_the_student_as_its_output(batch, case):
    outputs = "".join(t["output"] for t in batch.record(case["student"])["tests"])
    assert case["output"] in outputs, f"{case['student']}: its printed output was not recorded"


def test_printing_gigabytes_is_cut_to_the_output_cap(batch):
    outputs = [t["output"] for t in batch.record("res_prints_gigabytes")["tests"]]
    cap = runner.MAX_OUTPUT + len(f"\n… ({1 << 40} more characters cut)")
    assert max(map(len, outputs)) <= cap, "a test's recorded output is over the cap"
    size = (batch.out / "results.json").stat().st_size
    assert size < 16 << 20, "results.json grew with the printed gigabytes"


def test_no_feedback_page_or_student_record_shows_a_solution_or_hidden_test_line(batch):
    found = []
    for record in batch.results["students"]:
        texts = {f"results.json:{record['student']}": student_texts(record),
                 **page_texts(batch.out, record["student"])}
        found += leaks(texts, own=handed_in(batch.out.parent / "class", record["student"]))
    disk_cheat = student_texts(batch.record("cheat_walks_disk"))
    assert "searched the disk" in disk_cheat, "the disk search did not run"
    assert found == []


def test_no_process_of_the_batch_is_left_alive(batch):
    assert batch.survivors == [], "processes of the batch outlived it (pid uid argv)"


def test_nothing_is_written_outside_the_output_folder(batch):
    assert batch.written == [], "files appeared, changed or vanished outside OUT_DIR during the batch"


def test_nothing_a_worker_sent_is_unpickled(batch):
    assert not batch.marker.exists(), "the crafted pickle was unpickled by the grader"


def test_fake_reports_do_not_replace_the_graders_own(batch):
    rows = {row.split(",")[0]: row.split(",") for row in (batch.out / "grades.csv").read_text().splitlines()}
    record = batch.record("cheat_fake_reports")
    assert rows["cheat_fake_reports"][-2:] == [str(record["total"]), str(record["max_total"])], \
        "grades.csv does not hold the grader's own total for the student who wrote fake ones"


def test_without_bubblewrap_the_cases_that_need_no_sandbox_keep_their_grades(tmp_path):
    cases = [case for case in CASES if case.get("no_sandbox")]
    graded = grade_batch(tmp_path, cases, {"NNKIT_SANDBOX": "off"})
    assert graded.returncode == 0, graded.terminal[-5000:]
    assert graded.results["protections"]["bwrap"] is False
    wrong = {case["student"]: wrong_points(case, graded.record(case["student"])) for case in cases}
    assert wrong == {case["student"]: {} for case in cases}, "points per id as (earned, expected)"
    assert graded.survivors == [], "processes of the batch outlived it (pid uid argv)"
    assert graded.written == [], "files appeared outside OUT_DIR, or the grader's temporary folder stayed"
    assert not graded.marker.exists(), "the crafted pickle was unpickled by the grader"
