"""What the API accepts and returns (Pydantic), separate from how rows are stored."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TodoCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    done: bool = False


class TodoUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    done: bool


# The response models need no from_attributes: FastAPI reads a returned row's attributes itself.
class Todo(BaseModel):
    id: int
    title: str
    done: bool


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: EmailStr


class User(BaseModel):
    id: int
    name: str
    email: str
