"""The channel of the fork backend: typed messages (breakit.core.wire), one JSON line each, between
the command, a worker and the warm pool. Both sides talk through a `Channel`: the command asks
(`ask`), a worker reads requests (iterating) and replies (`send`). It imports nothing of either
side.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from breakit.core.errors import WarmUnavailable
from breakit.core.wire import Message, Reply, Request, decode_reply

HANDSHAKE_TIMEOUT_S = 10.0  # a warm pool answers a connection's first message within this

R = TypeVar("R", bound=Reply)


class Channel:
    """One side of a conversation: messages out on `outgoing`, JSON lines in from `incoming`."""

    def __init__(self, incoming: IO[bytes], outgoing: IO[bytes]) -> None:
        self.incoming = incoming
        self.outgoing = outgoing

    @classmethod
    def over_socket(cls, sock: socket.socket) -> Channel:
        return cls(sock.makefile("rb"), sock.makefile("wb"))

    def __iter__(self) -> Iterator[Any]:
        """The other side's messages, as JSON (None for a line that is not JSON), until it
        hangs up; the reader decodes them (breakit.core.wire.decode_request)."""
        for line in self.incoming:
            try:
                yield json.loads(line)
            except ValueError:
                yield None

    def send(self, message: Message) -> None:
        self.outgoing.write(message.line())
        self.outgoing.flush()

    def receive(self, timeout_s: float | None = None) -> Any:
        """The next message, as JSON. EOFError when the other side hung up, TimeoutError when it
        said nothing within `timeout_s` (None: wait)."""
        if timeout_s is not None:
            ready, _, _ = select.select([self.incoming], [], [], timeout_s)
            if not ready:
                raise TimeoutError(f"no answer in {timeout_s:g} s")
        line = self.incoming.readline()
        if not line:
            raise EOFError("the other side hung up")
        return json.loads(line)

    def ask(self, request: Request, *expected: type[R], timeout_s: float | None = None) -> R:
        """Send `request`, and read its reply, one of the `expected` kinds (WireError if not)."""
        self.send(request)
        return decode_reply(self.receive(timeout_s), *expected)

    def close(self) -> None:
        """Close both streams."""
        for stream in (self.outgoing, self.incoming):
            try:
                stream.close()
            except OSError:  # a request still buffered for a dead process: drop it
                with contextlib.suppress(OSError, AttributeError):
                    stream.raw.close()  # type: ignore[attr-defined]


def read_message(sock: socket.socket, timeout_s: float) -> Any:
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
