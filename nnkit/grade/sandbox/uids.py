"""The worker uids one batch holds, so that two grading runs on a machine never share one.

After each student the zygote kills every process of the worker's uid, and RLIMIT_NPROC counts
per uid: two batches on the same uid would kill each other's workers and share one process
limit. A batch claims each uid by binding an abstract Unix socket named after it: no file on
disk, and the kernel lets go of it when the grader ends, even by SIGKILL. Forked jobs inherit
the sockets, so a uid stays claimed until the last process of the batch is gone. A uid that
names an account, owns a running process or a group is never claimed: killing "every process
of the uid" must only ever hit the grader's own workers.
"""

from __future__ import annotations

import grp
import os
import pwd
import socket
from dataclasses import dataclass, field

from nnkit.grade.sandbox.zygote import processes_of
from nnkit.i18n.lang import _

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
        if not self.uids:
            return _("none (nothing left to grade)")
        if self.uids[0] is None:
            return _("{uid} (the grader's own)").format(uid=os.getuid())
        ranges: list[list[int]] = []
        for uid in sorted(u for u in self.uids if u is not None):
            if ranges and ranges[-1][1] == uid - 1:
                ranges[-1][1] = uid
            else:
                ranges.append([uid, uid])
        return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def taken(uid: int) -> bool:
    """Whether `uid` belongs to someone else: an account or group of that number, or a live
    process of that uid that no grading run holds (ours hold the uid's socket first)."""
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
        return True
    except KeyError:
        pass
    return bool(processes_of(uid))


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
        if taken(uid):
            sock.close()
            continue
        held.append(sock)
        uids.append(uid)
    if not uids:
        raise NoFreeUid(_("none of the {count} worker uids ({first}-{last}) is free: other grading runs "
                          "hold them, or accounts or processes use them; wait for the other runs to finish, "
                          "or free that range.").format(count=COUNT, first=FIRST, last=FIRST + COUNT - 1))
    return Claim(uids, held)
