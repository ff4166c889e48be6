"""The wire of the fork backend: one JSON object per line, between the command, a worker and the
warm pool. Both sides use it: it imports nothing of either.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from breakit.errors import WarmUnavailable

HANDSHAKE_TIMEOUT_S = 10.0  # a warm pool answers a connection's first message within this


class Channel:
    """The worker's side of the protocol: JSON requests in, one JSON reply per request out."""

    def __init__(self, requests: IO[bytes], replies: IO[bytes]) -> None:
        self.requests = requests
        self.replies = replies

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for line in self.requests:
            yield json.loads(line)

    def reply(self, reply: dict[str, Any]) -> None:
        self.replies.write(json.dumps(reply).encode() + b"\n")
        self.replies.flush()


def read_message(sock: socket.socket, timeout_s: float) -> dict[str, Any]:
    """One JSON line, read byte-exactly: what follows it belongs to the worker loop."""
    sock.settimeout(timeout_s)
    buffer = b""
    while not buffer.endswith(b"\n"):
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise WarmUnavailable("the connection closed before a whole message")
        buffer += chunk
    return json.loads(buffer)


def pool_folder(socket_path: Path) -> Path:
    """A warm pool's own folder (its cwd and breakit shim), next to its socket."""
    return socket_path.with_suffix(".d")
