"""Crash safety: keep each student's scored record as it arrives, and reuse it on the next run.

A batch killed half-way (SIGKILL, a power cut, Ctrl-C) leaves OUT/.work/<student>.json for
every student already graded. Running the same command again reuses a record only when its
fingerprint still matches: the same staged files and problems, the same hidden tests, data,
grader code and limits. Anything else, and a record that carries a grader problem, is graded
again, so a resumed batch ends with the same grades.csv as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from nnkit.course import layout
from nnkit.grade.output import reports
from nnkit.grade.sandbox.limits import Limits
from nnkit.grade.staging import Staged
from nnkit.i18n import lang

FORMAT = 1


def _hash_files(digest: hashlib._Hash, root: Path, pattern: str) -> None:
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())


def batch_fingerprint(course: Path, data: Path, limits: Limits) -> str:
    """What every record of a batch depends on besides the submission itself: the grader's code,
    the course's checks, tests, table and known mistakes, the data, the limits, and the language of
    the messages with their catalogs."""
    digest = hashlib.sha256(f"nnkit-grade-record-{FORMAT}".encode())
    digest.update(json.dumps([asdict(limits), lang.language()], sort_keys=True).encode())
    for root, pattern in ((layout.PACKAGE, "*.py"), (layout.PACKAGE / "locale", "*.mo"),
                          (Path(course) / "exercises", "*.py"),
                          (Path(course) / "exercises" / "locale", "*.mo"),
                          (Path(course) / "autograder" / "locale", "*.mo"),
                          (Path(course) / "exercises", "*.toml"), (Path(course) / "autograder", "*.py"),
                          (Path(data), "*.pt")):
        _hash_files(digest, root, pattern)
    return digest.hexdigest()


def submission_fingerprint(batch: str, student: str, staged: Path, source: str,
                           problems: list[dict]) -> str:
    """The batch's fingerprint plus everything staging made of one student's submission."""
    digest = hashlib.sha256(batch.encode())
    digest.update(json.dumps([student, source, problems], sort_keys=True).encode())
    if staged.is_dir():
        _hash_files(digest, staged, "*")
    return digest.hexdigest()


def record_path(work: Path, student: str) -> Path:
    return work / f"{reports.safe_name(student)}.json"


def save(work: Path, student: str, fingerprint: str, record: dict) -> None:
    """Write a student's record atomically, with the fingerprint it is valid for."""
    reports.write_json(record_path(work, student), {"fingerprint": fingerprint, "record": record})


def load(work: Path, student: str, fingerprint: str) -> dict | None:
    """The record of an earlier run, if it is still valid for this submission; else None."""
    try:
        kept = json.loads(record_path(work, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    record = kept.get("record") if isinstance(kept, dict) else None
    if not isinstance(record, dict) or kept.get("fingerprint") != fingerprint:
        return None
    if record.get("student") != student or record.get("grader_problems"):
        return None
    return record


def remove_leftovers(out: Path) -> None:
    """Delete the temporary files of atomic writes that a killed run left in OUT/."""
    for folder in (out, out / "feedback", out / ".work"):
        if folder.is_dir():
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)


class Ledger:
    """A batch's scored records: reused from an earlier run where still valid, else kept as
    they arrive (written at once, so a crash loses nothing that was graded)."""

    def __init__(self, work: Path, batch: str, staged: list[Staged], fresh: bool = False):
        self.work = work
        self.records: dict[str, dict] = {}
        self.staged = {s.student: s for s in staged}
        self.problems = {s.student: [asdict(p) for p in s.problems] for s in staged}
        self.fingerprints = {s.student: submission_fingerprint(batch, s.student, self.folder(s.student),
                                                               s.source, self.problems[s.student])
                             for s in staged}
        for submission in staged:
            earlier = None if fresh else load(work, submission.student, self.fingerprints[submission.student])
            if earlier is not None:
                self.records[submission.student] = earlier
            elif not submission.files:
                self.keep({"student": submission.student, "tests": []})
        self.reused = sum(bool(s.files) for s in staged if s.student in self.records)

    def folder(self, student: str) -> Path:
        return self.work / "staged" / reports.safe_name(student)

    def tasks(self) -> list[dict]:
        """What is left to grade: one task a student with files and no valid record."""
        return [{"student": s.student, "staged": str(self.folder(s.student))}
                for s in self.staged.values() if s.files and s.student not in self.records]

    def keep(self, raw: dict) -> None:
        """Score a job's raw result and write the record before anything else happens."""
        student = raw["student"]
        record = reports.student_record(student, self.staged[student].source, self.problems[student], raw)
        save(self.work, student, self.fingerprints[student], record)
        self.records[student] = record
