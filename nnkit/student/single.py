"""One server per rendezvous: an exclusive lock on a file, held while the server lives.

fcntl on Linux and macOS, msvcrt on Windows; the system lets go of it when the process ends,
however it ends.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


def _try(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def hold(path: Path, wait: float) -> int | None:
    """The lock on `path` (an open descriptor), or None if another process keeps it for `wait` s."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    while not _try(fd):
        if time.monotonic() >= deadline:
            os.close(fd)
            return None
        time.sleep(0.1)
    return fd


def release(fd: int) -> None:
    os.close(fd)
