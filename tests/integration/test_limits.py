"""The edges of what the API accepts: body size, id range, and the length of names and titles."""

import pytest

MAX_BODY = 64 * 1024
LARGEST_ID = 2**63 - 1  # SQLite's largest integer


def todo_body(size: int) -> bytes:
    """A valid todo as JSON, padded with whitespace to exactly `size` bytes."""
    body = b'{"title": "Sized"}'
    return body + b" " * (size - len(body))


def in_two_chunks(body: bytes):
    """The body streamed without a Content-Length, so only the routers' limit can see its size."""
    yield body[:10]
    yield body[10:]


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "streamed"])
def test_body_of_exactly_64_kib_is_accepted(client, db, streamed):
    body = todo_body(MAX_BODY)
    content = in_two_chunks(body) if streamed else body
    response = client.post("/todos", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "title": "Sized", "done": False}
    assert db.rows("todos", "title") == [("Sized",)]


@pytest.mark.parametrize(
    ("streamed", "detail"),
    [
        pytest.param(False, f"Request body is larger than {MAX_BODY} bytes", id="declared"),
        pytest.param(True, "Content Too Large", id="streamed"),
    ],
)
def test_body_one_byte_over_64_kib_is_refused(client, db, streamed, detail):
    body = todo_body(MAX_BODY + 1)
    content = in_two_chunks(body) if streamed else body
    response = client.post("/todos", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": detail}
    assert db.count("todos") == 0


TODO_ID_METHODS = pytest.mark.parametrize(
    ("method", "kwargs"),
    [("get", {}), ("put", {"json": {"title": "Far away", "done": True}}), ("delete", {})],
    ids=["get", "put", "delete"],
)


@TODO_ID_METHODS
def test_largest_todo_id_is_a_valid_id(client, db, method, kwargs):
    response = client.request(method, f"/todos/{LARGEST_ID}", **kwargs)
    assert response.status_code == 404
    assert response.json() == {"detail": f"Todo {LARGEST_ID} not found"}
    assert db.count("todos") == 0


@TODO_ID_METHODS
def test_todo_id_past_the_largest_is_refused(client, method, kwargs):
    response = client.request(method, f"/todos/{LARGEST_ID + 1}", **kwargs)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "todo_id"]


def test_largest_user_id_is_a_valid_id(client):
    response = client.get(f"/users/{LARGEST_ID}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"User {LARGEST_ID} not found"}


@pytest.mark.parametrize("user_id", [0, LARGEST_ID + 1], ids=["zero", "past-the-largest"])
def test_user_id_out_of_range_is_refused(client, user_id):
    response = client.get(f"/users/{user_id}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "user_id"]


def test_first_ids_are_one(client):
    todo = client.post("/todos", json={"title": "First"}).json()
    user = client.post("/users", json={"name": "First", "email": "first@test.com"}).json()
    assert client.get("/todos/1").json() == todo
    assert client.get("/users/1").json() == user


def test_title_of_one_character_is_accepted(client, db):
    response = client.post("/todos", json={"title": "x"})
    assert response.status_code == 201
    assert response.json()["title"] == "x"
    assert db.rows("todos", "title") == [("x",)]


@pytest.mark.parametrize("name", ["A", "n" * 100], ids=["one-character", "100-characters"])
def test_name_length_within_bounds_is_accepted(client, db, name):
    response = client.post("/users", json={"name": name, "email": "edge@test.com"})
    assert response.status_code == 201
    assert response.json()["name"] == name
    assert db.rows("users", "name") == [(name,)]


def test_name_of_101_characters_is_refused(client, db):
    response = client.post("/users", json={"name": "n" * 101, "email": "long@test.com"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert db.count("users") == 0
