"""A student's terminal on Linux, Windows or macOS, for the tests of the student side.

Windows and macOS are pretended on this Linux machine (see tests/pretend/sitecustomize.py): fork,
forkpty and Unix sockets are gone, and so are uids and process groups on Windows, and the
platform check the kit uses answers the system's name. Each terminal has its own folder for the
check server, so a test's server is its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from nnkit.course import layout
from nnkit.student import rendezvous

ROOT = layout.course_root()
PRETEND = Path(__file__).resolve().parent / "pretend"
SYSTEMS = ("Linux", "Windows", "Darwin")


class Terminal:
    def __init__(self, system: str, folder: Path, **env: str):
        self.system = system
        self.folder = folder
        path = [str(PRETEND)] if system != "Linux" else []
        python_path = os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")]).strip(os.pathsep)
        self.env = {**os.environ, "NNKIT_PRETEND": system if system != "Linux" else "",
                    "PYTHONPATH": python_path, "USERNAME": "student",
                    rendezvous.ENV_SWITCH: "on", rendezvous.ENV_DIR: str(folder / "server"),
                    **env}

    def nnkit(self, *args: str, cwd: Path = ROOT, timeout: float = 300, encoding: str = "utf-8",
              **env: str) -> subprocess.CompletedProcess:
        return self.python("-m", "nnkit", *args, cwd=cwd, timeout=timeout, encoding=encoding, **env)

    def python(self, *args: str, cwd: Path = ROOT, timeout: float = 300, encoding: str = "utf-8",
               **env: str) -> subprocess.CompletedProcess:
        """Run Python here; its output read in `encoding` (as a console in that code page would)."""
        return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, timeout=timeout,
                              env={**self.env, **env}, check=False, text=True, encoding=encoding,
                              errors="replace")

    def spawn(self, *args: str, cwd: Path = ROOT, out=None) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "nnkit", *args], cwd=cwd, env=self.env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in (self.folder / "server").glob("*.log"))

    def stop_server(self) -> None:
        """Stop this terminal's server, and make sure nothing of it is left."""
        self.nnkit("server", "stop")
        address = rendezvous.Rendezvous(self.folder / "server", rendezvous.rendezvous().key)
        for line in self.log().splitlines():
            if "] warm in" in line:
                pid = int(line.split("[", 1)[1].split("]", 1)[0])
                wait_until(lambda pid=pid: not alive(pid), 20, f"server {pid} to stop", kill=pid)
        address.address.unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(condition, seconds: float = 60, what: str = "", kill: int | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    if kill is not None:
        os.kill(kill, signal.SIGKILL)
        return
    raise AssertionError(f"timed out waiting: {what}")


def wait_for(log: Path, text: str, count: int, seconds: float = 180) -> str:
    """The log once `text` appears in it `count` times (the log is shown on failure)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen = log.read_text(errors="replace")
        if seen.count(text) >= count:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear {count} time(s):\n{log.read_text(errors='replace')}")
