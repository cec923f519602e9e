"""The warm check server: it keeps a warm process ready (see `warm`) and hands it each
`nnkit check`, so only the first check of a session pays for importing torch (like dmypy, or
Gradle's daemon).

It listens on 127.0.0.1 and serves only clients that prove they hold this user's secret (see
`rendezvous`); it proves the same to them before they send anything. Each request is one `Job`:
the client's folder, environment and exercise ids; the answer is the job's `Done`. A client that
goes away (Ctrl-C, killed) takes its job with it. The server imports neither torch nor pytest
itself. It exits after `--idle` seconds without work, on `nnkit server stop`, or when a client
from a changed install (another fingerprint) finds it stale; the checks in flight finish first.

    python -m nnkit.student.server --fingerprint F [--idle SECONDS]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from contextlib import suppress

from nnkit.student import rendezvous, single
from nnkit.student.rendezvous import Rendezvous
from nnkit.student.warm import WarmProcess
from nnkit.wire import frames, messages

HANDSHAKE_SECONDS = 5.0
LOCK_WAIT_SECONDS = 30.0


def log(text: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {text}", file=sys.stderr, flush=True)


class Server:
    def __init__(self, place: Rendezvous, listener: socket.socket, secret: str, fingerprint: str,
                 idle: float, warm: WarmProcess):
        self.place, self.listener, self.secret = place, listener, secret
        self.fingerprint, self.idle, self.warm = fingerprint, idle, warm
        self.last_work = time.monotonic()
        self.busy = 0  # jobs in flight
        self.connections = 0  # accepted and not yet answered (a job among them may not be counted yet)
        self.stopping = threading.Event()
        self.state = threading.Condition()

    def serve(self) -> None:
        self.listener.settimeout(1.0)
        while not self.stopping.is_set():
            with self.state:
                idle = not self.busy and time.monotonic() - self.last_work >= self.idle
            if idle:
                log(f"idle for {self.idle:g} s: exiting")
                break
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            with self.state:
                self.connections += 1
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()
        self.listener.close()
        self.drain()

    def drain(self) -> None:
        """Wait until the jobs in flight are done (Stop promises to finish them), so the warm
        process is closed under none of them."""
        with self.state:
            if self.busy:
                log(f"finishing {self.busy} job(s) in flight before exiting")
            self.state.wait_for(lambda: not self.busy and not self.connections)

    def handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                try:
                    request = self.greet(conn)
                    if request is not None:
                        self.answer(conn, request)
                except (frames.FrameError, messages.MessageError, OSError) as error:
                    log(f"a connection failed: {error}")
        finally:
            with self.state:
                self.connections -= 1
                self.state.notify_all()

    def greet(self, conn: socket.socket) -> messages.Message | None:
        """Both sides prove they hold the secret; the client's request comes with its proof."""
        knock = messages.decode(frames.recv(conn, HANDSHAKE_SECONDS, limit=1 << 16)[0], messages.Knock)
        server_nonce = rendezvous.new_nonce()
        proof = rendezvous.proof(self.secret, "server", knock.nonce)
        challenge = messages.Challenge(nonce=server_nonce, pid=os.getpid(), proof=proof)
        frames.send(conn, challenge.header(), timeout=HANDSHAKE_SECONDS)
        hello = messages.decode(frames.recv(conn, HANDSHAKE_SECONDS, limit=1 << 24)[0], messages.Hello)
        if not rendezvous.proves(self.secret, "client", server_nonce, hello.proof):
            log("refused a client without the secret")
            return None
        if hello.fingerprint != self.fingerprint:
            log("a client from a changed install: this server is stale, exiting")
            frames.send(conn, messages.Pong(pid=os.getpid(), stale=True).header())
            self.stop()
            return None
        return messages.decode(hello.request, messages.Ping, messages.Stop, messages.Job)

    def answer(self, conn: socket.socket, request: messages.Message) -> None:
        if isinstance(request, messages.Ping):
            frames.send(conn, messages.Pong(pid=os.getpid(), warm=self.warm.warm).header())
        elif isinstance(request, messages.Stop):
            log("asked to stop")
            frames.send(conn, messages.Pong(pid=os.getpid()).header())
            self.stop()
        else:
            self.run_job(conn, request)

    def run_job(self, conn: socket.socket, job: messages.Job) -> None:
        with self.state:
            self.busy += 1
        started = time.monotonic()
        finished, gone = threading.Event(), threading.Event()
        threading.Thread(target=self.watch_client, args=(conn, job, finished, gone), daemon=True).start()
        try:
            done = self.warm.run(job, cancelled=gone)
            finished.set()
            if not gone.is_set():  # logged first: a client that has its answer finds the line
                log(f"job served: {len(job.ids)} ids in {time.monotonic() - started:.2f} s")
                frames.send(conn, done.header())
        finally:
            with self.state:
                self.busy -= 1
                self.last_work = time.monotonic()
                self.state.notify_all()

    def watch_client(self, conn: socket.socket, job: messages.Job, finished: threading.Event,
                     gone: threading.Event) -> None:
        """A client that hangs up before its answer (Ctrl-C) ends its job: the warm process goes,
        and a new one warms up. Only its own job: one still waiting for its turn (the warm process
        is another client's until then) is dropped when its turn comes."""
        with suppress(OSError):
            conn.settimeout(None)
            if conn.recv(1) == b"" and not finished.is_set():
                gone.set()
                if self.warm.end(job):
                    log("the client went away: ending its job")
                else:
                    log("a client waiting for its turn went away: dropping its job")

    def stop(self) -> None:
        """No new requests; the address is withdrawn at once."""
        self.stopping.set()
        with suppress(OSError):
            self.place.address.unlink()


def serve(idle: float, fingerprint: str) -> int:
    place = rendezvous.rendezvous()
    if not rendezvous.private_folder(place.folder, create=True):
        log(f"{place.folder} is not a folder of this user's alone: no server")
        return 1
    lock = single.hold(place.lock, LOCK_WAIT_SECONDS)
    if lock is None:
        log("another server holds the lock: exiting")
        return 0
    started = time.monotonic()
    warm = WarmProcess(place.log)
    try:
        if not warm.wait_warm():
            log("the warm process did not start")
            return 1
        listener = socket.create_server((rendezvous.HOST, 0))
        secret = rendezvous.new_secret()
        rendezvous.write_address(place, listener.getsockname()[1], secret, os.getpid())
        how = "a fresh fork for each check" if warm.forks else "a fresh process for each check, spawned ahead"
        log(f"warm in {time.monotonic() - started:.2f} s ({how}), serving port {listener.getsockname()[1]} "
            f"(idle timeout {idle:g} s)")
        Server(place, listener, secret, fingerprint, idle, warm).serve()
        listener.close()
        with suppress(OSError):
            if (rendezvous.read_address(place) or {}).get("pid") == os.getpid():
                place.address.unlink()
    finally:
        warm.close()
        single.release(lock)
    log("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnkit.student.server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=rendezvous.idle_seconds(),
                        help="seconds without a request before the server exits")
    parser.add_argument("--fingerprint", required=True, help="the install its starter saw")
    args = parser.parse_args(argv)
    return serve(args.idle, args.fingerprint)


if __name__ == "__main__":
    sys.exit(main())
