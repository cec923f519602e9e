"""The client side of the check server: hand `nnkit check` to a warm server, start one in the
background when there is none, stop it.

Imports neither torch nor pytest, so a check served warm costs this interpreter's start-up and
the run itself. Whenever the server cannot serve a request (none running, stale, broken, not
this user's), `run` returns None before anything is written, and the caller checks in-process.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

from nnkit import checkproto
from nnkit.checkproto import ProtocolError, Rendezvous

CONNECT_SECONDS = 5.0  # for the server to accept and start the child; the run itself has no limit
START_SECONDS = 120.0  # for `nnkit server start` to see a new server warm
# What the child needs to behave as this process would: its own terminal and environment.
STREAMS = ("stdout", "stderr")


def connect(place: Rendezvous) -> socket.socket | None:
    """A connection to the server of `place`, or None when there is none to reach."""
    if not checkproto.private_folder(place.folder, create=False):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_SECONDS)
    try:
        sock.connect(str(place.socket))
    except OSError:
        sock.close()
        return None
    return sock


def ask(place: Rendezvous, request: dict, fds: list[int] = ()) -> tuple[socket.socket, dict] | None:
    """Send `request`; the open connection and the first answer, or None if that failed."""
    sock = connect(place)
    if sock is None:
        return None
    try:
        checkproto.send(sock, {**request, "fingerprint": checkproto.fingerprint()}, fds)
        answer, _ = checkproto.receive(sock)
    except (OSError, ProtocolError):
        answer = None
    if not answer or not answer.get("ok"):
        sock.close()
        return None
    return sock, answer


def check(selector: str | None, path: Path | None, use_server: bool = True) -> int:
    """`nnkit check`: through the warm server when one answers, else in this process, and
    then start a server for next time, so only the first check pays for importing torch."""
    use_server = use_server and checkproto.enabled()
    if use_server:
        code = run(selector, path)
        if code is not None:
            return code
    from nnkit import check as in_process

    code = in_process.run(selector, path)
    if use_server:
        start_in_background()
    return code


def run(selector: str | None, path: Path | None) -> int | None:
    """`nnkit check` served by a warm server: its exit status, or None to run in-process."""
    try:
        return served(selector, path)
    except KeyboardInterrupt:
        return 130  # the connection closes with this process, and the server kills the child


def served(selector: str | None, path: Path | None) -> int | None:
    """Hand this process's stdout and stderr, folder and environment to the server's child."""
    try:
        fds = [getattr(sys, name).fileno() for name in STREAMS]
        cwd = os.getcwd()
    except (AttributeError, ValueError, OSError):
        return None  # no real stdout/stderr (embedded, captured), or no folder: check here
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    request = {
        "op": "check", "selector": selector, "path": str(path) if path is not None else None,
        "cwd": cwd, "env": dict(os.environ), "umask": current_umask(), "argv": sys.argv,
        "path_entry": sys.path[0] if sys.path else None, "client_pid": os.getpid(),
        **{name: {"encoding": getattr(sys, name).encoding, "errors": getattr(sys, name).errors}
           for name in STREAMS},
    }
    started = ask(checkproto.rendezvous(), request, fds)
    if started is None:
        return None
    sock, _ = started
    with sock:
        sock.settimeout(None)
        try:
            answer, _ = checkproto.receive(sock)
        except (OSError, ProtocolError):
            answer = None
    if answer is None or not isinstance(answer.get("status"), int):
        print("nnkit: the check server stopped during the run; stop it with `nnkit server stop`, "
              "or check without it: `nnkit check --no-server`.", file=sys.stderr)
        return 1
    return answer["status"]


def current_umask() -> int:
    """The umask, which can only be read by setting it."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def start_in_background() -> bool:
    """Start a server detached from this terminal; it serves the next `nnkit check`."""
    import subprocess  # only the in-process path gets here: the served one need not import it

    place = checkproto.rendezvous()
    if not checkproto.private_folder(place.folder, create=True):
        return False
    try:
        with place.log.open("a") as log:
            if log.tell() > 1 << 20:
                log.truncate(0)
            subprocess.Popen([sys.executable, "-m", "nnkit.checkserver", "--idle", str(checkproto.idle_seconds())],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd="/",
                             start_new_session=True, close_fds=True)
    except OSError:
        return False
    return True


def tell(op: str) -> int | None:
    """Send a one-answer request ("ping", "stop"): the server's pid, or None if none answered."""
    answered = ask(checkproto.rendezvous(), {"op": op})
    if answered is None:
        return None
    sock, answer = answered
    sock.close()
    return answer.get("pid")


def ping() -> int | None:
    """The pid of a running, up-to-date server (a stale one exits when asked), or None."""
    return tell("ping")


def start(wait: float = START_SECONDS) -> int | None:
    """Start a server unless one runs, and wait until it answers: its pid, or None."""
    pid = ping()
    if pid is None and start_in_background():
        deadline = time.monotonic() + wait
        while pid is None and time.monotonic() < deadline:
            time.sleep(0.1)
            pid = ping()
    return pid


def stop() -> int | None:
    """Ask the server to exit (it finishes checks in flight): its pid, or None if none ran."""
    return tell("stop")


def command(action: str) -> int:
    """`nnkit server start|stop|status`."""
    place = checkproto.rendezvous()
    if action == "start":
        if not checkproto.enabled():
            why = "this system is not Linux" if not checkproto.supported() else \
                f"{checkproto.ENV_SWITCH}={os.environ.get(checkproto.ENV_SWITCH)}"
            print(f"The check server is off: {why}.")
            return 1
        pid = start()
        print(f"Check server running (pid {pid}), socket {place.socket}" if pid
              else f"The check server did not start; see {place.log}")
        return 0 if pid else 1
    if action == "stop":
        pid = stop()
        print(f"Stopped the check server (pid {pid})." if pid else "No check server was running.")
        return 0
    pid = ping()
    print(f"Check server running (pid {pid}), socket {place.socket}, log {place.log}" if pid
          else f"No check server is running (log: {place.log}).")
    return 0 if pid else 1
