"""Private namespaces for one worker: its own mounts (a fresh /tmp), IPC objects and network.

A worker, still root, calls `enter_private` before it drops to its uid: whatever it writes to
/tmp, /var/tmp, /dev/shm or /run/lock, the System V objects it makes and the sockets it opens
vanish when its last process dies, and it has no network at all (a new network namespace holds
only a loopback that is down). Needs CAP_SYS_ADMIN: the zygote keeps it inside bubblewrap; a
root grader has it without. `probe` says whether this works here.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 0x4000, 1 << 18
TMP_SIZE = "256m"
# Every folder any uid may write to on a Debian machine (without bubblewrap the worker sees them all)
PRIVATE_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")


def enter_private() -> bool:
    """Move this process into fresh mount, IPC and network namespaces with empty shared folders.

    False when the kernel or our privileges do not allow it (nothing was changed then)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET) != 0:
        return False
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "cannot make the mounts private")
    for folder in PRIVATE_FOLDERS:
        if not Path(folder).is_dir() or Path(folder).is_symlink():
            continue
        if libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      f"mode=1777,size={TMP_SIZE}".encode()) != 0:
            raise OSError(ctypes.get_errno(), f"cannot mount a private {folder}")
    return True


def probe() -> bool:
    """Whether `enter_private` works here, tried in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            code = 0 if enter_private() else 1
        except BaseException:
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
