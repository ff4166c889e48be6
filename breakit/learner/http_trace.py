"""A pytest plugin recording the HTTP requests each test makes through Starlette's TestClient.

Loaded in the run as `-p breakit.learner.http_trace` (or through PYTEST_PLUGINS), it does nothing
unless BREAKIT_HTTP_TRACE names a file; then it wraps the TestClient's transport and appends one
JSON line per finished test: ``{"nodeid": …, "requests": [{"method", "path", "status"}, …]}``. A
request whose handler raised (TestClient re-raises server errors) has status None. Like
breakit.inrun.pytest_plugin, it needs nothing from breakit but itself.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: breakit.learner.why reads traces without importing pytest
    import pytest

TRACE_ENV = "BREAKIT_HTTP_TRACE"
MAX_REQUESTS = 20  # per test: enough to show the last ones, bounded for loops of requests
_PLUGIN_NAME = "breakit-http-trace"


class HttpTracer:
    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.nodeid: str | None = None
        self.requests: list[dict[str, Any]] = []
        self.patched = False

    def patch(self) -> None:
        """Wrap TestClient's transport once it has been imported (by a conftest or a test)."""
        if self.patched or "starlette.testclient" not in sys.modules:
            return
        transport = getattr(sys.modules["starlette.testclient"], "_TestClientTransport", None)
        original = getattr(transport, "handle_request", None)
        if transport is None or original is None:
            return
        tracer = self

        def handle_request(self_: Any, request: Any) -> Any:
            entry = tracer.begin(request)
            response = original(self_, request)
            if entry is not None:
                entry["status"] = getattr(response, "status_code", None)
            return response

        transport.handle_request = handle_request
        self.patched = True

    def begin(self, request: Any) -> dict[str, Any] | None:
        if self.nodeid is None or len(self.requests) >= MAX_REQUESTS:
            return None
        url = request.url
        path = url.raw_path.decode("ascii", errors="replace") if hasattr(url, "raw_path") else url
        entry = {"method": str(request.method), "path": str(path), "status": None}
        self.requests.append(entry)
        return entry

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.patch()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.patch()
        self.nodeid = nodeid
        self.requests = []

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.file.write(json.dumps({"nodeid": nodeid, "requests": self.requests}) + "\n")
        self.file.flush()
        self.nodeid = None
        self.requests = []


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(TRACE_ENV)
    if not path or config.pluginmanager.has_plugin(_PLUGIN_NAME):
        return
    file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in pytest_unconfigure
    config.pluginmanager.register(HttpTracer(file), _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    tracer = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if isinstance(tracer, HttpTracer):
        tracer.file.close()
        config.pluginmanager.unregister(tracer, _PLUGIN_NAME)


def read_trace(path: str | os.PathLike[str]) -> dict[str, list[dict[str, Any]]]:
    """nodeid → the requests it made; the last record of a test wins (the mutant's run)."""
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            record = json.loads(line)
            found[record["nodeid"]] = list(record["requests"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill
    return found
