"""Messages between the app and its REPL process: length-prefixed JSON, safe to read from a peer
that runs hostile code.

The engine process speaks pickle, which is fine between two trusted programs. Here the child runs
code written by a model (steered, perhaps, by a hostile document), so nothing it sends may be able
to run code in the app when read: JSON gives plain values or an error, never objects.
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct("!I")  # the length of the JSON that follows, in bytes

# How the child says why it ended itself (the parent turns these into messages).
EXIT_CPU_LIMIT = 90  # a cell kept running after its CPU-time limit
EXIT_OUT_OF_MEMORY = 91  # the REPL itself ran out of memory outside a cell


class ProtocolError(Exception):
    """The other side sent something that is not a message."""


def encode(message: dict[str, Any]) -> bytes:
    """One framed message. Lone surrogates (they do occur in extracted text) travel unchanged."""
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    body = data.encode("utf-8", "surrogatepass")
    if len(body) >= 1 << 32:
        raise ValueError("a message to or from the REPL must be under 4 GB")
    return HEADER.pack(len(body)) + body


def send(stream: BinaryIO, message: dict[str, Any]) -> None:
    stream.write(encode(message))
    stream.flush()


def receive(stream: BinaryIO, max_bytes: int) -> dict[str, Any]:
    """The next message; EOFError when the stream ends, ProtocolError when it is not a message."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        raise EOFError
    (size,) = HEADER.unpack(header)
    if size > max_bytes:
        raise ProtocolError(f"a message of {size} bytes is over the {max_bytes}-byte limit")
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    try:
        message = json.loads(body.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"not a message: {type(e).__name__}") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a message: not a JSON object")
    return message
