"""The same app through Django's own TestCase, as many Django projects write their tests."""

from django.contrib.auth.models import User
from django.test import TestCase
from lending.models import Book, Member
from lending.services import LendingError, lend


class LendingTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.book = Book.objects.create(
            title="Solaris", author="Stanisław Lem", isbn="9780156027601", copies=2
        )
        cls.member = Member.objects.create(name="Cy", email="cy@example.com")

    def test_two_copies_lend_twice(self):
        lend(self.book, self.member)
        lend(self.book, self.member)
        self.assertEqual(self.book.available(), 0)
        with self.assertRaises(LendingError):
            lend(self.book, self.member)

    def test_member_loans_view(self):
        lend(self.book, self.member)
        response = self.client.get(f"/api/members/{self.member.id}/loans/")
        self.assertEqual(response.json()["loans"], [{"book": "Solaris", "overdue": False}])

    def test_member_emails_are_unique(self):
        from django.db import IntegrityError

        with self.assertRaises(IntegrityError):
            Member.objects.create(name="Cy two", email="cy@example.com")


class AdminTestCase(TestCase):
    def setUp(self):
        self.admin = User.objects.create_superuser("admin", "admin@example.com", "pw")
        self.client.force_login(self.admin)
        Book.objects.create(title="Solaris", author="Stanisław Lem", isbn="9780156027601")

    def test_admin_lists_books_with_their_columns(self):
        response = self.client.get("/admin/lending/book/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "9780156027601")
        self.assertContains(response, "column-isbn")

    def test_admin_searches_by_isbn(self):
        response = self.client.get("/admin/lending/book/", {"q": "9780156027601"})
        self.assertContains(response, "Solaris")

    def test_loans_are_registered(self):
        self.assertEqual(self.client.get("/admin/lending/loan/").status_code, 200)
