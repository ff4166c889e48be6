"""Database plumbing: the declarative base, engines, and one session per request."""

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    """An engine for `url`; an in-memory SQLite database is kept on one shared connection.

    TestClient runs plain `def` handlers in a thread pool, and every new connection to
    `sqlite://` would otherwise open a new, empty database. A file database needs nothing
    special: SQLAlchemy pools its connections and lets them move between threads.
    """
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    return create_engine(url)


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: a session on the app's own database, closed after the request."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session
