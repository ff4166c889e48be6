"""The tables: todos, users, and the counter that hands out todo ids."""

from sqlalchemy.orm import Mapped, mapped_column

from target_app.db import Base

# No column lengths: SQLite does not enforce them; the Pydantic schemas are what limit input.


class TodoRow(Base):
    __tablename__ = "todos"

    # Ids are handed out by target_app/ids.py, never by the database.
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    done: Mapped[bool]


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str] = mapped_column(unique=True)


class IdCounter(Base):
    """The last id handed out per kind of row, so an id is never reused, even after a delete."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(primary_key=True)
    last_id: Mapped[int]
