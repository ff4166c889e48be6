import json

from lending.models import Book


def test_books_lists_the_catalogue(client, book):
    response = client.get("/api/books/")
    assert response.status_code == 200
    assert response.json() == {
        "books": [{"id": book.id, "title": "Dune", "isbn": "9780441013593", "available": 1}]
    }


def test_books_filters_by_title(client, book):
    Book.objects.create(title="Emma", author="Jane Austen", isbn="9780141439587")
    titles = [b["title"] for b in client.get("/api/books/", {"q": "dun"}).json()["books"]]
    assert titles == ["Dune"]


def test_lend_over_http(client, book, member):
    response = client.post(
        "/api/loans/",
        json.dumps({"book": book.id, "member": member.id}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert set(response.json()) == {"loan", "due"}
    loans = client.get(f"/api/members/{member.id}/loans/").json()
    assert loans == {"member": "Ada", "loans": [{"book": "Dune", "overdue": False}]}


def test_lend_refused_is_a_conflict(client, book, member):
    body = json.dumps({"book": book.id, "member": member.id})
    client.post("/api/loans/", body, content_type="application/json")
    response = client.post("/api/loans/", body, content_type="application/json")
    assert response.status_code == 409
    assert response.json() == {"error": "no copy available"}


def test_unknown_member_is_404(client, db):
    assert client.get("/api/members/999/loans/").status_code == 404


def test_books_only_answers_get(client, db):
    assert client.post("/api/books/").status_code == 405
