"""The app as a whole: its documentation, the databases it runs on, and its shutdown."""

import pytest
from fastapi.testclient import TestClient

from target_app import create_app


def test_openapi_document_has_the_title_and_groups_endpoints_by_tag(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Todo API"
    tags = {
        (path, method): operation["tags"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert tags == {
        ("/todos", "get"): ["todos"],
        ("/todos", "post"): ["todos"],
        ("/todos/{todo_id}", "get"): ["todos"],
        ("/todos/{todo_id}", "put"): ["todos"],
        ("/todos/{todo_id}", "delete"): ["todos"],
        ("/users", "get"): ["users"],
        ("/users", "post"): ["users"],
        ("/users/{user_id}", "get"): ["users"],
    }


def test_swagger_ui_renders_with_the_title(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Todo API - Swagger UI</title>" in response.text


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_url_keeps_one_database_across_requests(url):
    with TestClient(create_app(url)) as client:
        created = client.post("/todos", json={"title": "Remembered"})
        assert created.status_code == 201
        response = client.get("/todos")
        assert response.status_code == 200
        assert response.json() == [created.json()]


def test_file_database_outlives_the_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'todos.db'}"
    with TestClient(create_app(url)) as client:
        kept = client.post("/todos", json={"title": "Kept"}).json()
        dropped = client.post("/todos", json={"title": "Dropped"}).json()
        assert client.delete(f"/todos/{dropped['id']}").status_code == 204
        client.post("/users", json={"name": "Alice", "email": "alice@test.com"})

    with TestClient(create_app(url)) as client:
        assert client.get("/todos").json() == [kept]
        # The id counter lives in the file too: a restart does not hand out a deleted id again.
        response = client.post("/todos", json={"title": "After restart"})
        assert response.status_code == 201
        assert response.json() == {"id": 3, "title": "After restart", "done": False}
        duplicate = client.post("/users", json={"name": "Alice", "email": "alice@test.com"})
        assert duplicate.status_code == 409


def test_id_counter_is_stored_in_the_database(client, db):
    for title in ("One", "Two"):
        client.post("/todos", json={"title": title})
    assert client.delete("/todos/2").status_code == 204
    assert db.rows("id_counters", "name", "last_id") == [("todos", 2)]


def test_shutdown_releases_a_database_the_app_opened(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'todos.db'}")
    with TestClient(app) as client:
        assert client.post("/todos", json={"title": "Pooled"}).status_code == 201
        assert app.state.engine.pool.checkedin() == 1
    assert app.state.engine.pool.checkedin() == 0


def test_shutdown_leaves_a_database_it_was_given_open(engine, db):
    with TestClient(create_app(engine)) as client:
        assert client.post("/todos", json={"title": "Outlives the app"}).status_code == 201
    # The caller's in-memory database lives on its one connection: closing it would lose it.
    assert db.rows("todos", "title") == [("Outlives the app",)]
