"""One worker: the forked child of a zygote that runs one submission's code.

It enters private namespaces (a fresh /tmp, no network), receives the submission's files as
bytes, writes them read-only into a fresh folder, puts on its rlimits, drops to the slot's
unprivileged uid, and only then lets `Executor` import student code. From there it answers
plain-data requests until the grader closes the socket. Every answer echoes the request's id,
so a stray frame that student code writes on the socket cannot pass
for the answer to a later request.
"""

from __future__ import annotations

import os
import random
import re
import resource
import socket
import stat
import sys
from pathlib import Path
from typing import NoReturn

import torch

from nnkit.grade.sandbox import limits, namespaces
from nnkit.i18n.lang import _
from nnkit.submission.executor import Executor
from nnkit.wire import frames, messages

FILE_NAME = re.compile(r"^[0-9A-Za-z_]{1,64}\.(py|pt)$")
HANDLES_PER_WORKER = 1_000_000
_manual_seed = torch.default_generator.manual_seed  # torch.manual_seed also formats a stack trace (8 ms)
_seed_random = random.seed


def run(sock: socket.socket, spec: messages.Spawn, private: bool, scratch: str) -> NoReturn:
    """The worker's whole life; it never returns into the zygote's code."""
    code = 0
    try:
        os.setsid()
        _keep_only(sock.fileno())
        if private and not namespaces.enter_private():
            raise OSError("private namespaces were promised but cannot be made")
        base = Path("/tmp/nnkit") if private else Path(scratch) / f"nnkit-{os.getpid()}"
        header, buffers = frames.recv(sock, limits.STAGE_SECONDS)
        request = messages.decode(header, messages.Stage)
        folder, data, home = _stage(request, buffers, base, spec.uid)
        limits.apply_rlimits(spec.rlimits)
        _drop_privileges(spec.uid)
        os.chdir(home)
        os.environ.update(HOME=str(home), TMPDIR=str(home))
        sys.dont_write_bytecode = True
        _seed(0)
        frames.send(sock, messages.Staged(uid=os.getuid()).header(rid=header.get("rid")))
        executor = Executor(folder, data, [names for names in request.forbidden if type(names) is list])
        # handles of an earlier worker of this submission must never name an object of this one
        executor.next_id = request.generation * HANDLES_PER_WORKER + 1
        serve(sock, executor)
    except BaseException:
        code = 70
    os._exit(code)


def serve(sock: socket.socket, executor: Executor) -> None:
    """Answer requests until the grader hangs up."""
    while True:
        try:
            request, buffers = frames.recv(sock)
        except frames.FrameError:
            return
        if type(request.get("check_seed")) is int:  # a new check begins
            _seed(request["check_seed"])
        try:
            reply, out = executor.handle(request, buffers)
        except KeyboardInterrupt as error:  # raised by student code, not by a user here
            reply, out = _failed(error, str(error)), []
        reply["rid"] = request.get("rid")
        try:
            frames.send(sock, reply, out)
        except frames.Closed:
            return
        except frames.FrameError as error:
            too_large = _("the result is too large to send back: {error}").format(error=error)
            frames.send(sock, {**_failed(ValueError(), too_large), "rid": request.get("rid")})


def _failed(error: BaseException, message: str) -> dict:
    """An answer saying the student code failed."""
    info = messages.StudentError.of(error)
    info.message = message
    return messages.Raised(error=info.header()).header()


def _keep_only(fd: int) -> None:
    """Close every inherited descriptor but our socket; stdio goes to /dev/null."""
    top = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    top = top if top != resource.RLIM_INFINITY else 65536
    os.closerange(3, fd)
    os.closerange(fd + 1, top)
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    if null > 2:
        os.close(null)


def _stage(request: messages.Stage, buffers: list[bytes], base: Path,
           uid: int | None) -> tuple[Path, Path, Path]:
    """Write the submission and the data read-only (owned by root), and a private home."""
    folder, data, home = base / "submission", base / "data", base / "home"
    for path, files in ((folder, request.files), (data, request.data)):
        path.mkdir(parents=True, mode=0o755)
        for name, index in files.items():
            if not FILE_NAME.match(name):
                raise ValueError(f"refusing file name {name!r}")
            target = path / name
            target.write_bytes(buffers[int(index)])
            target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        path.chmod(0o555)
    base.chmod(0o755)
    home.mkdir(mode=0o700)
    if uid is not None:
        os.chown(home, uid, uid)
    return folder, data, home


def _drop_privileges(uid: int | None) -> None:
    """Become the slot's unprivileged user for good (no groups, no way back to root)."""
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise RuntimeError("could not drop root privileges")
    limits.die_with_parent()  # cleared by the uid change, so set after it


def _seed(seed: int) -> None:
    _manual_seed(seed)
    _seed_random(seed)
