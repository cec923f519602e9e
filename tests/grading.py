"""Running `nnkit grade` on a class the way an instructor does, for the grader's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_grade(class_dir: Path, out: Path, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`nnkit grade CLASS --out OUT` with two jobs and a 2-second call limit, plus `options`."""
    return subprocess.run([sys.executable, "-m", "nnkit", "grade", str(class_dir), "--out", str(out),
                           "--jobs", "2", "--timeout", "2", *options], capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, **(env or {})})
