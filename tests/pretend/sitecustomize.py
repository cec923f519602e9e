"""Make this Python look like Windows or macOS to the kit, for tests of the student side.

Loaded when this folder is on PYTHONPATH and NNKIT_PRETEND names a system. Windows: no fork,
forkpty, uids, sessions or process groups, and no Unix sockets. macOS: fork is there on the real
system but unsafe once torch is loaded, so it is removed too, with the Unix sockets. The platform
check the kit uses (`platform.system()`) answers the system's name. Every process the kit starts
from here inherits PYTHONPATH, and with it the pretence.
"""

import os
import platform
import socket
import sys

SYSTEM = os.environ.get("NNKIT_PRETEND", "")
GONE = {"Windows": ("fork", "forkpty", "getuid", "geteuid", "setsid", "killpg"),
        "Darwin": ("fork", "forkpty")}

if SYSTEM in GONE:
    for name in GONE[SYSTEM]:
        if hasattr(os, name):
            delattr(os, name)
    if hasattr(socket, "AF_UNIX"):
        del socket.AF_UNIX
    real_system = platform.system

    def system() -> str:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        return SYSTEM if caller.startswith("nnkit.") else real_system()

    platform.system = system
