"""The fork server of one job slot: imports torch once, then forks a worker per submission.

Run as `python -m nnkit.grade.zygote FD SCRATCH [--sandboxed]`, inside bubblewrap when it
works. FD is a Unix socket to the trusted job process. Requests:
  spawn {uid, rlimits} → forks a worker (see `worker`) and passes the job one end of a fresh
                         socket pair, so requests then go straight to the worker;
  reap {}              → ends the worker, kills every process left under its uid (double-forked
                         and setsid() children included), and wipes its files, /tmp and IPC
                         objects, so nothing survives into the next student's worker.
The zygote never sees submission bytes: the job sends those to the worker itself.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

from nnkit.grade import channel

PR_SET_CHILD_SUBREAPER = 36
IPC_RMID = 0
PRELOAD = ("math", "random", "statistics", "itertools", "functools", "collections", "typing",
           "dataclasses", "pathlib", "copy", "json", "re", "time", "numbers", "operator", "warnings")
KILL_ROUNDS = 100


def prepare() -> None:
    """Import and warm up everything a worker needs, so no worker pays for it."""
    import importlib

    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    import torch.nn.functional  # noqa: F401
    import torch.optim

    import nnkit.executor  # noqa: F401
    import nnkit.grade.worker  # noqa: F401

    for name in PRELOAD:
        importlib.import_module(name)
    x = torch.randn(4, 4, requires_grad=True)
    layer = torch.nn.Linear(4, 3)
    loss = torch.nn.functional.cross_entropy(layer(x @ x), torch.tensor([0, 1, 2, 0]))
    loss.backward()
    torch.optim.Adam(layer.parameters()).step()
    torch.optim.SGD(layer.parameters(), lr=0.1).step()


class Zygote:
    """Starts workers and cleans up after them."""

    def __init__(self, scratch: Path, sandboxed: bool):
        self.scratch = scratch
        self.sandboxed = sandboxed
        self.worker: int | None = None
        self.uid: int | None = None
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of workers come back here

    def spawn(self, control: socket.socket, spec: dict) -> None:
        from nnkit.grade import worker

        self.reap()
        ours, theirs = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            ours.close()
            worker.run(theirs, spec, str(self.scratch))
        theirs.close()
        self.worker, self.uid = pid, spec.get("uid")
        channel.send_fd(control, ours.fileno(), {"ok": True, "pid": pid})
        ours.close()

    def reap(self) -> str:
        """End the current worker and everything it left behind; say how it ended."""
        if self.worker is None:
            return "no worker"
        ended = self._end_worker(self.worker)
        if self.uid is not None and self.uid not in (0, os.getuid()):
            self._kill_uid(self.uid)
        self._reap_orphans()
        self._wipe()
        self.worker = None
        return ended

    def _end_worker(self, pid: int) -> str:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
            return "stopped by the grader"
        return describe_status(status)

    def _kill_uid(self, uid: int) -> None:
        """SIGKILL every process of `uid`: a helper takes that uid and signals -1, until none is left."""
        for _ in range(KILL_ROUNDS):
            helper = os.fork()
            if helper == 0:
                try:
                    os.setresgid(uid, uid, uid)
                    os.setresuid(uid, uid, uid)
                    os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            os.waitpid(helper, 0)
            self._reap_orphans()
            if not processes_of(uid):
                return
            time.sleep(0.01)

    @staticmethod
    def _reap_orphans() -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def _wipe(self) -> None:
        """Remove the worker's folders and whatever it wrote to shared places."""
        if self.sandboxed:
            places = [self.scratch, Path("/dev/shm")]
            for place in places:
                for entry in _entries(place):
                    _remove(entry)
        else:
            for entry in _entries(self.scratch):
                _remove(entry)
            if self.uid is not None:
                for place in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
                    for entry in _entries(place):
                        if _owner(entry) == self.uid:
                            _remove(entry)
        self._remove_ipc(None if self.sandboxed else self.uid)

    def _remove_ipc(self, uid: int | None) -> None:
        """Delete System V shared memory, semaphores and queues (of `uid`, or all in our namespace)."""
        calls = {"shm": lambda i: self.libc.shmctl(i, IPC_RMID, None),
                 "sem": lambda i: self.libc.semctl(i, 0, IPC_RMID),
                 "msg": lambda i: self.libc.msgctl(i, IPC_RMID, None)}
        for kind, remove in calls.items():
            try:
                lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
            except OSError:
                continue
            if not lines:
                continue
            columns = lines[0].split()
            for line in lines[1:]:
                row = dict(zip(columns, line.split()))
                owners = {row.get("uid"), row.get("cuid")}
                if uid is None or str(uid) in owners:
                    remove(int(line.split()[1]))


def describe_status(status: int) -> str:
    """A wait status in words a student can act on."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        why = {"SIGKILL": "killed (memory or process limit, or the grader)",
               "SIGXCPU": "CPU time limit reached", "SIGXFSZ": "file size limit reached",
               "SIGSEGV": "crashed (segmentation fault)", "SIGABRT": "aborted"}.get(name, "killed")
        return f"{why}, signal {name}"
    if os.WIFEXITED(status):
        return f"exited with code {os.WEXITSTATUS(status)}"
    return f"ended (status {status})"


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
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
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
            for root, dirs, _ in os.walk(path):  # a worker may leave folders it made unreadable
                for name in dirs:
                    os.chmod(os.path.join(root, name), 0o700)
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[0]))
    scratch, sandboxed = Path(argv[1]), "--sandboxed" in argv[2:]
    prepare()
    zygote = Zygote(scratch, sandboxed)
    channel.send(control, {"op": "ready", "pid": os.getpid(), "uid": os.getuid(),
                           "sandboxed": sandboxed})
    while True:
        try:
            request, _ = channel.recv(control)
        except channel.ChannelError:
            break
        if request.get("op") == "spawn":
            zygote.spawn(control, request)
        elif request.get("op") == "reap":
            channel.send(control, {"ok": True, "ended": zygote.reap()})
        else:
            break
    zygote.reap()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
