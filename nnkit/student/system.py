"""What the student's operating system allows: the one place the student side asks.

Students run the kit on Windows, macOS and Linux. Forking a process that holds torch is only safe
on Linux (macOS's frameworks and OpenMP can hang or crash the child; Windows has no fork), so
elsewhere warm processes are spawned ahead of time instead (see `warm`).
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys


def name() -> str:
    """"Linux", "Darwin", "Windows", …"""
    return platform.system()


def can_fork() -> bool:
    """Whether a warm process may fork a fresh child for each check."""
    return name() == "Linux" and hasattr(os, "fork")


def detached() -> dict:
    """Popen options that start a process outside this terminal's session, so Ctrl-C or closing
    the terminal does not reach it."""
    if hasattr(os, "setsid"):
        return {"start_new_session": True}
    # Windows: a console of its own that is never shown (not DETACHED_PROCESS, no console at all):
    # the warm processes it starts share it, instead of each opening a window of its own.
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    return {"creationflags": flags} if flags else {}


def own_group() -> dict:
    """Popen options that give a process its own group, so `kill` ends it and all it started."""
    if hasattr(os, "setsid"):
        return {"start_new_session": True}
    flag = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    return {"creationflags": flag} if flag else {}


def kill(process: subprocess.Popen) -> None:
    """End a process started with `own_group` and whatever it started."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def python() -> list[str]:
    """This interpreter, not putting its current folder on the import path (where it can)."""
    return [sys.executable, "-P"] if sys.version_info >= (3, 11) else [sys.executable]
