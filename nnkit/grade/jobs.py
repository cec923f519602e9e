"""Parallel grading: N trusted job processes sharing one sandboxed zygote.

The main process forks the jobs after importing torch and pytest, so they start at once. A job
grades one submission at a time by running pytest on the hidden tests in-process with a
`GradingSession` whose student lives in a worker; it sends the raw results back as JSON. A job
that dies or overruns is replaced and its submission marked as a grader problem; the batch goes on.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from nnkit import kitpaths, torchwarmup
from nnkit.grade import sandbox
from nnkit.grade.supervisor import WorkerLink, ZygoteError, ZygoteLink, end, launch

JOB_START_SECONDS = 180.0
JOB_SLACK_SECONDS = 120.0
MAX_JOB_FAILURES = 3
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Settings:
    """What every job needs to know; inherited by fork, never sent to a worker."""

    tests: Path
    data: Path
    work: Path
    limits: sandbox.Limits
    isolation: sandbox.Isolation
    uids: tuple[int | None, ...] = ()  # the worker uid of each slot (see `uids`)


def pytest_args(tests: Path, folder: Path, data: Path) -> list[str]:
    """The pytest command line of one submission's hidden tests: quiet, no cache, no plugins
    that reorder or randomise, none the grader has no use for, and none that collects the
    garbage of the whole heap after every run (unraisableexception: a second with torch)."""
    unused = ("terminal", "cacheprovider", "randomly", "xdist", "unraisableexception",
              "threadexception", "logging", "warnings", "faulthandler", "doctest", "junitxml",
              "pastebin", "nose", "stepwise", "legacypath")
    return [str(tests), *(arg for name in unused for arg in ("-p", f"no:{name}")), "-o", "addopts=",
            "--rootdir", str(tests.parent), "--nnkit-path", str(folder), "--nnkit-data", str(data)]


def grade_one(task: dict, zygote: ZygoteLink, settings: Settings, data: dict[str, bytes]) -> dict:
    """Run the hidden tests against one staged submission; the raw results, not yet scored."""
    import pytest

    from nnkit.grade.plugin import GradingSession

    started = time.monotonic()
    folder = Path(task["staged"])
    files = {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}
    link = WorkerLink(zygote, files, data, settings.limits)
    session = GradingSession(link, folder)
    try:
        code = pytest.main(pytest_args(settings.tests, folder, settings.data), plugins=[session])
    finally:
        link.close()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        session.problems.append(f"pytest on {settings.tests} ended with {code!r}; see the job log")
    print(f"{task['student']}: {len(session.results)} tests in {time.monotonic() - started:.2f} s, "
          f"{link.restarts} worker restarts", file=sys.stderr, flush=True)
    return {"student": task["student"], "tests": session.records(), "grader_problems": session.problems,
            "restarts": link.restarts}


def warm(settings: Settings) -> None:
    """Import what every job needs once, before they fork: the hidden tests (by collecting them
    against an empty folder) and torch's lazy imports."""
    import pytest

    torchwarmup.pay_lazy_imports()
    empty = settings.work / "empty"
    empty.mkdir(exist_ok=True)
    log = settings.work / "collect.log"
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # no __pycache__ in the hidden tests' folder: write only OUT_DIR
    with open(log, "wb") as handle:
        saved = os.dup(1), os.dup(2)
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            pytest.main([*pytest_args(settings.tests, empty, settings.data), "--collect-only"])
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            sys.dont_write_bytecode = writes_bytecode


def job_main(slot: int, conn: Connection, settings: Settings, zygote: ZygoteLink,
             others: list[socket.socket], parent: int) -> None:
    """A job process: wait for the zygote, then grade whatever the main process sends.

    It dies with the grader (a killed grader leaves no job behind to finish a student whose
    record nobody will keep) and writes no bytecode next to the hidden tests."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the grader died before the line above took effect
        os._exit(1)
    for other in others:  # inherited sockets of the other jobs: keep only our own
        other.close()
    sys.dont_write_bytecode = True
    with open(zygote.log, "ab") as handle:  # keep pytest's and torch's chatter off the terminal
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    import torch

    torch.set_num_threads(1)  # N jobs and their workers already fill the cores
    data = {path.name: path.read_bytes() for path in sorted(settings.data.glob("*.pt"))}
    try:
        zygote.connect()
        conn.send_bytes(json.dumps({"ready": True}).encode())
        while True:
            task = json.loads(conn.recv_bytes())
            if task is None:
                break
            conn.send_bytes(json.dumps(grade_one(task, zygote, settings, data)).encode())
    except (EOFError, OSError, ZygoteError) as error:
        print(f"job {slot} stops: {error}", file=sys.stderr)
    finally:
        zygote.stop()


class Pool:
    """Hands submissions to job processes and collects their results as they finish.

    One zygote serves every job: it starts first, so it imports torch while this process warms
    up; then each job is forked with its socket to it. A job that is replaced later starts a
    private zygote of its own."""

    def __init__(self, jobs: int, settings: Settings):
        self.settings = settings
        self.context = multiprocessing.get_context("fork")
        self.jobs: dict[int, tuple[multiprocessing.Process, Connection]] = {}
        self.failures: dict[int, int] = {}
        self.zygote, self.controls, self.scratch = launch(settings.isolation, jobs,
                                                          settings.work / "zygote.log")
        warm(settings)
        for slot, control in enumerate(self.controls):
            self._start(slot, control)

    def _start(self, slot: int, control: socket.socket | None = None) -> None:
        ours, theirs = self.context.Pipe()
        zygote = ZygoteLink(self.settings.uids[slot], self.settings.isolation, self.settings.limits,
                            self.settings.work / f"job-{slot}.log", control)
        others = [other for other in self.controls if other is not control]
        process = self.context.Process(target=job_main, args=(slot, theirs, self.settings, zygote, others, os.getpid()),
                                       name=f"nnkit-job-{slot}", daemon=True)
        process.start()
        theirs.close()
        if control is not None:
            control.close()  # the job holds it now: when the job dies, the zygote lets go of it
        self.jobs[slot] = (process, ours)

    def run(self, tasks: list[dict], on_result: Callable[[dict], None]) -> None:
        """Grade every task; `on_result` gets each raw result (or a grader-problem record)."""
        pending = list(reversed(tasks))
        busy: dict[int, tuple[dict, float]] = {}
        ready: set[int] = set()
        started = {slot: time.monotonic() for slot in self.jobs}
        while pending or busy:
            for slot in sorted(ready - set(busy)):
                if pending:
                    task = pending.pop()
                    self.jobs[slot][1].send_bytes(json.dumps(task).encode())
                    busy[slot] = (task, time.monotonic())
            conns = {conn: slot for slot, (_, conn) in self.jobs.items()}
            for conn in wait(list(conns), timeout=1.0):
                slot = conns[conn]
                try:
                    message = json.loads(conn.recv_bytes())
                except (EOFError, OSError, ValueError):
                    self._replace(slot, busy, ready, started, on_result, "stopped unexpectedly")
                    continue
                if message.get("ready"):
                    ready.add(slot)
                else:
                    busy.pop(slot, None)
                    on_result(message)
            now = time.monotonic()
            for slot, (task, since) in list(busy.items()):
                if now - since > self.settings.limits.total_seconds + JOB_SLACK_SECONDS:
                    self._replace(slot, busy, ready, started, on_result, "did not finish in time")
            for slot in [s for s in self.jobs if s not in ready and now - started[s] > JOB_START_SECONDS]:
                self._replace(slot, busy, ready, started, on_result, "did not start")
            if not self.jobs:
                raise RuntimeError(f"no grading job could start; see the job logs in {self.settings.work}")

    def _replace(self, slot: int, busy: dict, ready: set, started: dict,
                 on_result: Callable[[dict], None], why: str) -> None:
        """Kill a job that died or hung (the zygote ends its worker), report its task, start anew."""
        process, conn = self.jobs.pop(slot)
        process.kill()
        process.join()
        conn.close()
        ready.discard(slot)
        if slot in busy:
            task, _ = busy.pop(slot)
            on_result({"student": task["student"], "tests": [], "restarts": 0,
                       "grader_problems": [f"the grading job {why}; see {self.settings.work}/job-{slot}.log"]})
        self.failures[slot] = self.failures.get(slot, 0) + 1
        if self.failures[slot] < MAX_JOB_FAILURES:
            self._start(slot)
            started[slot] = time.monotonic()

    def close(self, now: bool = False) -> None:
        """Let the jobs finish (or, `now`, kill them), then wait for the zygote to end."""
        for process, conn in self.jobs.values():
            try:
                conn.send_bytes(b"null")
            except OSError:
                pass
            if now:
                process.kill()
        for process, conn in self.jobs.values():
            process.join(timeout=15)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        end(self.zygote, self.scratch)


def default_settings(work: Path, limits: sandbox.Limits, isolation: sandbox.Isolation,
                     tests: Path | None = None) -> Settings:
    root = kitpaths.kit_root()
    return Settings(tests=(tests or root / "autograder").resolve(), data=kitpaths.data_dir(root / "exercises"),
                    work=work, limits=limits, isolation=isolation)
