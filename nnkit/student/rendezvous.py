"""Where `nnkit check` finds the warm check server, and how each proves it is this user's.

The server listens on the loopback interface (127.0.0.1, a port the system picks) and writes its
port and a random secret into a file in a folder only this user can read: `$XDG_RUNTIME_DIR/nnkit`
or `/tmp/nnkit-<uid>` (mode 0700) on Linux and macOS, `%LOCALAPPDATA%\\nnkit` on Windows. Client
and server then prove to each other that they hold the secret (an HMAC of the other's fresh
nonce) before any request or answer crosses. One server per user, interpreter and kit install;
its fingerprint says which install it loaded, so a changed kit replaces it. Free of torch and
pytest: the client imports this on every `nnkit check`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import stat
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ENV_SWITCH = "NNKIT_CHECK_SERVER"  # "off" (or 0/no/false) keeps `nnkit check` in-process
ENV_DIR = "NNKIT_CHECK_SERVER_DIR"  # where the server's files live (tests use their own)
ENV_IDLE = "NNKIT_CHECK_SERVER_IDLE"  # seconds a server waits for work before it exits
IDLE_SECONDS = 15 * 60
HOST = "127.0.0.1"
# Libraries a warm process imports before its first job: a new install of one makes it stale.
WARM_LIBRARIES = ("torch", "pytest", "_pytest", "pluggy", "rich")


def enabled() -> bool:
    """Whether `nnkit check` may use a server: not switched off."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in ("off", "0", "no", "false")


def idle_seconds() -> float:
    try:
        return float(os.environ.get(ENV_IDLE, IDLE_SECONDS))
    except ValueError:
        return IDLE_SECONDS


class Rendezvous:
    """The files of one server: its address (port and secret), its lock and its log.

    A plain class: it is read on every `nnkit check`."""

    def __init__(self, folder: Path, key: str):
        self.folder = folder
        self.key = key

    @property
    def address(self) -> Path:
        return self.folder / f"check-{self.key}.json"

    @property
    def lock(self) -> Path:
        return self.folder / f"check-{self.key}.lock"

    @property
    def log(self) -> Path:
        return self.folder / f"check-{self.key}.log"


def user_folder() -> Path:
    """This user's own folder for the server's files."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured)
    if not hasattr(os, "getuid"):  # Windows: the local application data folder is the user's
        return Path(os.environ.get("LOCALAPPDATA") or tempfile.gettempdir()) / "nnkit"
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "nnkit"
    return Path(tempfile.gettempdir()) / f"nnkit-{os.getuid()}"


def rendezvous() -> Rendezvous:
    key = hashlib.sha256(f"{os.path.realpath(sys.executable)}\0{PACKAGE}".encode()).hexdigest()[:12]
    return Rendezvous(user_folder(), key)


def private_folder(folder: Path, create: bool) -> bool:
    """Whether `folder` is a real directory of this user's alone (made if asked): on systems with
    uids, owned by this user with mode 0700. Anything else (another user's folder planted in
    /tmp, a symlink, loose permissions) means the server is not used at all."""
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
    if not stat.S_ISDIR(info.st_mode):
        return False
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) == 0o700


def write_address(place: Rendezvous, port: int, secret: str, pid: int) -> None:
    """Publish the server's address: written whole under a temporary name, then moved in place."""
    temporary = place.folder / f".check-{place.key}.{pid}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"port": port, "secret": secret, "pid": pid}, out)
    os.replace(temporary, place.address)


def read_address(place: Rendezvous) -> dict | None:
    """The server's port, secret and pid, or None when there is no readable address."""
    if not private_folder(place.folder, create=False):
        return None
    try:
        found = json.loads(place.address.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("port"), int) \
            or not isinstance(found.get("secret"), str):
        return None
    return found


def new_secret() -> str:
    return secrets.token_hex(32)


def new_nonce() -> str:
    return secrets.token_hex(16)


def proof(secret: str, side: str, nonce: str) -> str:
    """What `side` ("client" or "server") sends to show it holds `secret`, for the other's nonce."""
    return hmac.new(secret.encode(), f"{side}:{nonce}".encode(), hashlib.sha256).hexdigest()


def proves(secret: str, side: str, nonce: str, claimed: object) -> bool:
    return isinstance(claimed, str) and hmac.compare_digest(proof(secret, side, nonce), claimed)


@functools.cache
def fingerprint() -> str:
    """What a warm process has loaded: the kit's own code, the interpreter, the libraries it
    imports up front, and the import path. A server whose fingerprint differs is stale.

    The course (its table, checks, known mistakes) and the student's files are not in it: each job
    reads them afresh. Computed once, before a run of checks changes the import path.
    """
    parts = [sys.version, os.path.realpath(sys.executable), *sys.path[1:]]
    files = [Path(os.path.realpath(sys.executable))]
    files += sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".mo"))
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
