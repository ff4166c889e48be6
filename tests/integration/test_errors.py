"""No input makes the API answer 500: every bad request gets a 4xx with a useful detail."""

import pytest


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/todos/abc", {}, 422),
        ("get", "/todos/0", {}, 422),
        ("get", "/todos/99999999999999999999999", {}, 422),
        ("get", "/users/abc", {}, 422),
        ("get", "/users/99999999999999999999999", {}, 422),
        ("get", "/todos?done=maybe", {}, 422),
        (
            "post",
            "/todos",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
        ),
        ("post", "/todos", {"json": ["a", "list"]}, 422),
        ("post", "/todos", {"json": {"title": "ok", "done": "sometimes"}}, 422),
        ("post", "/todos", {"json": {"title": "ok", "owner": "eve"}}, 422),
        ("put", "/todos/1", {"json": {"title": "no done field"}}, 422),
        ("post", "/users", {"json": {"name": 7, "email": "a@test.com"}}, 422),
        ("post", "/todos", {"content": b'{"title": "' + b"x" * 70_000 + b'"}'}, 413),
        ("patch", "/todos/1", {"json": {"title": "x"}}, 405),
    ],
)
def test_bad_requests_get_a_4xx_with_detail(client, db, method, path, kwargs, status):
    response = client.request(method, path, **kwargs)
    assert response.status_code == status
    assert response.json()["detail"]
    assert db.count("todos") == 0


def test_streamed_oversize_body_is_refused(client, db):
    def chunks():
        yield b'{"title": "'
        yield b"x" * 70_000
        yield b'"}'

    response = client.post("/todos", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": "Content Too Large"}
    assert db.count("todos") == 0
