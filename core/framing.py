"""Length-prefixed frames on a byte stream: how Longread's child processes (the document
reader, the engine) and the app pass messages over stdin/stdout."""

from __future__ import annotations

import struct
from typing import BinaryIO

_HEADER = struct.Struct("!Q")  # the length of the frame that follows, in bytes


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO, max_size: int | None = None) -> bytes:
    """The next frame; EOFError when the stream ends, or when a frame is over `max_size`."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    if max_size is not None and size > max_size:
        raise EOFError
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data
