import pytest
from lending.models import Book, Member


@pytest.fixture
def book(db):
    return Book.objects.create(title="Dune", author="Frank Herbert", isbn="9780441013593")


@pytest.fixture
def member(db):
    return Member.objects.create(name="Ada", email="ada@example.com")
