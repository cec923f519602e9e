"""What bounds a worker: its time, its rlimits, and its life no longer than its parent's."""

from __future__ import annotations

import ctypes
import resource
import signal
from dataclasses import dataclass

STAGE_SECONDS = 30.0  # for a new worker to receive and write the submission's files
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    """Per-worker limits: wall-clock per call and per submission, plus rlimits."""

    call_seconds: float = 10.0
    total_seconds: float = 300.0
    address_space: int = 2 << 30
    file_size: int = 16 << 20
    open_files: int = 128
    processes: int = 64

    def rlimits(self) -> dict[str, int]:
        """rlimit name → value (soft = hard). CPU time backs up the wall-clock budget."""
        return {"AS": self.address_space, "CPU": int(self.total_seconds) + 5,
                "FSIZE": self.file_size, "NOFILE": self.open_files, "CORE": 0,
                "NPROC": self.processes}


def apply_rlimits(values: dict[str, int]) -> None:
    """Set each rlimit, soft and hard, in the calling process (a worker about to run code)."""
    for name, value in values.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))


def die_with_parent() -> None:
    """Be killed when the parent process ends (Linux), so no grading process outlives its grader.

    A uid change clears it: a worker calls this after dropping its privileges."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
