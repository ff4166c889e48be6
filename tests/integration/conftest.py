"""Each test gets a fresh app on a fresh in-memory database, and a direct look at that database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, column, func, select, table

from target_app import create_app
from target_app.db import make_engine


class Database:
    """Reads the test's database past the API: side effects are checked where they land."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count(self, table_name: str) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table(table_name)))

    def rows(self, table_name: str, *columns: str) -> list[tuple]:
        query = select(*(column(c) for c in columns)).select_from(table(table_name))
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def db(engine: Engine) -> Database:
    return Database(engine)
