"""The client side of the check server: hand a job to a warm server, start one in the background
when there is none, stop it, say whether one runs.

Imports neither torch nor pytest, so a check served warm costs this interpreter's start-up and
the run itself. Whenever the server cannot serve a request (none running, stale, broken, not this
user's), `run_job` returns None before anything was printed, and the caller checks in-process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time

from nnkit.i18n.lang import _
from nnkit.student import rendezvous, system
from nnkit.wire import frames, messages

CONNECT_SECONDS = 5.0  # to reach the server and finish the handshake; the job itself has no limit
START_SECONDS = 180.0  # for `nnkit server start` to see a new server warm


def open_request(request: messages.Message) -> socket.socket | None:
    """A connection to this user's server that has proved itself and received `request`."""
    place = rendezvous.rendezvous()
    address = rendezvous.read_address(place)
    if address is None:
        return None
    try:
        sock = socket.create_connection((rendezvous.HOST, address["port"]), timeout=CONNECT_SECONDS)
    except OSError:
        return None
    try:
        nonce = rendezvous.new_nonce()
        frames.send(sock, messages.Knock(nonce=nonce).header(), timeout=CONNECT_SECONDS)
        challenge = messages.decode(frames.recv(sock, CONNECT_SECONDS, limit=1 << 16)[0], messages.Challenge)
        if not rendezvous.proves(address["secret"], "server", nonce, challenge.proof):
            sock.close()
            return None  # not our server (a port reused by someone else): never send it anything
        hello = messages.Hello(proof=rendezvous.proof(address["secret"], "client", challenge.nonce),
                               fingerprint=rendezvous.fingerprint(), request=request.header())
        frames.send(sock, hello.header(), timeout=CONNECT_SECONDS)
    except (frames.FrameError, messages.MessageError, OSError):
        sock.close()
        return None
    return sock


def exchange(request: messages.Message, *answers: type[messages.Message],
             timeout: float | None = None) -> messages.Message | None:
    """The server's answer to `request` (one of `answers`), or None when none came."""
    sock = open_request(request)
    if sock is None:
        return None
    with sock:
        try:
            return messages.decode(frames.recv(sock, timeout)[0], *answers)
        except (frames.FrameError, messages.MessageError):
            return None


def run_job(job: messages.Job) -> messages.Done | None:
    """The job's answer from a warm server, or None to run it in this process: none answered, it
    stopped during the run (nothing was printed yet), or it was stale (a Pong) and is gone."""
    answer = exchange(job, messages.Done, messages.Pong)
    return answer if isinstance(answer, messages.Done) else None


def tell(request: messages.Message) -> messages.Pong | None:
    """Send a request answered by Pong (Ping, Stop): the answer of an up-to-date server, or None."""
    answer = exchange(request, messages.Pong, timeout=CONNECT_SECONDS)
    return None if answer is None or answer.stale else answer


def ping() -> int | None:
    """The pid of a running, up-to-date server (a stale one exits when asked), or None."""
    answer = tell(messages.Ping())
    return answer.pid if answer else None


def stop() -> int | None:
    """Ask the server to exit (it finishes checks in flight): its pid, or None if none ran."""
    answer = tell(messages.Stop())
    return answer.pid if answer else None


def start_in_background() -> subprocess.Popen | None:
    """Start a server detached from this terminal; it serves the next `nnkit check`."""
    place = rendezvous.rendezvous()
    if not rendezvous.private_folder(place.folder, create=True):
        return None
    try:
        if place.log.is_file() and place.log.stat().st_size > 1 << 20:
            place.log.unlink()
        with place.log.open("ab") as log:
            return subprocess.Popen(
                [*system.python(), "-m", "nnkit.student.server", "--idle", str(rendezvous.idle_seconds()),
                 "--fingerprint", rendezvous.fingerprint()],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=place.folder, close_fds=True,
                **system.detached())
    except OSError:
        return None


def start(wait: float = START_SECONDS) -> int | None:
    """Start a server unless one runs, and wait until it is warm: its pid, or None."""
    pid = ping()
    if pid is not None:
        return pid
    server = start_in_background()
    deadline = time.monotonic() + wait
    while server is not None and pid is None and time.monotonic() < deadline:
        if server.poll() is not None:  # it gave up (another server holds the lock, or it failed)
            return ping()
        time.sleep(0.2)
        pid = ping()
    return pid


def command(action: str) -> int:
    """`nnkit server start|stop|status`."""
    from nnkit.student.console import console

    out = console()
    place = rendezvous.rendezvous()
    if action == "stop":
        pid = stop()
        out.print(_("Stopped the check server (pid {pid}).").format(pid=pid) if pid
                  else _("No check server was running."))
        return 0
    if action == "start" and not rendezvous.enabled():
        out.print(_("The check server is off: {switch} is set to {value!r}.").format(
            switch=rendezvous.ENV_SWITCH, value=os.environ.get(rendezvous.ENV_SWITCH)))
        return 1
    pid = start() if action == "start" else ping()
    if pid:
        out.print(_("Check server running (pid {pid}); its log is {log}").format(pid=pid, log=place.log))
        return 0
    out.print(_("The check server did not start; see {log}").format(log=place.log) if action == "start"
              else _("No check server is running (log: {log}).").format(log=place.log))
    return 1
