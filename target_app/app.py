"""The application factory: one app per database, so every test can have its own."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from target_app import todos, users
from target_app.db import Base, make_engine
from target_app.limits import DeclaredBodyLimit

# A todo is at most 200 characters; no legitimate request comes near this.
MAX_BODY_BYTES = 64 * 1024


def create_app(database: str | Engine) -> FastAPI:
    """A new app on `database` (a SQLAlchemy URL or an Engine); its tables are created if missing.

    An engine made here from a URL is disposed of when the app shuts down; one passed in
    belongs to the caller.
    """
    owned = isinstance(database, str)
    engine = make_engine(database) if isinstance(database, str) else database
    Base.metadata.create_all(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            engine.dispose()

    app = FastAPI(title="Todo API", lifespan=lifespan)
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine)
    app.add_middleware(DeclaredBodyLimit, max_bytes=MAX_BODY_BYTES)
    app.include_router(todos.router, max_body_size=MAX_BODY_BYTES)
    app.include_router(users.router, max_body_size=MAX_BODY_BYTES)
    return app
