"""The processor time a call of student code uses, and a limit on it that a busy machine cannot trip.

A time limit on the wall clock charges the student for whatever else the machine is doing, and
for torch's own lazy imports (the first optimizer step imports torch._dynamo: seconds, once per
process). So a call with a limit is measured in processor time (user and system time of this
process: `time.process_time`), after torch has been warmed up (`warmup.pay_lazy_imports`).
Where the system has a profiling timer (`signal.setitimer(ITIMER_PROF)`: Linux and macOS, in the
main thread), the call is also stopped when it uses up its limit, by an exception that `except
Exception` does not catch; elsewhere it runs to its end and is judged by the time it took.

Like the call watch, this is a rule of the exercises, not a defence: code in its own process can
hide work (in a child process, say).
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType, TracebackType

from nnkit.i18n.lang import _

_process_time = time.process_time  # captured at import, before student code can rebind anything
_warmed = False


def process_seconds() -> float:
    """This process's processor time so far (user and system), in seconds."""
    return _process_time()


class LimitReached(BaseException):
    """Raised in student code when its call has used up its processor time (a BaseException, so
    that a student's `except Exception` lets it through)."""


class Clock:
    """A context manager: the processor time of what runs inside it (`seconds`), and with a
    `limit` (seconds), the stop when that is used up (`stopped`). Without a limit it measures
    nothing and costs nothing."""

    def __init__(self, limit: float | None):
        self.limit = None if limit is None else max(float(limit), 0.001)
        self.seconds: float | None = None
        self.stopped = False
        self._armed = False
        self._previous = None
        self._start = 0.0

    def __enter__(self) -> Clock:
        if self.limit is None:
            return self
        warm_up()
        self._armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if self._armed:
            self._previous = signal.signal(signal.SIGPROF, self._stop)
        self._start = _process_time()
        if self._armed:
            signal.setitimer(signal.ITIMER_PROF, self.limit)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.limit is None:
            return
        if self._armed:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self._previous)
        self.seconds = _process_time() - self._start
        self.stopped = isinstance(error, LimitReached)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        raise LimitReached(_("stopped after {seconds:.2f} s of processor time, its limit").format(
            seconds=self.limit))


def warm_up() -> None:
    """Pay torch's lazy imports in this process, once, so that no measured call pays them."""
    global _warmed
    if not _warmed:
        from nnkit.testing import warmup

        warmup.pay_lazy_imports()
        _warmed = True
