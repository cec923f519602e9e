"""Warm processes: torch, pytest and the kit imported and warmed up before a check is asked for.

`nnkit watch` and the check server each keep one `WarmProcess`, started with
`python -m nnkit.student.warm`. It warms up, says `Warm`, and waits for a `Job` on its stdin:
- on Linux it forks a fresh child for each job and stays warm for the next;
- elsewhere (Windows has no fork; on macOS forking a process that holds torch can hang or crash
  the child) it runs its one job itself and exits, and its owner at once spawns the next one,
  which warms up while the student edits.
Either way each job runs in a process that has run no check before, and answers `Done` with the
verdicts. Messages cross the process's stdin and stdout in the kit's one framing; whatever the
student's code prints goes to the log, never into the answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import BinaryIO

from nnkit.i18n.lang import _
from nnkit.student import system
from nnkit.wire import frames, messages
from nnkit.wire.messages import Done, Job, Warm


class WarmProcess:
    """The owner's side: one warm process, replaced when it is used up or breaks."""

    def __init__(self, log: Path | None = None):
        self.log = log
        self.process: subprocess.Popen | None = None
        self.forks: bool | None = None  # known once it said Warm
        self.ready = threading.Event()
        self.lock = threading.Lock()  # one job at a time
        self.guard = threading.Lock()  # `running` against `end`
        self.running: Job | None = None  # the job the warm process runs now

    def start(self) -> None:
        """Spawn a warm process now, if none is running; it warms up in the background."""
        if self.process is not None and self.process.poll() is None:
            return
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [*system.python(), "-m", "nnkit.student.warm"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=output, cwd=tempfile.gettempdir(), **system.own_group())
        finally:
            if output is not subprocess.DEVNULL:
                output.close()
        self.forks = None
        self.ready = threading.Event()
        threading.Thread(target=self._await_warm, args=(self.process, self.ready), daemon=True).start()

    def _await_warm(self, process: subprocess.Popen, ready: threading.Event) -> None:
        try:
            header, _payload = frames.read(process.stdout)
            forks = messages.decode(header, Warm).forks
            if process is self.process:
                self.forks = forks
        except (frames.FrameError, messages.MessageError):
            pass  # it ended first: wait_warm finds out
        ready.set()

    @property
    def warm(self) -> bool:
        """Whether a warm process is ready for a job right now."""
        return self.process is not None and self.ready.is_set() and self.forks is not None

    def wait_warm(self) -> bool:
        """Block until the process is warm; False if it ended first."""
        self.start()
        self.ready.wait()
        if self.forks is None:
            self.close()
            return False
        return True

    def run(self, job: Job, cancelled: threading.Event | None = None) -> Done:
        """Run one job in the warm process; the next is started at once where it is used up.
        A job `cancelled` before its turn came is not run (an empty `Done`)."""
        with self.lock:
            if not self.wait_warm():
                return Done(problem=ended_early(self.log))
            process = self.process
            with self.guard:
                if cancelled is not None and cancelled.is_set():
                    return Done()
                self.running = job
            try:
                frames.write(process.stdin, job.header())
                header, _payload = frames.read(process.stdout)
                done = messages.decode(header, Done)
            except (frames.FrameError, messages.MessageError, OSError, ValueError):
                self.close()  # (a closed stream raises ValueError: `end` closed it)
                done = Done(problem=ended_early(self.log))
            finally:
                with self.guard:
                    self.running = None
            if not self.forks:
                self.close()
                self.start()
            return done

    def end(self, job: Job) -> bool:
        """End `job` if it is the one running now (its warm process goes with it); False if it is
        not: still waiting for its turn, or done. Another owner's job is never touched."""
        with self.guard:
            if self.running is not job:
                return False
            self.close()
            return True

    def close(self) -> None:
        """End the warm process and any job it runs."""
        process, self.process = self.process, None
        self.forks = None
        if process is None:
            return
        system.kill(process)
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def ended_early(log: Path | None) -> str:
    if log:
        return _("The process running the checks ended before it answered (see {log}). If your code ends "
                 "its own process (os._exit, sys.exit at import time), remove that; else run "
                 "`nnkit check --no-server` to see what happens.").format(log=log)
    return _("The process running the checks ended before it answered. If your code ends its own process "
             "(os._exit, sys.exit at import time), remove that; else run `nnkit check --no-server` to see "
             "what happens.")


# ---------------------------------------------------------------- the warm process itself
def run_job(job: Job) -> Done:
    """Become the student's process for one job (their folder and environment), run the checks."""
    from nnkit.student import public_checks

    try:
        os.chdir(job.cwd)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in job.env.items()})
        verdicts, problems = public_checks.run_checks(job.ids, job.path)
    except Exception as error:
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        return Done(problem=_("The checks could not run here ({kind}: {error}); try "
                              "`nnkit check --no-server`.").format(kind=type(error).__name__, error=error))
    return Done(verdicts=[v.to_dict() for v in verdicts], problem="; ".join(problems) or None)


def forked(job: Job) -> Done:
    """Run the job in a fresh forked child and pass on what it answered (Linux)."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        code = 0
        try:
            with os.fdopen(writing, "wb") as answer:
                frames.write(answer, run_job(job).header())
        except BaseException:
            code = 1
        os._exit(code)
    os.close(writing)
    with os.fdopen(reading, "rb") as answer:
        try:
            header, _payload = frames.read(answer)
            done = messages.decode(header, Done)
        except (frames.FrameError, messages.MessageError):
            done = None
    _pid, status = os.waitpid(pid, 0)
    if done is None:
        done = Done(problem=_("The checks' process ended with status {status} before it answered. If your "
                              "code ends its own process (os._exit, sys.exit at import time), remove "
                              "that.").format(status=os.waitstatus_to_exitcode(status)))
    return done


def serve(requests: BinaryIO, answers: BinaryIO) -> int:
    from nnkit.testing import warmup

    warmup.prepare_checks()
    forks = system.can_fork()
    frames.write(answers, Warm(pid=os.getpid(), forks=forks).header())
    while True:
        try:
            header, _payload = frames.read(requests)
            job = messages.decode(header, Job)
        except (frames.FrameError, messages.MessageError):
            return 0  # the owner went away
        frames.write(answers, (forked(job) if forks else run_job(job)).header())
        if not forks:
            return 0


def main() -> int:
    """Keep stdin and stdout for the protocol; anything else written to them goes to the log."""
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    answers = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    sys.stdout = sys.stderr
    return serve(requests, answers)


if __name__ == "__main__":
    sys.exit(main())
