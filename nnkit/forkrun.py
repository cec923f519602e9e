"""Run a job in a forked child of a process that already holds torch: `nnkit watch` and the
check server both start each check this way, so it begins warm and leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def start(job: Callable[[], int], setup: Callable[[], None] | None = None) -> int:
    """Fork; the child runs `setup` then `job` and exits with the job's status. Returns its pid.

    The child never returns into the caller's code: whatever happens, it flushes its output and
    leaves with `os._exit`, so the parent's cleanup handlers do not run twice.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        if setup is not None:
            setup()
        code = job()
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - the child shows the traceback and exits, as Python would
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def wait(pid: int) -> int:
    """Wait for child `pid`; its exit status, or 128 + the signal that ended it (as a shell says)."""
    _, status = os.waitpid(pid, 0)
    return exit_status(status)


def exit_status(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def run(job: Callable[[], int], setup: Callable[[], None] | None = None) -> int:
    """Run `job` in a forked child and wait for it."""
    return wait(start(job, setup))
