"""Run a command with overlays on the folders it might write to, as PID 1 of its own PID namespace,
and report exactly what it wrote there and which of its processes it left running.

Started as `unshare --mount --propagation private --pid --fork --mount-proc python confine.py
SCRATCH REPORT FOLDER... -- COMMAND...`. Each FOLDER gets an overlay whose upper layer is a fresh
tmpfs: whatever the command writes, renames or deletes there lands in that layer and nowhere
else, so it can be listed exactly while the rest of the machine (other people's tests, editors)
goes on writing to the real folders. SCRATCH (the class and OUT_DIR) is bound through the
overlays, so what the command writes there stays. The report (JSON, in SCRATCH) lists the
changed paths outside SCRATCH and every process but this one still alive in the namespace;
the kernel ends those when this process exits. A setup that fails is reported, not run.
"""

from __future__ import annotations

import ctypes
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

MS_BIND = 4096
SETTLE_ROUNDS = 100  # processes killed a moment ago may still be on their way out
libc = ctypes.CDLL(None, use_errno=True)


def mount(source: str, target: str, kind: str | None, flags: int = 0, options: str = "") -> None:
    if libc.mount(source.encode(), target.encode(), kind.encode() if kind else None, flags,
                  options.encode() or None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {kind or 'bind'} {source} on {target}: {os.strerror(error)}")


def changes(upper: str, lower: str, folder: str) -> list[str]:
    """Paths the upper layer holds that are not mere copies of the lower one's folders."""
    found = []
    for root, dirs, names in os.walk(upper):
        for name in dirs + names:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, upper)
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode) and os.path.isdir(os.path.join(lower, relative)) and \
                    not _opaque(path):
                continue  # a folder the overlay copied up to hold a change below it
            whiteout = stat.S_ISCHR(info.st_mode) and info.st_rdev == 0
            found.append(f"{'deleted' if whiteout else 'written'} {os.path.join(folder, relative)}")
    return found


def _opaque(path: str) -> bool:
    try:
        return os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False


def survivors() -> list[str]:
    """Every process of the namespace but this one, as "pid uid argv"; zombies are reaped."""
    found: list[str] = []
    for _ in range(SETTLE_ROUNDS):
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    uid = (entry / "status").read_text().split("\nUid:")[1].split()[0]
                    argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except (OSError, IndexError):
                    continue
                found.append(f"{entry.name} {uid} {argv.strip()}")
        if not found:
            return []
        time.sleep(0.1)
    return found


def main(argv: list[str]) -> int:
    split = argv.index("--")
    scratch, report, folders, command = argv[0], argv[1], argv[2:split], argv[split + 1:]
    real_scratch = os.open(scratch, os.O_PATH | os.O_DIRECTORY)
    try:
        layers = os.path.join(scratch, "layers")
        os.mkdir(layers)
        mount("tmpfs", layers, "tmpfs")
        kept_layers = os.open(layers, os.O_PATH | os.O_DIRECTORY)
        lowers = [os.open(folder, os.O_PATH | os.O_DIRECTORY) for folder in folders]
        for index, folder in enumerate(folders):
            upper = os.path.join(layers, str(index), "upper")
            os.makedirs(upper)
            os.makedirs(os.path.join(layers, str(index), "work"))
            info = os.stat(folder)  # the overlay shows its upper folder's owner and mode (/tmp: 1777)
            os.chown(upper, info.st_uid, info.st_gid)
            os.chmod(upper, stat.S_IMODE(info.st_mode))
        kept = f"/proc/self/fd/{kept_layers}"  # `layers` itself is hidden once /tmp is overlaid
        for index, folder in enumerate(folders):
            mount("overlay", folder, "overlay", options=f"lowerdir={folder},upperdir={kept}/{index}/upper,"
                                                        f"workdir={kept}/{index}/work")
        mount(f"/proc/self/fd/{real_scratch}", scratch, None, MS_BIND)
    except OSError as error:
        Path(f"/proc/self/fd/{real_scratch}", report).write_text(json.dumps({"error": str(error)}))
        return 97
    code = subprocess.run(command, check=False).returncode
    left = survivors()
    written = [change for index, folder in enumerate(folders)
               for change in changes(f"/proc/self/fd/{kept_layers}/{index}/upper",
                                     f"/proc/self/fd/{lowers[index]}", folder)]
    Path(f"/proc/self/fd/{real_scratch}", report).write_text(
        json.dumps({"returncode": code, "written": written, "survivors": left}))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
