"""What the library does: lend, take back, and charge for lateness."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lending.models import MAX_LOANS, Book, Loan, Member

FEE_PER_DAY = Decimal("0.25")
FEE_CAP = Decimal("5.00")


class LendingError(Exception):
    """Why a book cannot be lent or returned."""


@transaction.atomic
def lend(book: Book, member: Member) -> Loan:
    if not member.active:
        raise LendingError("member is not active")
    if member.open_loans().count() >= MAX_LOANS:
        raise LendingError("member has too many loans")
    if book.available() <= 0:
        raise LendingError("no copy available")
    return Loan.objects.create(book=book, member=member)


def give_back(loan: Loan, now=None) -> Decimal:
    if loan.returned_at is not None:
        raise LendingError("already returned")
    now = now or timezone.now()
    loan.returned_at = now
    loan.save(update_fields=["returned_at"])
    return late_fee(loan, now)


def late_fee(loan: Loan, now) -> Decimal:
    late_days = (now - loan.due_at).days
    if late_days <= 0:
        return Decimal("0.00")
    return min(FEE_PER_DAY * late_days, FEE_CAP)
