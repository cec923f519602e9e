"""Setting an environment variable for a while, for this process and the processes it starts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def setting(name: str, value: str) -> Iterator[None]:
    """`name` set to `value` inside the block; afterwards as it was (unset if it was)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
