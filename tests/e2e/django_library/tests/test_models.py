from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.utils import timezone
from lending.models import LOAN_DAYS, Book, Loan, Member


def test_books_are_listed_by_title(db):
    Book.objects.create(title="Zen", author="Z", isbn="1")
    Book.objects.create(title="Alpha", author="A", isbn="2")
    assert [b.title for b in Book.objects.all()] == ["Alpha", "Zen"]


def test_isbn_is_unique(book):
    with pytest.raises(IntegrityError):
        Book.objects.create(title="Dune again", author="F. H.", isbn=book.isbn)


def test_a_new_book_has_one_copy(book):
    assert book.copies == 1
    assert book.available() == 1


def test_str_names_title_and_author(book, member):
    assert str(book) == "Dune (Frank Herbert)"
    assert str(member) == "Ada"


def test_a_loan_is_due_after_the_loan_period(book, member):
    loan = Loan.objects.create(book=book, member=member)
    assert loan.due_at - loan.lent_at == pytest.approx(
        timedelta(days=LOAN_DAYS), abs=timedelta(seconds=1)
    )


def test_a_lent_book_cannot_be_deleted(book, member):
    Loan.objects.create(book=book, member=member)
    with pytest.raises(ProtectedError):
        book.delete()


def test_deleting_a_member_deletes_their_loans(book, member):
    Loan.objects.create(book=book, member=member)
    member.delete()
    assert Loan.objects.count() == 0


def test_overdue_only_when_past_due_and_not_returned(book, member):
    loan = Loan.objects.create(book=book, member=member)
    later = loan.due_at + timedelta(days=1)
    assert loan.is_overdue(later)
    assert not loan.is_overdue(loan.due_at)
    loan.returned_at = timezone.now()
    assert not loan.is_overdue(later)


def test_new_members_are_active(db):
    assert Member.objects.create(name="Bo", email="bo@example.com").active is True
