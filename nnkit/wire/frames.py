"""The one framing of every message between the kit's processes, and sending it over a socket.

A frame is an 8-byte length, then the message: a JSON header and the raw byte buffers it refers
to (tensor data travels this way, never pickled). A reader always knows how much to expect and
refuses an oversized frame before reading it. The far end may be student code writing garbage or
nothing at all: every read can have a deadline, and every malformed frame is a `FrameError`,
never a crash of the reading side. Free of torch, so the check client stays light.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import time
from typing import BinaryIO

from nnkit.i18n.lang import _

LENGTH = struct.Struct("<Q")
COUNTS = struct.Struct("<II")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_BUFFERS = 100_000


class FrameError(Exception):
    """The other end broke the framing (a bad frame, an oversized message)."""


class Closed(FrameError):
    """The other end went away (it exited, crashed or closed the socket)."""


class Timeout(FrameError):
    """No complete message arrived before the deadline."""


def pack(header: dict, buffers: list[bytes] = ()) -> bytes:
    """A header and its buffers as one message."""
    head = json.dumps(header, separators=(",", ":")).encode()
    parts = [COUNTS.pack(len(head), len(buffers)), head]
    for buffer in buffers:
        parts += [LENGTH.pack(len(buffer)), buffer]
    message = b"".join(parts)
    if len(message) > MAX_MESSAGE_BYTES:
        raise FrameError(_("a message of {size} bytes is over the cap").format(size=len(message)))
    return message


def unpack(message: bytes) -> tuple[dict, list[bytes]]:
    """A message back into its header and buffers, every cap enforced."""
    try:
        head_len, count = COUNTS.unpack_from(message, 0)
        if head_len > MAX_HEADER_BYTES or count > MAX_BUFFERS:
            raise FrameError(_("the message's header is over the cap"))
        offset = COUNTS.size + head_len
        header = json.loads(message[COUNTS.size:offset])
        buffers = []
        for _index in range(count):
            (size,) = LENGTH.unpack_from(message, offset)
            offset += LENGTH.size
            if offset + size > len(message):
                raise FrameError(_("the message is truncated"))
            buffers.append(message[offset:offset + size])
            offset += size
    except (struct.error, ValueError) as error:  # UnicodeDecodeError and JSONDecodeError too
        raise FrameError(_("a malformed message ({error})").format(error=error)) from None
    if type(header) is not dict:
        raise FrameError(_("the message's header is not an object"))
    if offset != len(message):
        raise FrameError(_("the message has trailing bytes"))
    return header, buffers


def send(sock: socket.socket, header: dict, buffers: list[bytes] = (), timeout: float | None = None) -> None:
    """Send one message; `timeout` bounds the time spent blocked on a full socket."""
    data = pack(header, list(buffers))
    sock.settimeout(timeout)
    try:
        sock.sendall(LENGTH.pack(len(data)) + data)
    except TimeoutError:
        raise Timeout(_("the other end stopped reading")) from None
    except OSError as error:
        raise Closed(_("the other end went away ({error})").format(error=error.strerror or error)) from None


def recv(sock: socket.socket, timeout: float | None = None, alive: int | None = None,
         limit: int = MAX_MESSAGE_BYTES) -> tuple[dict, list[bytes]]:
    """Receive one message, waiting at most `timeout` seconds for all of it (None: forever).

    `alive` is a pidfd (Linux) of the process that should answer: when it ends before a whole
    message came, that is `Closed` at once, even if a child it left behind holds the socket.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = LENGTH.unpack(_read(sock, LENGTH.size, deadline, alive))
    if size > limit:
        raise FrameError(_("a message of {size} bytes is over the cap of {cap}").format(size=size, cap=limit))
    return unpack(_read(sock, size, deadline, alive))


def _read(sock: socket.socket, size: int, deadline: float | None, alive: int | None) -> bytes:
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise Timeout(_("no answer before the deadline"))
        if alive is not None:
            readable, _writable, _failed = select.select([sock, alive], [], [], left)
            if not readable:
                raise Timeout(_("no answer before the deadline"))
            if sock not in readable:
                raise Closed(_("the process ended"))
        sock.settimeout(left)
        try:
            count = sock.recv_into(view[got:], min(size - got, 1 << 20))
        except TimeoutError:
            raise Timeout(_("no answer before the deadline")) from None
        except OSError as error:
            raise Closed(_("the connection failed ({error})").format(error=error.strerror or error)) from None
        if count == 0:
            raise Closed(_("the other end closed the connection"))
        got += count
    return bytes(data)


def write(stream: BinaryIO, header: dict, buffers: list[bytes] = ()) -> None:
    """Write one message to a binary stream (a pipe to or from a warm process)."""
    data = pack(header, list(buffers))
    try:
        stream.write(LENGTH.pack(len(data)) + data)
        stream.flush()
    except (OSError, ValueError) as error:  # ValueError: the stream was closed
        raise Closed(_("the other end went away ({error})").format(error=error)) from None


def read(stream: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> tuple[dict, list[bytes]]:
    """Read one message from a binary stream; `Closed` when it ends first."""
    head = _read_stream(stream, LENGTH.size)
    (size,) = LENGTH.unpack(head)
    if size > limit:
        raise FrameError(_("a message of {size} bytes is over the cap of {cap}").format(size=size, cap=limit))
    return unpack(_read_stream(stream, size))


def _read_stream(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        try:
            chunk = stream.read(left)
        except (OSError, ValueError) as error:
            raise Closed(_("the stream failed ({error})").format(error=error)) from None
        if not chunk:
            raise Closed(_("the other end closed the stream"))
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send_fds(sock: socket.socket, fds: list[int], header: dict, timeout: float | None = None) -> None:
    """Pass open file descriptors (a worker's socket and pidfd) along with a message (Unix)."""
    sock.settimeout(timeout)
    socket.send_fds(sock, [bytes([len(fds)])], fds)
    send(sock, header, timeout=timeout)


def recv_fds(sock: socket.socket, timeout: float | None = None) -> tuple[list[int], dict]:
    """Receive the descriptors passed with `send_fds`, then their message."""
    sock.settimeout(timeout)
    try:
        marker, fds, _flags, _address = socket.recv_fds(sock, 1, 4)
    except TimeoutError:
        raise Timeout(_("no answer before the deadline")) from None
    except OSError as error:
        raise Closed(_("the connection failed ({error})").format(error=error.strerror or error)) from None
    if not fds or marker != bytes([len(fds)]):
        for fd in fds:
            _close_quietly(fd)
        raise Closed(_("expected file descriptors"))
    header, _buffers = recv(sock, timeout)
    return fds, header


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
