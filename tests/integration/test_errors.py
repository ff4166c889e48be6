"""No input makes the API answer 500: every bad request gets a 4xx with a useful detail."""

import pytest


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        pytest.param("get", "/todos/abc", {}, 422, id="todo-id-not-a-number"),
        pytest.param("get", "/todos/0", {}, 422, id="todo-id-zero"),
        pytest.param("get", "/todos/99999999999999999999999", {}, 422, id="todo-id-too-large"),
        pytest.param("get", "/users/abc", {}, 422, id="user-id-not-a-number"),
        pytest.param("get", "/users/99999999999999999999999", {}, 422, id="user-id-too-large"),
        pytest.param("get", "/todos?done=maybe", {}, 422, id="done-not-a-boolean"),
        pytest.param(
            "post",
            "/todos",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
            id="malformed-json",
        ),
        pytest.param("post", "/todos", {"json": ["a", "list"]}, 422, id="body-not-an-object"),
        pytest.param(
            "post",
            "/todos",
            {"json": {"title": "ok", "done": "sometimes"}},
            422,
            id="done-field-not-a-boolean",
        ),
        pytest.param(
            "post", "/todos", {"json": {"title": "ok", "owner": "eve"}}, 422, id="unknown-field"
        ),
        pytest.param(
            "put", "/todos/1", {"json": {"title": "no done field"}}, 422, id="put-without-done"
        ),
        pytest.param(
            "post",
            "/users",
            {"json": {"name": 7, "email": "a@test.com"}},
            422,
            id="name-not-a-string",
        ),
        pytest.param(
            "post",
            "/todos",
            {"content": b'{"title": "' + b"x" * 70_000 + b'"}'},
            413,
            id="declared-oversize-body",
        ),
        pytest.param("patch", "/todos/1", {"json": {"title": "x"}}, 405, id="unsupported-method"),
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
