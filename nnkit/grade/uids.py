"""The worker uids one batch holds, so that two grading runs on a machine never share one.

After each student the zygote kills every process of the worker's uid, and RLIMIT_NPROC counts
per uid: two batches on the same uid would kill each other's workers and share one process
limit. A batch claims each uid by binding an abstract Unix socket named after it: no file on
disk, and the kernel lets go of it when the grader ends, even by SIGKILL. Forked jobs inherit
the sockets, so a uid stays claimed until the last process of the batch is gone.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

FIRST = 65500  # a range Debian leaves unallocated (65534 is nobody)
COUNT = 32


class NoFreeUid(RuntimeError):
    """Every worker uid is held by other grading runs."""


@dataclass
class Claim:
    """The uids a batch holds (None: not root, workers keep the grader's uid)."""

    uids: list[int | None]
    held: list[socket.socket] = field(default_factory=list)

    def release(self) -> None:
        for sock in self.held:
            sock.close()
        self.held.clear()

    def describe(self) -> str:
        if self.uids[0] is None:
            return f"{os.getuid()} (the grader's own)"
        ranges: list[list[int]] = []
        for uid in sorted(u for u in self.uids if u is not None):
            if ranges and ranges[-1][1] == uid - 1:
                ranges[-1][1] = uid
            else:
                ranges.append([uid, uid])
        return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def claim(count: int, root: bool | None = None) -> Claim:
    """Hold `count` free worker uids (fewer if other runs hold the rest, at least one)."""
    if not (os.geteuid() == 0 if root is None else root):
        return Claim([None] * count)
    held: list[socket.socket] = []
    uids: list[int | None] = []
    for uid in range(FIRST, FIRST + COUNT):
        if len(uids) == count:
            break
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(f"\0nnkit-grade-uid-{uid}")
        except OSError:
            sock.close()
            continue
        held.append(sock)
        uids.append(uid)
    if not uids:
        raise NoFreeUid(f"all {COUNT} worker uids ({FIRST}-{FIRST + COUNT - 1}) are held by other "
                        "grading runs on this machine; wait for one of them to finish.")
    return Claim(uids, held)
