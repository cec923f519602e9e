"""The warm check server: torch, torch._dynamo, pytest, rich and the kit imported once, a pristine
forked child per `nnkit check` (like dmypy, or Gradle's daemon).

Each request brings the client's stdout and stderr (passed over the Unix socket), its working
folder, environment, umask and import path. The child takes them on and runs the same
`check.run` as the in-process path, writing straight to the client's terminal; the server sends
back its exit status. A client that goes away (Ctrl-C, killed) takes its child with it. Only
connections from this user are served. The server exits after `--idle` seconds without work,
on `nnkit server stop`, or when a client from a changed install finds it stale.

    python -m nnkit.checkserver [--idle SECONDS]
"""

from __future__ import annotations

import argparse
import fcntl
import io
import os
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from nnkit import checkproto, forkrun, torchwarmup
from nnkit.checkproto import ProtocolError, Rendezvous

LOCK_WAIT_SECONDS = 30.0
REQUEST_SECONDS = 5.0


def log(text: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {text}", flush=True)


def warm() -> None:
    """Import and exercise what every check needs, so no child pays for it."""
    import torch

    torch.set_num_threads(1)  # the checks use one thread; no pool is then inherited by children
    torchwarmup.pay_lazy_imports()
    import pytest  # noqa: F401
    import rich.console
    import rich.markup  # noqa: F401

    from nnkit import check, executor, student  # noqa: F401
    from nnkit.harness import expect, failures, mistakes, show, standard  # noqa: F401

    check.warm_pytest()


@dataclass
class Running:
    """One request being served: its connection and its child."""

    conn: socket.socket
    pid: int
    pidfd: int
    client_gone: bool = False


class Server:
    """One process, one thread: a selector over the listening socket, each request's
    connection (its closing means the client left) and each child's pidfd (it ended)."""

    def __init__(self, place: Rendezvous, listener: socket.socket, lock: int, fingerprint: str,
                 idle: float):
        self.place = place
        self.listener = listener
        self.lock = lock
        self.fingerprint = fingerprint
        self.idle = idle
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, Running] = {}  # by pid
        self.accepting = True
        self.last_work = time.monotonic()

    def serve(self) -> None:
        self.selector.register(self.listener, selectors.EVENT_READ, ("listen", None))
        while self.accepting or self.running:
            timeout = None if self.running else max(0.0, self.last_work + self.idle - time.monotonic())
            events = self.selector.select(timeout)
            if not self.running and time.monotonic() >= self.last_work + self.idle:
                log(f"idle for {self.idle:g} s: exiting")
                self.stop_accepting()
            for key, _ in events:
                kind, item = key.data
                if kind == "listen":
                    self.accept()
                elif kind == "client":
                    self.client_left(item)
                else:
                    self.child_ended(item)

    def stop_accepting(self) -> None:
        """No new requests; requests in flight are finished before the process exits."""
        if not self.accepting:
            return
        self.accepting = False
        self.selector.unregister(self.listener)
        self.listener.close()
        # The lock is still held, so no newer server can have bound this path yet.
        self.place.socket.unlink(missing_ok=True)

    def accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.last_work = time.monotonic()
        try:
            self.handle(conn)
        except (OSError, ProtocolError) as error:
            log(f"bad request: {error}")
            conn.close()

    def handle(self, conn: socket.socket) -> None:
        pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                           struct.calcsize("3i")))
        if uid != os.getuid():
            log(f"refused a connection from uid {uid} (pid {pid})")
            checkproto.send(conn, {"ok": False, "error": "refused: another user"})
            conn.close()
            return
        conn.settimeout(REQUEST_SECONDS)
        request, fds = checkproto.receive(conn, max_fds=2)
        if request is None:
            conn.close()
            return
        op = request.get("op")
        if request.get("fingerprint") != self.fingerprint and op != "stop":
            log(f"a client from a changed install (pid {pid}): this server is stale, exiting")
            self.close_all(fds)
            checkproto.send(conn, {"ok": False, "stale": True})
            conn.close()
            self.stop_accepting()
            return
        if op == "ping":
            checkproto.send(conn, {"ok": True, "pid": os.getpid()})
            conn.close()
        elif op == "stop":
            log(f"asked to stop by pid {pid}")
            checkproto.send(conn, {"ok": True, "pid": os.getpid()})
            conn.close()
            self.stop_accepting()
        elif op == "check" and len(fds) == 2:
            try:
                self.start_check(conn, request, fds)
            finally:
                self.close_all(fds)
        else:
            self.close_all(fds)
            checkproto.send(conn, {"ok": False, "error": f"unknown request {op!r}"})
            conn.close()

    def start_check(self, conn: socket.socket, request: dict, fds: list[int]) -> None:
        conn.settimeout(None)

        def setup() -> None:
            self.forget_in_child(conn)
            take_on(request, fds)

        from nnkit import check

        path = request.get("path")
        child = forkrun.start(lambda: check.run(request.get("selector"), Path(path) if path else None),
                              setup)
        try:
            os.setpgid(child, child)  # the child does it too: whoever runs first, kill() can count on it
        except OSError:
            pass
        pidfd = os.pidfd_open(child)
        self.running[child] = Running(conn, child, pidfd)
        self.selector.register(conn, selectors.EVENT_READ, ("client", child))
        self.selector.register(pidfd, selectors.EVENT_READ, ("child", child))
        log(f"check {request.get('selector') or 'all'} for pid {request.get('client_pid')}: child {child}")
        try:
            checkproto.send(conn, {"ok": True, "child": child})
        except OSError:
            self.client_left(child)

    def client_left(self, child: int) -> None:
        """The client hung up before its child finished (Ctrl-C, killed): end the child."""
        running = self.running.get(child)
        if running is not None and not running.client_gone:
            running.client_gone = True
            self.selector.unregister(running.conn)
            self.kill(child, "its client went away")

    @staticmethod
    def kill(child: int, why: str) -> None:
        try:
            os.killpg(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log(f"killed child {child}: {why}")

    def end_children(self) -> None:
        """On the way out (SIGTERM): no child may outlive the server and write on alone."""
        for child in list(self.running):
            self.kill(child, "the server is exiting")

    def child_ended(self, child: int) -> None:
        running = self.running.pop(child)
        if not running.client_gone:
            self.selector.unregister(running.conn)
        self.selector.unregister(running.pidfd)
        os.close(running.pidfd)
        code = forkrun.wait(child)
        try:
            checkproto.send(running.conn, {"ok": True, "status": code})
        except OSError:
            pass
        running.conn.close()
        self.last_work = time.monotonic()

    def forget_in_child(self, conn: socket.socket) -> None:
        """In a request's child: drop every descriptor of the server, restore default signals."""
        os.setpgid(0, 0)
        for running in self.running.values():
            running.conn.close()
            os.close(running.pidfd)
        self.selector.close()
        self.listener.close()
        os.close(self.lock)
        conn.close()
        for name in ("SIGTERM", "SIGHUP", "SIGCHLD"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    @staticmethod
    def close_all(fds: list[int]) -> None:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


def take_on(request: dict, fds: list[int]) -> None:
    """Become the client for the length of one check: its terminal, folder, environment."""
    out, err = fds
    null = os.open(os.devnull, os.O_RDONLY)
    for source, target in ((null, 0), (out, 1), (err, 2)):
        os.dup2(source, target)
        os.close(source)
    os.chdir(request["cwd"])
    os.umask(int(request.get("umask", 0o022)))
    os.environ.clear()
    os.environ.update(request.get("env", {}))
    sys.argv = list(request.get("argv", ["nnkit"]))
    if request.get("path_entry") is not None:
        sys.path[0] = request["path_entry"]
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = sys.__stdout__ = text_stream(1, request.get("stdout", {}), os.isatty(1))
    sys.stderr = sys.__stderr__ = text_stream(2, request.get("stderr", {}), True)


def text_stream(fd: int, like: dict, line_buffering: bool) -> io.TextIOWrapper:
    """A text stream on `fd` with the client's encoding, as Python would have opened it."""
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=like.get("encoding") or "utf-8",
                            errors=like.get("errors") or "strict", line_buffering=line_buffering)


def hold_lock(place: Rendezvous, wait: float) -> int | None:
    """The lock that makes this the only server of its rendezvous; None if another keeps it."""
    fd = os.open(place.lock, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.1)


def listen(place: Rendezvous) -> socket.socket:
    """Bind under a temporary name and move it into place: a client never meets a socket
    whose server is still warming up."""
    temporary = place.folder / f"check-{place.key}.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(temporary))
    listener.listen(16)
    os.replace(temporary, place.socket)
    return listener


def serve(idle: float) -> int:
    if not checkproto.supported():
        log("this system lacks pidfd_open or SO_PEERCRED: no server")
        return 1
    place = checkproto.rendezvous()
    if not checkproto.private_folder(place.folder, create=True):
        log(f"{place.folder} is not a folder of this user's alone (mode 0700): no server")
        return 1
    lock = hold_lock(place, LOCK_WAIT_SECONDS)
    if lock is None:
        log("another server holds the lock: exiting")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    started = time.monotonic()
    fingerprint = checkproto.fingerprint()  # before warming: a file changed meanwhile makes it stale
    warm()
    listener = listen(place)
    server = Server(place, listener, lock, fingerprint, idle)
    log(f"warm in {time.monotonic() - started:.2f} s, serving {place.socket} (idle timeout {idle:g} s)")
    try:
        server.serve()
    finally:
        server.stop_accepting()
        server.end_children()
        os.close(lock)
    log("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnkit.checkserver", description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=checkproto.idle_seconds(),
                        help="seconds without a request before the server exits")
    return serve(parser.parse_args(argv).idle)


if __name__ == "__main__":
    sys.exit(main())
