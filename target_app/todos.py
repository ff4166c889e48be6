"""The /todos endpoints: list (with a done filter), create, read, update, delete."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from target_app.db import get_session
from target_app.ids import next_todo_id
from target_app.models import TodoRow
from target_app.schemas import Todo, TodoCreate, TodoUpdate

router = APIRouter(prefix="/todos", tags=["todos"])

SessionDep = Annotated[Session, Depends(get_session)]
# SQLite stores 64-bit integers; a larger id would crash the driver, so it is refused up front.
TodoId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def find_todo(session: Session, todo_id: int) -> TodoRow:
    todo = session.get(TodoRow, todo_id)
    if todo is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Todo {todo_id} not found")
    return todo


@router.get("", response_model=list[Todo])
def list_todos(session: SessionDep, done: bool | None = None) -> list[TodoRow]:
    query = select(TodoRow).order_by(TodoRow.id)
    if done is not None:
        query = query.where(TodoRow.done == done)
    return list(session.scalars(query))


@router.post("", response_model=Todo, status_code=status.HTTP_201_CREATED)
def create_todo(payload: TodoCreate, session: SessionDep) -> TodoRow:
    todo = TodoRow(id=next_todo_id(session), title=payload.title, done=payload.done)
    session.add(todo)
    session.commit()
    return todo


@router.get("/{todo_id}", response_model=Todo)
def get_todo(todo_id: TodoId, session: SessionDep) -> TodoRow:
    return find_todo(session, todo_id)


@router.put("/{todo_id}", response_model=Todo)
def update_todo(todo_id: TodoId, payload: TodoUpdate, session: SessionDep) -> TodoRow:
    todo = find_todo(session, todo_id)
    todo.title = payload.title
    todo.done = payload.done
    session.commit()
    return todo


@router.delete("/{todo_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_todo(todo_id: TodoId, session: SessionDep) -> None:
    todo = find_todo(session, todo_id)
    session.delete(todo)
    session.commit()
