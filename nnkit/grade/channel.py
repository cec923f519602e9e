"""Framed messages over a Unix socket, with deadlines, between the grader and its sandbox.

Every message is one `codec.pack` frame behind an 8-byte length, so a reader always knows how
much to expect and can refuse an oversized frame before reading it. The far end may be student
code writing garbage or nothing at all: every read has a deadline, and every malformed frame is
a `ChannelError`, never a crash of the trusted side.
"""

from __future__ import annotations

import os
import socket
import struct
import time

from nnkit import codec

LENGTH = struct.Struct("<Q")


class ChannelError(Exception):
    """The other end broke the protocol (bad frame, oversized message)."""


class ChannelClosed(ChannelError):
    """The other end went away (it exited, crashed or closed the socket)."""


class ChannelTimeout(ChannelError):
    """No complete message arrived before the deadline."""


def send(sock: socket.socket, header: dict, buffers: list[bytes] | None = None,
         timeout: float | None = None) -> None:
    """Send one message; `timeout` bounds the time spent blocked on a full socket."""
    data = codec.pack(header, buffers or [])
    sock.settimeout(timeout)
    try:
        sock.sendall(LENGTH.pack(len(data)) + data)
    except socket.timeout:
        raise ChannelTimeout("the other end stopped reading") from None
    except OSError as error:
        raise ChannelClosed(f"the other end went away ({error.strerror or error})") from None


def recv(sock: socket.socket, timeout: float | None = None) -> tuple[dict, list[bytes]]:
    """Receive one message, waiting at most `timeout` seconds for all of it (None: forever)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = LENGTH.unpack(_read(sock, LENGTH.size, deadline))
    if size > codec.MAX_MESSAGE_BYTES:
        raise ChannelError(f"a message of {size} bytes is over the cap")
    try:
        return codec.unpack(_read(sock, size, deadline))
    except (codec.CodecError, ValueError, struct.error) as error:
        raise ChannelError(f"malformed message: {error}") from None


def _read(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout("no answer before the deadline")
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        try:
            count = sock.recv_into(view[got:], min(size - got, 1 << 20))
        except socket.timeout:
            raise ChannelTimeout("no answer before the deadline") from None
        except OSError as error:
            raise ChannelClosed(f"the connection failed ({error.strerror or error})") from None
        if count == 0:
            raise ChannelClosed("the other end closed the connection")
        got += count
    return bytes(data)


def send_fd(sock: socket.socket, fd: int, header: dict, timeout: float | None = None) -> None:
    """Pass an open file descriptor (a worker's socket) along with a message."""
    sock.settimeout(timeout)
    socket.send_fds(sock, [b"F"], [fd])
    send(sock, header, timeout=timeout)


def recv_fd(sock: socket.socket, timeout: float | None = None) -> tuple[int, dict]:
    """Receive a descriptor passed with `send_fd`, then its message."""
    sock.settimeout(timeout)
    try:
        marker, fds, _, _ = socket.recv_fds(sock, 1, 1)
    except socket.timeout:
        raise ChannelTimeout("no answer before the deadline") from None
    except OSError as error:
        raise ChannelClosed(f"the connection failed ({error.strerror or error})") from None
    if marker != b"F" or len(fds) != 1:
        for fd in fds:
            _close_quietly(fd)
        raise ChannelClosed("expected a file descriptor")
    header, _ = recv(sock, timeout)
    return fds[0], header


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
