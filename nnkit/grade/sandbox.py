"""How student code is confined: worker limits, the bubblewrap command line, and what is in force.

One sandbox per job slot holds a zygote (see `zygote`). Under bubblewrap it sees only the
interpreter, site-packages and the nnkit package (read-only), a private /tmp, no network and its
own PID namespace; it runs as real root without a user namespace, so it can start each worker
under the slot's own unprivileged uid. Without bubblewrap the same zygote runs as a plain
process: rlimits and the uid change still hold, the filesystem and network are not isolated,
and `protections` says so.
"""

from __future__ import annotations

import os
import resource
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nnkit
from nnkit import kitpaths

# Workers of job slot N run as uid/gid WORKER_UID_BASE + N: a range Debian leaves unallocated,
# distinct per slot so that "kill every process of this uid" never touches another slot.
WORKER_UID_BASE = 65500
MAX_SLOTS = 32
SANDBOX_TMP = "/tmp"
PROBE_SECONDS = 30
CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")


@dataclass(frozen=True)
class Limits:
    """Per-worker limits: wall-clock per call and per submission, plus rlimits."""

    call_seconds: float = 10.0
    total_seconds: float = 300.0
    address_space: int = 2 << 30
    file_size: int = 16 << 20
    open_files: int = 128
    processes: int = 64

    def rlimits(self) -> dict[str, int]:
        """rlimit name → value (soft = hard). CPU time backs up the wall-clock budget."""
        return {"AS": self.address_space, "CPU": int(self.total_seconds) + 5,
                "FSIZE": self.file_size, "NOFILE": self.open_files, "CORE": 0,
                "NPROC": self.processes}


def apply_rlimits(values: dict[str, int]) -> None:
    """Set each rlimit, soft and hard, in the calling process (a worker about to run code)."""
    for name, value in values.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))


def worker_uid(slot: int) -> int | None:
    """The uid workers of `slot` run as, or None when we are not root and cannot change uid."""
    return WORKER_UID_BASE + slot if os.geteuid() == 0 else None


@dataclass
class Isolation:
    """What this machine offers: bubblewrap or not, and whether it actually starts."""

    bwrap: str | None = None
    version: str = ""
    works: bool = False
    problem: str = ""
    root: bool = field(default_factory=lambda: os.geteuid() == 0)


def detect() -> Isolation:
    """Find bubblewrap and prove it works by starting the interpreter inside the real sandbox."""
    found = Isolation(bwrap=shutil.which("bwrap"))
    if not found.bwrap:
        found.problem = "bubblewrap (bwrap) is not installed (Debian package `bubblewrap`)"
        return found
    try:
        found.version = subprocess.run([found.bwrap, "--version"], capture_output=True, text=True,
                                       timeout=PROBE_SECONDS).stdout.strip()
        probe = subprocess.run(bwrap_args(found) + python_args() + ["-c", "import nnkit.codec"],
                               capture_output=True, text=True, timeout=PROBE_SECONDS,
                               env=environment(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        found.problem = f"bubblewrap failed to start: {error}"
        return found
    found.works = probe.returncode == 0
    if not found.works:
        found.problem = "bubblewrap is installed but the sandbox does not start: " + \
                        (probe.stderr.strip().splitlines() or ["no message"])[-1]
    return found


def python_args() -> list[str]:
    """The interpreter, without user site-packages and without the current folder on sys.path."""
    return [sys.executable, "-s", "-P"]


def environment() -> dict[str, str]:
    """A clean environment for the zygote: fixed hash seed, one thread, nothing inherited."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": SANDBOX_TMP,
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}


def readable_roots() -> list[Path]:
    """Folders the sandbox needs read-only: interpreter prefixes, site-packages, nnkit itself."""
    wanted = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
              Path(sys.base_exec_prefix), Path(os.path.realpath(sys.executable)).parent.parent,
              *map(Path, site.getsitepackages()), kitpaths.PACKAGE]
    roots: list[Path] = []
    for path in sorted({p.resolve() for p in wanted if p.exists()}, key=lambda p: len(p.parts)):
        if path == Path("/usr") or Path("/usr") in path.parents:
            continue
        if not any(root == path or root in path.parents for root in roots):
            roots.append(path)
    return roots


def forbidden_roots() -> list[Path]:
    """Folders that must never be visible to student code: the hidden tests and the solutions."""
    root = kitpaths.kit_root()
    return [root / "autograder", root / "solutions"]


def bwrap_args(isolation: Isolation) -> list[str]:
    """The bubblewrap command line up to the program it runs."""
    args = [isolation.bwrap or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--hostname", "nnkit-sandbox"]
    if isolation.root:
        # Real root, no user namespace: the zygote may setuid its workers; keep only what it needs.
        args += ["--cap-drop", "ALL"]
        for capability in CAPABILITIES:
            args += ["--cap-add", capability]
    else:
        args += ["--unshare-user"]
    args += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64",
             "/lib64", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
             "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", SANDBOX_TMP]
    made: set[Path] = {Path("/"), Path("/usr"), Path(SANDBOX_TMP)}
    for root in readable_roots():
        for hidden in forbidden_roots():
            if root == hidden or root in hidden.parents:
                raise RuntimeError(f"refusing to show {root} to student code: it holds {hidden}")
        for parent in reversed(root.parents):
            if parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(root), str(root)]
        made.add(root)
    return args + ["--chdir", SANDBOX_TMP]


def zygote_command(isolation: Isolation, fd: int, scratch: str) -> list[str]:
    """The command that starts one slot's zygote, in the sandbox when it works."""
    program = python_args() + ["-m", "nnkit.grade.zygote", str(fd), scratch]
    return (bwrap_args(isolation) + program + ["--sandboxed"]) if isolation.works else program


def protections(isolation: Isolation, limits: Limits, jobs: int) -> dict:
    """What is in force, for results.json and the terminal; `off` lists what is not."""
    off: list[str] = []
    if not isolation.works:
        off += [f"no sandbox: {isolation.problem}",
                "student code can read every world-readable file (the hidden tests too, if "
                "their permissions allow), use the network, and see other processes"]
    if not isolation.root:
        off.append("not running as root: workers share the grader's uid "
                   + ("inside the sandbox (they cannot reach the grader, but RLIMIT_NPROC does "
                      "not stop a fork bomb)" if isolation.works else
                      "and could tamper with the grader process; RLIMIT_NPROC has no effect"))
    uids = (f"{WORKER_UID_BASE}-{WORKER_UID_BASE + jobs - 1}" if isolation.root
            else f"{os.getuid()} (the grader's own)")
    return {
        "kit_version": nnkit.__version__,
        "bwrap": isolation.works,
        "bwrap_version": isolation.version,
        "sandbox": ("bubblewrap: own PID, network, IPC and UTS namespaces; read-only interpreter, "
                    "site-packages and nnkit package; private /tmp; dies with the grader"
                    if isolation.works else "none"),
        "worker_uid": uids,
        "rlimits": limits.rlimits(),
        "call_seconds": limits.call_seconds,
        "total_seconds": limits.total_seconds,
        "torch_threads": 1,
        "off": off,
    }
