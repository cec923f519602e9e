"""What the check server and its clients agree on: where the socket lives, which install a
server belongs to (its fingerprint), and how a message crosses the socket.

Kept free of torch and pytest: the client imports this module on every `nnkit check`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import socket
import stat
import struct
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ENV_SWITCH = "NNKIT_CHECK_SERVER"  # "off" (or 0/no/false) keeps `nnkit check` in-process
ENV_DIR = "NNKIT_CHECK_SERVER_DIR"  # where the socket lives (tests use their own)
ENV_IDLE = "NNKIT_CHECK_SERVER_IDLE"  # seconds a server waits for work before it exits
IDLE_SECONDS = 15 * 60
MAX_MESSAGE = 1 << 20
# Libraries a server imports before its first request: a new install of one makes it stale.
WARM_LIBRARIES = ("torch", "pytest", "_pytest", "pluggy", "rich")


class ProtocolError(Exception):
    """The other side sent something that is not a message of this protocol."""


def supported() -> bool:
    """The server needs Linux: pidfd_open to watch children, SO_PEERCRED to know who calls."""
    return hasattr(os, "pidfd_open") and hasattr(socket, "SO_PEERCRED") and hasattr(socket, "send_fds")


def enabled() -> bool:
    """Whether `nnkit check` may use a server here: supported, and not switched off."""
    switch = os.environ.get(ENV_SWITCH, "").strip().lower()
    return supported() and switch not in ("off", "0", "no", "false")


def idle_seconds() -> float:
    try:
        return float(os.environ.get(ENV_IDLE, IDLE_SECONDS))
    except ValueError:
        return IDLE_SECONDS


class Rendezvous:
    """The files of one server: its socket, its lock (held while it lives) and its log.

    A plain class: dataclasses imports inspect, which costs the client ~30 ms on every check."""

    def __init__(self, folder: Path, key: str):
        self.folder = folder
        self.key = key

    @property
    def socket(self) -> Path:
        return self.folder / f"check-{self.key}.sock"

    @property
    def lock(self) -> Path:
        return self.folder / f"check-{self.key}.lock"

    @property
    def log(self) -> Path:
        return self.folder / f"check-{self.key}.log"


def rendezvous() -> Rendezvous:
    """One server per user, interpreter and kit install; the folder is the user's alone."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        folder = Path(configured)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "nnkit"
    else:
        folder = Path(tempfile.gettempdir()) / f"nnkit-{os.getuid()}"
    key = hashlib.sha256(f"{os.path.realpath(sys.executable)}\0{PACKAGE}".encode()).hexdigest()[:12]
    return Rendezvous(folder, key)


def private_folder(folder: Path, create: bool) -> bool:
    """Whether `folder` is a real directory owned by this user with mode 0700 (made if asked).

    Anything else (another user's folder planted in /tmp, a symlink, loose permissions) means
    the server is not used at all.
    """
    if create:
        try:
            folder.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            pass
        except OSError:
            return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and stat.S_IMODE(info.st_mode) == 0o700)


def fingerprint() -> str:
    """What a warm server has loaded: the kit's own files, the interpreter, the libraries it
    imports up front, and the import path. A server whose fingerprint differs is stale.

    The public checks (exercises/test_*.py, conftest.py) and the student's files are not in it:
    the server never imports them, each request's child reads them afresh.
    """
    parts = [sys.version, os.path.realpath(sys.executable), *sys.path[1:]]
    files = [Path(os.path.realpath(sys.executable))]
    files += sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".toml"))
    for name in WARM_LIBRARIES:
        spec = importlib.util.find_spec(name)
        parts.append(f"{name}:{spec.origin if spec else None}")
        if spec and spec.origin:
            origin = Path(spec.origin)
            files += [origin, *(origin.parent / n for n in ("version.py", "_version.py"))]
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def send(sock: socket.socket, message: dict, fds: list[int] = ()) -> None:
    """One message: a 4-byte length, then JSON; `fds` ride along with the first byte."""
    data = json.dumps(message).encode()
    frame = struct.pack("!I", len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [frame], list(fds))
        sock.sendall(frame[sent:])
    else:
        sock.sendall(frame)


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict | None, list[int]]:
    """The next message and any descriptors passed with it; (None, []) when the peer closed."""
    if max_fds:
        head, fds, _, _ = socket.recv_fds(sock, 4, max_fds)
    else:
        head, fds = sock.recv(4), []
    if not head:
        return None, fds
    try:
        head += _exactly(sock, 4 - len(head))
        (size,) = struct.unpack("!I", head)
        if size > MAX_MESSAGE:
            raise ProtocolError(f"a message of {size} bytes")
        message = json.loads(_exactly(sock, size))
        if not isinstance(message, dict):
            raise ProtocolError("a message that is not an object")
    except (ProtocolError, ValueError, UnicodeDecodeError) as error:
        for fd in fds:
            os.close(fd)
        raise ProtocolError(str(error)) from error
    return message, fds


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 65536))
        if not chunk:
            raise ProtocolError("the connection closed inside a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
