"""Framed messages over a Unix socket, with deadlines, between the grader and its sandbox.

Every message is one `codec.pack` frame behind an 8-byte length, so a reader always knows how
much to expect and can refuse an oversized frame before reading it. The far end may be student
code writing garbage or nothing at all: every read has a deadline, and every malformed frame is
a `ChannelError`, never a crash of the trusted side.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time

LENGTH = struct.Struct("<Q")


def _codec():
    """`nnkit.codec` imports torch; importing it on first use lets the grader start its
    sandboxes (which import torch themselves) before it pays for torch."""
    from nnkit import codec

    return codec


class ChannelError(Exception):
    """The other end broke the protocol (bad frame, oversized message)."""


class ChannelClosed(ChannelError):
    """The other end went away (it exited, crashed or closed the socket)."""


class ChannelTimeout(ChannelError):
    """No complete message arrived before the deadline."""


def send(sock: socket.socket, header: dict, buffers: list[bytes] | None = None,
         timeout: float | None = None) -> None:
    """Send one message; `timeout` bounds the time spent blocked on a full socket."""
    data = _codec().pack(header, buffers or [])
    sock.settimeout(timeout)
    try:
        sock.sendall(LENGTH.pack(len(data)) + data)
    except TimeoutError:
        raise ChannelTimeout("the other end stopped reading") from None
    except OSError as error:
        raise ChannelClosed(f"the other end went away ({error.strerror or error})") from None


def recv(sock: socket.socket, timeout: float | None = None,
         alive: int | None = None) -> tuple[dict, list[bytes]]:
    """Receive one message, waiting at most `timeout` seconds for all of it (None: forever).

    `alive` is a pidfd of the process that should answer: when it ends before a whole message
    came, that is `ChannelClosed` at once, even if a child it left behind still holds the socket.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    codec = _codec()
    (size,) = LENGTH.unpack(_read(sock, LENGTH.size, deadline, alive))
    if size > codec.MAX_MESSAGE_BYTES:
        raise ChannelError(f"a message of {size} bytes is over the cap")
    try:
        return codec.unpack(_read(sock, size, deadline, alive))
    except (codec.CodecError, ValueError, struct.error) as error:
        raise ChannelError(f"malformed message: {error}") from None


def _read(sock: socket.socket, size: int, deadline: float | None, alive: int | None = None) -> bytes:
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise ChannelTimeout("no answer before the deadline")
        if alive is not None:
            readable, _, _ = select.select([sock, alive], [], [], left)
            if not readable:
                raise ChannelTimeout("no answer before the deadline")
            if sock not in readable:
                raise ChannelClosed("the process ended")
        sock.settimeout(left)
        try:
            count = sock.recv_into(view[got:], min(size - got, 1 << 20))
        except TimeoutError:
            raise ChannelTimeout("no answer before the deadline") from None
        except OSError as error:
            raise ChannelClosed(f"the connection failed ({error.strerror or error})") from None
        if count == 0:
            raise ChannelClosed("the other end closed the connection")
        got += count
    return bytes(data)


def send_fds(sock: socket.socket, fds: list[int], header: dict, timeout: float | None = None) -> None:
    """Pass open file descriptors (a worker's socket and pidfd) along with a message."""
    sock.settimeout(timeout)
    socket.send_fds(sock, [bytes([len(fds)])], fds)
    send(sock, header, timeout=timeout)


def recv_fds(sock: socket.socket, timeout: float | None = None) -> tuple[list[int], dict]:
    """Receive the descriptors passed with `send_fds`, then their message."""
    sock.settimeout(timeout)
    try:
        marker, fds, _, _ = socket.recv_fds(sock, 1, 4)
    except TimeoutError:
        raise ChannelTimeout("no answer before the deadline") from None
    except OSError as error:
        raise ChannelClosed(f"the connection failed ({error.strerror or error})") from None
    if not fds or marker != bytes([len(fds)]):
        for fd in fds:
            _close_quietly(fd)
        raise ChannelClosed("expected file descriptors")
    header, _ = recv(sock, timeout)
    return fds, header


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
