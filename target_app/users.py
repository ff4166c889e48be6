"""The /users endpoints: create (emails are unique), list, read."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from target_app.db import get_session
from target_app.models import UserRow
from target_app.schemas import User, UserCreate

router = APIRouter(prefix="/users", tags=["users"])

SessionDep = Annotated[Session, Depends(get_session)]
UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", response_model=User, status_code=status.HTTP_201_CREATED)
def create_user(payload: UserCreate, session: SessionDep) -> UserRow:
    user = UserRow(name=payload.name, email=payload.email)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        # The unique index on email is the single source of truth, also under concurrent requests.
        session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"A user with email {payload.email} already exists"
        ) from None
    return user


@router.get("", response_model=list[User])
def list_users(session: SessionDep) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.id)))


@router.get("/{user_id}", response_model=User)
def get_user(user_id: UserId, session: SessionDep) -> UserRow:
    user = session.get(UserRow, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {user_id} not found")
    return user
