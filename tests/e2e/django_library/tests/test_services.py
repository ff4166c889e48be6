from datetime import timedelta
from decimal import Decimal

import pytest
from lending.models import MAX_LOANS, Book, Loan
from lending.services import LendingError, give_back, late_fee, lend


def test_lend_creates_an_open_loan(book, member):
    loan = lend(book, member)
    assert loan.returned_at is None
    assert list(member.open_loans()) == [loan]
    assert book.available() == 0


def test_no_copy_left(book, member):
    lend(book, member)
    with pytest.raises(LendingError, match="no copy available"):
        lend(book, member)


def test_inactive_members_cannot_borrow(book, member):
    member.active = False
    member.save()
    with pytest.raises(LendingError, match="not active"):
        lend(book, member)


def test_at_most_max_loans(member):
    books = [
        Book.objects.create(title=f"B{i}", author="A", isbn=str(i)) for i in range(MAX_LOANS + 1)
    ]
    for book in books[:MAX_LOANS]:
        lend(book, member)
    with pytest.raises(LendingError, match="too many"):
        lend(books[-1], member)


def test_give_back_on_time_costs_nothing(book, member):
    loan = lend(book, member)
    assert give_back(loan, now=loan.due_at) == Decimal("0.00")
    loan.refresh_from_db()
    assert loan.returned_at == loan.due_at


def test_cannot_give_back_twice(book, member):
    loan = lend(book, member)
    give_back(loan)
    with pytest.raises(LendingError):
        give_back(loan)


@pytest.mark.parametrize(("days", "fee"), [(1, "0.25"), (4, "1.00"), (20, "5.00"), (100, "5.00")])
def test_late_fee(book, member, days, fee):
    loan = Loan.objects.create(book=book, member=member)
    assert late_fee(loan, loan.due_at + timedelta(days=days, hours=1)) == Decimal(fee)
