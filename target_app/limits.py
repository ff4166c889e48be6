"""Refuse oversize request bodies with a JSON 413 before reading them.

FastAPI's own `max_body_size` answers a declared-too-large body (Content-Length) in plain
text, and a streamed one in JSON; this answers the declared case in JSON too, so every error
of the API has the same `{"detail": ...}` shape. Streamed bodies are left to the routers'
`max_body_size` (set on the routers, not the app: the app-level limiter sits outside this
middleware and would replace its JSON answer with plain text).
"""

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class DeclaredBodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                detail = f"Request body is larger than {self.max_bytes} bytes"
                await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)
