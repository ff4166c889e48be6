"""Where a new todo's id is decided: one place, on purpose (the "constant id" breakage)."""

from sqlalchemy.orm import Session

from target_app.models import IdCounter


def next_todo_id(session: Session) -> int:
    """The id for the next todo: one more than the last id ever handed out (ids are not reused)."""
    counter = session.get(IdCounter, "todos")
    if counter is None:
        counter = IdCounter(name="todos", last_id=0)
        session.add(counter)
    counter.last_id += 1
    return counter.last_id
