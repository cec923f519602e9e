"""Running `nnkit grade` on a class the way an instructor does, for the grader's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def grade_command(class_dir: Path, out: Path, *options: str) -> list[str]:
    """`nnkit grade CLASS --out OUT` with two jobs and a 2-second call limit, plus `options`."""
    return [sys.executable, "-m", "nnkit", "grade", str(class_dir), "--out", str(out), "--jobs", "2",
            "--timeout", "2", *options]


def run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=600,
                          env={**os.environ, **(env or {})})


def run_grade(class_dir: Path, out: Path, *options: str,
              env: dict | None = None) -> subprocess.CompletedProcess:
    return run(grade_command(class_dir, out, *options), env)
