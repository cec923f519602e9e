"""Parallel grading: N trusted job processes sharing one sandboxed zygote.

The main process forks the jobs after importing torch and pytest, so they start at once. A job
grades one submission at a time: it runs the course's public checks and hidden tests in-process
(`nnkit.testing.run`) against a `Submission` that lives in a worker, and sends the raw verdicts
back as JSON. A job
that dies or overruns is replaced and its submission marked as a grader problem; the batch goes on.
"""

from __future__ import annotations

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

from nnkit.course import catalog, layout
from nnkit.grade.sandbox import bwrap, limits
from nnkit.grade.sandbox.limits import Limits
from nnkit.grade.sandbox.links import WorkerLink, ZygoteError, ZygoteLink, end, launch
from nnkit.i18n.lang import _
from nnkit.submission.proxy import Submission
from nnkit.testing import warmup

JOB_START_SECONDS = 180.0
JOB_SLACK_SECONDS = 120.0
MAX_JOB_FAILURES = 3


@dataclass(frozen=True)
class Settings:
    """What every job needs to know; inherited by fork, never sent to a worker."""

    course: Path  # the course folder: its public checks and hidden tests grade every submission
    tests: tuple[Path, ...]  # those test files, in the course's order
    data: Path
    work: Path
    limits: Limits
    isolation: bwrap.Isolation
    uids: tuple[int | None, ...] = ()  # the worker uid of each slot (see `uids`)


def grade_one(task: dict, zygote: ZygoteLink, settings: Settings, data: dict[str, bytes]) -> dict:
    """Run the public checks and hidden tests against one staged submission; the raw verdicts,
    not yet scored."""
    from nnkit.testing import run

    started = time.monotonic()
    folder = Path(task["staged"])
    files = {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}
    link = WorkerLink(zygote, files, data, settings.limits)
    checks = run.Run(Submission(link), folder, settings.data, on_seed=link.seed_next)
    try:
        run.run(settings.tests, checks, settings.course)
    finally:
        link.close()
    problems = checks.problems + [_("{test} has no exercise marker: it counts for nothing").format(test=test)
                                  for test in checks.unmarked]
    print(f"{task['student']}: {len(checks.verdicts)} tests in {time.monotonic() - started:.2f} s, "
          f"{link.restarts} worker restarts", file=sys.stderr, flush=True)
    return {"student": task["student"], "tests": [v.to_dict() for v in checks.results()],
            "grader_problems": problems, "restarts": link.restarts}


def warm(settings: Settings) -> None:
    """Import what every job needs once, before they fork: the tests (collected, not run) and
    torch's lazy imports."""
    from nnkit.testing import run

    warmup.pay_lazy_imports()
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # no __pycache__ in the course's folders: write only OUT_DIR
    with open(settings.work / "collect.log", "wb") as handle:
        saved = os.dup(1), os.dup(2)
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            run.collect(settings.tests, settings.course)
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
    limits.die_with_parent()
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
        args = (slot, theirs, self.settings, zygote, others, os.getpid())
        process = self.context.Process(target=job_main, args=args, name=f"nnkit-job-{slot}", daemon=True)
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
                    self._replace(slot, busy, ready, started, on_result, _("stopped unexpectedly"))
                    continue
                if message.get("ready"):
                    ready.add(slot)
                else:
                    busy.pop(slot, None)
                    on_result(message)
            now = time.monotonic()
            for slot, (_task, since) in list(busy.items()):
                if now - since > self.settings.limits.total_seconds + JOB_SLACK_SECONDS:
                    self._replace(slot, busy, ready, started, on_result, _("did not finish in time"))
            for slot in [s for s in self.jobs if s not in ready and now - started[s] > JOB_START_SECONDS]:
                self._replace(slot, busy, ready, started, on_result, _("did not start"))
            if not self.jobs:
                raise RuntimeError(_("no grading job could start; see the job logs in {folder}").format(
                    folder=self.settings.work))

    def _replace(self, slot: int, busy: dict, ready: set, started: dict,
                 on_result: Callable[[dict], None], why: str) -> None:
        """Kill a job that died or hung (the zygote ends its worker), report its task, start anew."""
        process, conn = self.jobs.pop(slot)
        process.kill()
        process.join()
        conn.close()
        ready.discard(slot)
        if slot in busy:
            task, _since = busy.pop(slot)
            on_result({"student": task["student"], "tests": [], "restarts": 0,
                       "grader_problems": [_("the grading job {why}; see {log}").format(
                           why=why, log=f"{self.settings.work}/job-{slot}.log")]})
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


def default_settings(work: Path, limits: Limits, isolation: bwrap.Isolation,
                     course: Path | None = None) -> Settings:
    """Grade with the course's public checks and hidden tests of every exercise file."""
    course = (course or layout.course_root()).resolve()
    stems = catalog.files()
    tests = layout.checks_of(course / "exercises", stems) + layout.checks_of(course / "autograder", stems)
    return Settings(course=course, tests=tuple(tests), data=layout.data_dir(course / "exercises"),
                    work=work, limits=limits, isolation=isolation)
