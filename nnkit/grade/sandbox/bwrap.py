"""How student code is confined: the bubblewrap command line, and what is in force.

One bubblewrap sandbox holds the zygote that every job slot shares (see `zygote`). It sees only
the interpreter, site-packages and the nnkit package (read-only), its own /tmp, no network and
its own PID namespace; it runs as real root without a user namespace and keeps a few
capabilities, so it can give each worker private namespaces (see `namespaces`) and the slot's own
unprivileged uid. Without bubblewrap the same zygote runs as a plain process: rlimits, the uid
change and (as root) the private namespaces still hold, the filesystem view is the machine's,
and `protections` says so.
"""

from __future__ import annotations

import os
import shutil
import site
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nnkit
from nnkit.course import layout
from nnkit.grade.sandbox.limits import Limits
from nnkit.i18n import lang
from nnkit.i18n.lang import _

SANDBOX_TMP = "/tmp"
PROBE_SECONDS = 30
# What the zygote keeps: change uid, signal workers, give a worker its home, wipe what a worker
# left, and (SYS_ADMIN) give each worker private namespaces. Workers lose all of it at setuid.
CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                "CAP_SYS_ADMIN")


@dataclass
class Isolation:
    """What this machine offers: bubblewrap or not, whether it starts, and whether workers can
    have private namespaces (their own /tmp, IPC and no network) inside it or without it."""

    bwrap: str | None = None
    version: str = ""
    works: bool = False
    private: bool = False
    problem: str = ""
    root: bool = field(default_factory=lambda: os.geteuid() == 0)


PROBE = "import sys; from nnkit.grade.sandbox import namespaces; sys.exit(0 if namespaces.probe() else 3)"


def detect() -> Isolation:
    """Find bubblewrap and prove it works by starting the interpreter inside the real sandbox;
    there (or on the bare machine without it) try the private namespaces workers would get."""
    found = Isolation(bwrap=shutil.which("bwrap"))
    if os.environ.get("NNKIT_SANDBOX") == "off":  # to test the fallback, or where bwrap misbehaves
        found.problem = _("bubblewrap turned off by NNKIT_SANDBOX=off")
    elif found.bwrap:
        try:
            found.version = subprocess.run([found.bwrap, "--version"], capture_output=True, text=True,
                                           timeout=PROBE_SECONDS, check=False).stdout.strip()
            probe = _probe(bwrap_args(found))
            found.works = probe.returncode in (0, 3)
            found.private = probe.returncode == 0
            if not found.works:
                found.problem = _("bubblewrap is installed but the sandbox does not start: {error}").format(
                    error=(probe.stderr.strip().splitlines() or [_("no message")])[-1])
        except (OSError, subprocess.SubprocessError) as error:
            found.problem = _("bubblewrap failed to start: {error}").format(error=error)
    else:
        found.problem = _("bubblewrap (bwrap) is not installed (Debian package `bubblewrap`)")
    if not found.works:
        try:
            found.private = _probe([]).returncode == 0
        except (OSError, subprocess.SubprocessError):
            found.private = False
    return found


def world_readable(path: Path) -> bool:
    """Whether any uid may read `path`: every folder above it lets others through."""
    try:
        return all(parent.stat().st_mode & stat.S_IXOTH for parent in [path, *path.parents]) \
            and bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


def _probe(prefix: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(prefix + python_args() + ["-c", PROBE], capture_output=True, text=True, check=False,
                          timeout=PROBE_SECONDS, env=environment(), stdin=subprocess.DEVNULL, cwd="/")


def python_args() -> list[str]:
    """The interpreter, without user site-packages and without the current folder on sys.path."""
    return [sys.executable, "-s", "-P"]


def environment() -> dict[str, str]:
    """A clean environment for the zygote: fixed hash seed, one thread, nothing inherited but the
    language the grader speaks (what workers report reaches the feedback)."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": SANDBOX_TMP,
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", lang.ENV: lang.language()}


def readable_roots() -> list[Path]:
    """Folders the sandbox needs read-only: interpreter prefixes, site-packages, nnkit itself."""
    wanted = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
              Path(sys.base_exec_prefix), Path(os.path.realpath(sys.executable)).parent.parent,
              *map(Path, site.getsitepackages()), layout.PACKAGE]
    roots: list[Path] = []
    for path in sorted({p.resolve() for p in wanted if p.exists()}, key=lambda p: len(p.parts)):
        if path == Path("/usr") or Path("/usr") in path.parents:
            continue
        if not any(root == path or root in path.parents for root in roots):
            roots.append(path)
    return roots


def forbidden_roots() -> list[Path]:
    """Folders that must never be visible to student code: the hidden tests and the solutions."""
    root = layout.course_root()
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
                raise RuntimeError(_("refusing to show {folder} to student code: it holds {hidden}").format(
                    folder=root, hidden=hidden))
        for parent in reversed(root.parents):
            if parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(root), str(root)]
        made.add(root)
    return args + ["--chdir", SANDBOX_TMP]


def zygote_command(isolation: Isolation, fds: str, scratch: str) -> list[str]:
    """The command that starts a zygote for the jobs at `fds`, in the sandbox when it works."""
    program = python_args() + ["-m", "nnkit.grade.sandbox.zygote", fds, scratch]
    return (bwrap_args(isolation) + program + ["--sandboxed"]) if isolation.works else program


def protections(isolation: Isolation, limits: Limits, worker_uids: str) -> dict:
    """What is in force, for results.json and the terminal; `off` lists what is not."""
    off: list[str] = []
    if not isolation.works:
        off += [_("no sandbox: {problem}").format(problem=isolation.problem),
                _("student code can read every world-readable file (the hidden tests too, if their "
                  "permissions allow) and see other processes")]
        hidden = [root for root in readable_roots() if not world_readable(root)]
        if isolation.root and hidden:
            off.append(_("the worker uid cannot read {folders}: a module that the grader did not load in "
                         "advance fails to import in student code").format(
                             folders=", ".join(map(str, hidden))))
    if not isolation.private:
        off.append(_("no private namespaces for workers (they need root or CAP_SYS_ADMIN): they share the "
                     "sandbox's /tmp, which is wiped between students") if isolation.works else
                   _("no private namespaces for workers (they need root or CAP_SYS_ADMIN): they can use the "
                     "network and share /tmp with the machine (what their uid leaves there is deleted after "
                     "each student)"))
    if not isolation.root:
        off.append(_("not running as root: workers share the grader's uid inside the sandbox (they cannot "
                     "reach the grader, but RLIMIT_NPROC does not stop a fork bomb)") if isolation.works else
                   _("not running as root: workers share the grader's uid and could tamper with the grader "
                     "process; RLIMIT_NPROC has no effect"))
    return {
        "kit_version": nnkit.__version__,
        "bwrap": isolation.works,
        "bwrap_version": isolation.version,
        "sandbox": (_("bubblewrap: own PID, network, IPC and UTS namespaces; read-only interpreter, "
                      "site-packages and nnkit package only; dies with the grader")
                    if isolation.works else "none"),
        "worker_namespaces": (_("private mount (empty /tmp, /var/tmp, /dev/shm), IPC and network namespaces "
                                "per worker") if isolation.private else "none"),
        "worker_uid": worker_uids,
        "rlimits": limits.rlimits(),
        "call_seconds": limits.call_seconds,
        "total_seconds": limits.total_seconds,
        "torch_threads": 1,
        "off": off,
    }
