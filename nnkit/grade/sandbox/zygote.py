"""The fork server: imports torch once, then forks a worker per submission for every job slot.

Run as `python -m nnkit.grade.sandbox.zygote FDS SCRATCH [--sandboxed]`, inside bubblewrap when it
works. FDS are comma-separated Unix sockets, one per trusted job process (a slot). Requests:
  Spawn(uid, rlimits) → forks a worker (see `worker`) and passes the job one end of a fresh
                        socket pair, so requests then go straight to the worker;
  Reap()              → ends the slot's worker and kills every process left under the slot's uid
                        (double-forked and setsid() children included).
Workers get private mount, IPC and network namespaces when `namespaces.probe` allows, so their
/tmp and IPC objects vanish with them; otherwise the zygote wipes what the uid left in shared
places. The zygote never sees submission bytes: a job sends those to its worker itself.
"""

from __future__ import annotations

import ctypes
import io
import os
import selectors
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nnkit.grade.sandbox import namespaces
from nnkit.i18n import lang
from nnkit.i18n.lang import N_, _
from nnkit.testing import warmup
from nnkit.wire import frames, messages

PR_SET_CHILD_SUBREAPER = 36
IPC_RMID = 0
# Modules students often import: loaded here, so a worker needs no access to the interpreter's
# files for them (without a sandbox, the interpreter may sit where the worker uid cannot read).
PRELOAD = ("math", "random", "statistics", "itertools", "functools", "collections", "typing",
           "dataclasses", "pathlib", "copy", "json", "re", "time", "numbers", "operator", "warnings",
           "encodings.idna", "csv", "string", "textwrap")
KILL_ROUNDS = 100
EXIT_GRACE_ROUNDS = 20
REQUEST_SECONDS = 30.0


def prepare() -> None:
    """Import and warm up everything a worker needs, so no worker pays for it."""
    import importlib

    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    import torch.nn.functional
    import torch.optim


    for name in PRELOAD:
        importlib.import_module(name)
    warmup.pay_lazy_imports()
    lang.prepare()  # once here: a worker may have no file descriptor left to open the catalog
    x = torch.ones(4, 4)
    buffer = io.BytesIO()  # torch.load/save import more modules on first use
    torch.save({"x": x}, buffer)
    buffer.seek(0)
    torch.load(buffer, weights_only=True)
    str(x)


@dataclass
class Slot:
    """One job's connection and its current worker."""

    control: socket.socket
    worker: int | None = None
    uid: int | None = None


class Zygote:
    """Starts workers and cleans up after them."""

    def __init__(self, scratch: Path, sandboxed: bool):
        self.scratch = scratch
        self.sandboxed = sandboxed
        self.private = namespaces.probe()
        self.statuses: dict[int, int] = {}  # exit statuses of workers reaped early
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of workers come back here
        self.slots: list[Slot] = []

    def spawn(self, slot: Slot, spec: messages.Spawn) -> None:
        from nnkit.grade.sandbox import worker

        self.reap(slot)
        ours, theirs = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            ours.close()
            worker.run(theirs, spec, self.private, str(self.scratch))
        theirs.close()
        slot.worker, slot.uid = pid, spec.uid
        fds = [ours.fileno()]
        try:  # lets the job see the worker end even if a child of it keeps the socket open
            fds.append(os.pidfd_open(pid))
        except (AttributeError, OSError):
            pass
        frames.send_fds(slot.control, fds, messages.Spawned(pid=pid).header())
        for fd in fds[1:]:
            os.close(fd)
        ours.close()

    def reap(self, slot: Slot) -> str:
        """End the slot's worker and everything it left behind; say how it ended."""
        if slot.worker is None:
            return "no worker"
        ended = self._end_worker(slot.worker)
        if slot.uid is not None and slot.uid not in (0, os.getuid()):
            self._kill_uid(slot.uid)
        self._collect()
        if not self.private:
            self._wipe(slot.worker, slot.uid)
        slot.worker = None
        return ended

    def _end_worker(self, pid: int) -> str:
        status = self.statuses.pop(pid, None)
        if status is None:
            done, status = os.waitpid(pid, os.WNOHANG)
            for _round in range(EXIT_GRACE_ROUNDS):  # the job may see it end a moment before we can
                if done:
                    break
                time.sleep(0.005)
                done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                return "stopped by the grader"
        return describe_status(status)

    def _kill_uid(self, uid: int) -> None:
        """SIGKILL every process of `uid`: a helper takes that uid and signals -1, until none is left."""
        for _round in range(KILL_ROUNDS):
            helper = os.fork()
            if helper == 0:
                try:
                    os.setresgid(uid, uid, uid)
                    os.setresuid(uid, uid, uid)
                    os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            os.waitpid(helper, 0)
            self._collect()
            if not processes_of(uid):
                return
            time.sleep(0.01)

    def _collect(self) -> None:
        """Reap every child that ended; keep the statuses of workers still to be reaped."""
        workers = {slot.worker for slot in self.slots}
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in workers:
                self.statuses[pid] = status

    def _wipe(self, pid: int, uid: int | None) -> None:
        """Without private namespaces: remove the worker's folder and what its uid left behind."""
        _remove(self.scratch / f"nnkit-{pid}")
        if uid is None:
            return
        for place in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
            for entry in _entries(place):
                if _owner(entry) == uid:
                    _remove(entry)
        self._remove_ipc(uid)

    def _remove_ipc(self, uid: int) -> None:
        """Delete the System V shared memory, semaphores and queues of `uid`."""
        calls = {"shm": lambda i: self.libc.shmctl(i, IPC_RMID, None),
                 "sem": lambda i: self.libc.semctl(i, 0, IPC_RMID),
                 "msg": lambda i: self.libc.msgctl(i, IPC_RMID, None)}
        for kind, remove in calls.items():
            try:
                lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
            except OSError:
                continue
            columns = lines[0].split() if lines else []
            for line in lines[1:]:
                row = dict(zip(columns, line.split()))
                if str(uid) in (row.get("uid"), row.get("cuid")):
                    remove(int(line.split()[1]))

    def serve(self, controls: list[socket.socket]) -> None:
        """Answer the jobs until every one of them has hung up."""
        selector = selectors.DefaultSelector()
        for control in controls:
            slot = Slot(control)
            self.slots.append(slot)
            selector.register(control, selectors.EVENT_READ, slot)
            frames.send(control, messages.Ready(pid=os.getpid(), uid=os.getuid(), sandboxed=self.sandboxed,
                                                private=self.private).header())
        while selector.get_map():
            for key, _events in selector.select():
                slot = key.data
                try:
                    request = messages.decode(frames.recv(slot.control, REQUEST_SECONDS)[0],
                                              messages.Spawn, messages.Reap)
                    if isinstance(request, messages.Spawn):
                        self.spawn(slot, request)
                    else:
                        frames.send(slot.control, messages.Reaped(ended=self.reap(slot)).header())
                    continue
                except (frames.FrameError, messages.MessageError, OSError):
                    pass  # the job went away
                self.reap(slot)
                selector.unregister(slot.control)
                slot.control.close()


def describe_status(status: int) -> str:
    """A wait status in words a student can act on."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        why = {"SIGKILL": N_("killed (memory or process limit, or the grader)"),
               "SIGXCPU": N_("CPU time limit reached"), "SIGXFSZ": N_("file size limit reached"),
               "SIGSEGV": N_("crashed (segmentation fault)"), "SIGABRT": N_("aborted")}.get(
                   name, N_("killed"))
        return _("{why}, signal {name}").format(why=_(why), name=name)
    if os.WIFEXITED(status):
        return _("exited with code {code}").format(code=os.WEXITSTATUS(status))
    return _("ended (status {status})").format(status=status)


def processes_of(uid: int) -> list[int]:
    """Live (non-zombie) processes whose real uid is `uid`, as far as /proc shows."""
    found = []
    for entry in _entries(Path("/proc")):
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        uid_matches = fields.get("Uid", "").split()[:1] == [str(uid)]
        if uid_matches and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(entry.name))
    return found


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _owner(path: Path) -> int | None:
    try:
        return path.lstat().st_uid
    except OSError:
        return None


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink()
    except OSError:
        pass


def main(argv: list[str]) -> int:
    controls = [socket.socket(fileno=int(fd)) for fd in argv[0].split(",")]
    prepare()
    Zygote(Path(argv[1]), "--sandboxed" in argv[2:]).serve(controls)
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    os._exit(main(sys.argv[1:]))  # skip tearing down torch: nothing is left to clean
