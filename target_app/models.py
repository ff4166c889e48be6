"""The tables: todos, users, and the counter that hands out todo ids."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from target_app.db import Base


class TodoRow(Base):
    __tablename__ = "todos"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)


class IdCounter(Base):
    """The last id handed out per kind of row, so an id is never reused, even after a delete."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_id: Mapped[int]
