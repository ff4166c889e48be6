"""The JSON API: the catalogue, a member's loans, lending."""

import json

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lending.models import Book, Member
from lending.services import LendingError, lend


def book_json(book):
    return {"id": book.id, "title": book.title, "isbn": book.isbn, "available": book.available()}


@require_GET
def books(request):
    query = request.GET.get("q", "")
    found = Book.objects.all()
    if query:
        found = found.filter(title__icontains=query)
    return JsonResponse({"books": [book_json(book) for book in found]})


@require_GET
def member_loans(request, member_id):
    member = get_object_or_404(Member, pk=member_id)
    loans = [
        {"book": loan.book.title, "overdue": loan.is_overdue()} for loan in member.open_loans()
    ]
    return JsonResponse({"member": member.name, "loans": loans})


@csrf_exempt
@require_POST
def lend_book(request):
    payload = json.loads(request.body or b"{}")
    book = get_object_or_404(Book, pk=payload.get("book"))
    member = get_object_or_404(Member, pk=payload.get("member"))
    try:
        loan = lend(book, member)
    except LendingError as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse({"loan": loan.id, "due": loan.due_at.date().isoformat()}, status=201)
