"""The trusted side of a job slot: its link to the zygote, and the link to the current worker.

`launch` starts the sandboxed zygote that the job slots share. `ZygoteLink` is one job's socket
to it (and starts a private zygote if that one stops answering). `WorkerLink` is the transport
behind the `Student` that hidden tests use: it starts a worker on the first request, holds every
call to a deadline, and turns a hung or dead worker into a `WorkerLost` failure of that one
check; the next request gets a fresh worker. Nothing here imports or runs student code.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from nnkit.course import catalog
from nnkit.grade.sandbox import bwrap
from nnkit.grade.sandbox.limits import STAGE_SECONDS, Limits
from nnkit.harness.failures import CheckFailure
from nnkit.i18n.lang import N_, _
from nnkit.wire import frames, messages

SCRATCH_PREFIX = "nnkit-grade-"
START_SECONDS = 120.0
CONTROL_SECONDS = 30.0


class WorkerLost(CheckFailure):
    """The worker hung ("timeout") or died ("crashed"): the check that was running gets no points."""


class ZygoteError(RuntimeError):
    """The zygote could not be started or stopped answering: a problem of the grader, not the student."""


def launch(isolation: bwrap.Isolation, slots: int,
           log: Path) -> tuple[subprocess.Popen, list[socket.socket], str]:
    """Start one zygote serving `slots` jobs, without waiting for it (it imports torch first).

    Returns the process, one control socket per slot, and the scratch folder its workers use
    when they cannot have a private /tmp (made here, and removed by `end`)."""
    pairs = [socket.socketpair() for _ in range(slots)]
    scratch = bwrap.SANDBOX_TMP
    if not isolation.works:
        scratch = make_scratch()
    fds = [theirs.fileno() for _, theirs in pairs]
    command = bwrap.zygote_command(isolation, ",".join(map(str, fds)), scratch)
    with open(log, "ab") as out:
        process = subprocess.Popen(command, pass_fds=fds, env=bwrap.environment(),
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd="/")
    for _ours, theirs in pairs:
        theirs.close()
    return process, [ours for ours, _theirs in pairs], scratch


def make_scratch() -> str:
    """A folder for workers without a sandbox, named after this process; first, remove the
    folders of graders that were killed before they could (SIGKILL leaves them behind)."""
    remove_orphaned_scratch()
    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    os.chmod(scratch, 0o755)
    return scratch


def remove_orphaned_scratch(folder: Path | None = None) -> None:
    """Remove this user's scratch folders whose grader process no longer runs."""
    for path in Path(folder or tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        owner = path.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        try:
            mine = path.is_dir() and not path.is_symlink() and path.lstat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and owner.isdigit() and not _runs(int(owner)):
            shutil.rmtree(path, ignore_errors=True)


def _runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ZygoteLink:
    """A job's link to the zygote: the shared one it was given, or a private one it started."""

    def __init__(self, uid: int | None, isolation: bwrap.Isolation, limits: Limits, log: Path,
                 control: socket.socket | None = None):
        self.uid, self.isolation, self.limits, self.log = uid, isolation, limits, log
        self.control = control
        self.process: subprocess.Popen | None = None  # set only for a zygote this job started
        self.scratch = ""

    def connect(self) -> None:
        """Wait for the zygote's greeting; start a private zygote if there is none."""
        if self.control is None:
            self.process, (self.control,), self.scratch = launch(self.isolation, 1, self.log)
        try:
            messages.decode(frames.recv(self.control, START_SECONDS)[0], messages.Ready)
        except (frames.FrameError, messages.MessageError) as error:
            self.stop()
            raise ZygoteError(_("the sandbox did not start ({error}); see {log}").format(
                error=error, log=self.log)) from None

    def spawn(self) -> tuple[socket.socket, int | None]:
        """A socket to a new worker forked from the zygote, and a pidfd of it where available."""
        try:
            frames.send(self.control, messages.Spawn(uid=self.uid, rlimits=self.limits.rlimits()).header(),
                        timeout=CONTROL_SECONDS)
            fds, _payload = frames.recv_fds(self.control, CONTROL_SECONDS)
        except (frames.FrameError, AttributeError) as error:
            self.restart()
            raise ZygoteError(_("the sandbox could not start a worker ({error})").format(
                error=error)) from None
        return socket.socket(fileno=fds[0]), (fds[1] if len(fds) > 1 else None)

    def reap(self) -> str:
        """End the current worker and clean up after it; how it ended, in words."""
        try:
            frames.send(self.control, messages.Reap().header(), timeout=CONTROL_SECONDS)
            return messages.decode(frames.recv(self.control, CONTROL_SECONDS)[0], messages.Reaped).ended
        except (frames.FrameError, messages.MessageError, AttributeError):
            self.restart()
            return _("ended (the sandbox was restarted)")

    def restart(self) -> None:
        """Replace a zygote that stopped answering with a private one."""
        self.stop()
        self.connect()

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            end(self.process, self.scratch)
            self.process = None


def end(process: subprocess.Popen, scratch: str) -> None:
    """Wait for a zygote whose sockets are closed (it exits by itself), then remove its scratch."""
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if scratch and scratch != bwrap.SANDBOX_TMP:
        shutil.rmtree(scratch, ignore_errors=True)


class WorkerLink:
    """Transport of one submission's `Submission`: each request to its worker, under deadlines."""

    ANSWERS = (messages.Returned.op, messages.Raised.op, messages.Staged.op)

    def __init__(self, zygote: ZygoteLink, files: dict[str, bytes], data: dict[str, bytes],
                 limits: Limits):
        self.zygote, self.files, self.data, self.limits = zygote, files, data, limits
        self.sock: socket.socket | None = None
        self.pidfd: int | None = None
        self.started = time.monotonic()
        self.rid = 0
        self.seed: int | None = None
        self.restarts = 0
        self.imported: set[str] = set()  # exercise files the current worker has imported
        self.hung: dict[str, str] = {}  # file stem → why its checks are not run again

    def seed_next(self, seed: int) -> None:
        """Seed the worker's random generators before the next request (one check begins)."""
        self.seed = seed

    def __call__(self, request: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        what = describe(request)
        stem = file_of(request)
        if stem in self.hung:
            raise WorkerLost(self.hung[stem], "timeout")
        if self.sock is None:
            self._start(what)
        if stem is not None and stem not in self.imported and request.get("op") != messages.Import.op:
            # import first, on its own deadline: a file that hangs at import is tried once, not
            # once per check (which would spend the whole submission's time on one file)
            first = messages.Import(file=stem).header()
            answer, values = self._send(first, [], describe(first))
            if answer.get("op") != messages.Returned.op:
                return answer, values
        return self._send(request, buffers, what)

    def _send(self, request: dict, buffers: list[bytes], what: str) -> tuple[dict, list[bytes]]:
        if self.seed is not None:  # the worker seeds its generators before it answers
            request, self.seed = {**request, "check_seed": self.seed}, None
        answer, values = self._exchange(request, buffers, what)
        if request.get("op") == messages.Import.op and answer.get("op") == messages.Returned.op:
            self.imported.add(str(request.get("file")))
        return answer, values

    def close(self) -> None:
        if self.sock is not None:
            self._drop()
            self.zygote.reap()

    def _drop(self) -> None:
        self.sock.close()
        self.sock = None
        self.imported.clear()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None

    def _start(self, what: str) -> None:
        self._left(what)
        try:
            self.sock, self.pidfd = self.zygote.spawn()
        except ZygoteError as error:
            raise WorkerLost(_("The grader could not start a process for your code ({error}). This is not "
                               "your fault: tell your instructor.").format(error=error), "crashed") from None
        names = {name: i for i, name in enumerate(self.files)}
        data = {name: len(self.files) + i for i, name in enumerate(self.data)}
        self._exchange(messages.Stage(files=names, data=data, generation=self.restarts,
                                      forbidden=catalog.forbidden_lists()).header(),
                       [*self.files.values(), *self.data.values()], what, limit=STAGE_SECONDS)

    def _left(self, what: str) -> float:
        left = self.limits.total_seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise WorkerLost(_("Not run: the submission used up its total time of {total:g} s before "
                               "{what}.").format(total=self.limits.total_seconds, what=what), "timeout")
        return left

    def _exchange(self, request: dict, buffers: list[bytes], what: str,
                  limit: float | None = None) -> tuple[dict, list[bytes]]:
        left = self._left(what)
        timeout = min(limit or self.limits.call_seconds, left)
        self.rid += 1
        try:
            frames.send(self.sock, {**request, "rid": self.rid}, buffers, timeout)
            answer, values = frames.recv(self.sock, timeout, self.pidfd)
        except frames.Timeout:
            ended = self._lose()
            budget = timeout < (limit or self.limits.call_seconds)
            if request.get("op") == messages.Import.op and not budget:
                self.hung[str(request.get("file"))] = _(
                    "Not run: {file}.py did not finish importing within {seconds:g} s in an earlier check "
                    "(an endless loop, a sleep or a long computation at the top level of the file?), so its "
                    "checks are not run again. Move that code into a function, or remove it.").format(
                        file=request.get("file"), seconds=timeout)
            stopped = (_("Your code used up the submission's total time of {seconds:g} s while {what} (an "
                         "endless loop, or far too slow?), so the grader stopped it. This check gets no "
                         "points; the next checks run in a fresh process.") if budget else
                       _("No answer within {seconds:g} s while {what} (an endless loop, or far too slow?), "
                         "so the grader stopped it. This check gets no points; the next checks run in a "
                         "fresh process."))
            seconds = self.limits.total_seconds if budget else timeout
            raise WorkerLost(stopped.format(seconds=seconds, what=what) + _ended(ended), "timeout") from None
        except frames.Closed:
            ended = self._lose()
            raise WorkerLost(_("The process running your code ended while {what}: {ended}. This check gets "
                               "no points; the next checks run in a fresh process. (os._exit, a crash, or a "
                               "limit such as 2 GiB of memory would do this.)").format(
                                   what=what, ended=ended), "crashed") from None
        except frames.FrameError as error:  # bytes that are not the worker's answer
            self._lose()
            raise WorkerLost(_("Your code wrote to the grader's channel while {what} ({error}), so nothing "
                               "it sent can be trusted and the grader stopped it. This check gets no points; "
                               "the next checks run in a fresh process. Write only to files you open "
                               "yourself, or print.").format(what=what, error=error), "crashed") from None
        if answer.get("rid") != self.rid or answer.get("op") not in self.ANSWERS:
            self._lose()
            raise WorkerLost(_("Your code wrote to the grader's channel while {what}, so its answer cannot "
                               "be trusted. This check gets no points.").format(what=what), "crashed")
        return answer, values

    def _lose(self) -> str:
        """Drop a worker that hung, died or misbehaved; the next request starts another."""
        if self.sock is not None:
            self._drop()
        self.restarts += 1
        return self.zygote.reap()


def file_of(request: dict) -> str | None:
    """The exercise file a request needs imported (its stem), if any."""
    target = request.get("target")
    if request.get("op") == messages.Call.op and isinstance(target, str):
        return target.partition(".")[0]
    if request.get("op") == messages.Import.op:
        return str(request.get("file"))
    return None


def describe(request: dict) -> str:
    """What a request asked for, in the words of a failure message."""
    target, op = request.get("target"), request.get("op")
    if op == messages.Call.op and isinstance(target, str):
        return _("calling {target}").format(target=target)
    if op == messages.Import.op:
        return _("importing {file}.py").format(file=request.get("file"))
    if op == messages.Call.op:
        return _("calling a method of an object your code made")
    return _({messages.Build.op: N_("building an object for the checks"),
              messages.Describe.op: N_("describing your model"),
              messages.ReadState.op: N_("reading your model's parameters"),
              messages.LoadState.op: N_("loading parameters into your model")}.get(
                  str(op), N_("answering the grader")))


def _ended(ended: str) -> str:
    if ended in ("stopped by the grader", "no worker"):
        return ""
    return " " + _("The process {ended}.").format(ended=ended)
