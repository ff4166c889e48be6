"""Books, members and the loans between them."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

LOAN_DAYS = 14
MAX_LOANS = 3


def default_due():
    return timezone.now() + timedelta(days=LOAN_DAYS)


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.CharField(max_length=120)
    isbn = models.CharField(max_length=13, unique=True)
    copies = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.author})"

    def available(self):
        return self.copies - self.loans.filter(returned_at__isnull=True).count()


class Member(models.Model):
    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def open_loans(self):
        return self.loans.filter(returned_at__isnull=True)


class Loan(models.Model):
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="loans")
    lent_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=default_due)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-lent_at"]

    def is_overdue(self, now=None):
        now = now or timezone.now()
        return self.returned_at is None and now > self.due_at
