"""The todo API tested from the outside, as a client uses it (lesson 1 and its "Alter it")."""


def test_list_todos_empty(client):
    response = client.get("/todos")
    assert response.status_code == 200
    assert response.json() == []


def test_create_todo(client, db):
    response = client.post("/todos", json={"title": "Buy milk"})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "title": "Buy milk", "done": False}
    assert db.rows("todos", "id", "title", "done") == [(1, "Buy milk", False)]


def test_create_todo_returns_id(client):
    first = client.post("/todos", json={"title": "First"})
    second = client.post("/todos", json={"title": "Second"})
    assert first.status_code == second.status_code == 201
    assert isinstance(first.json()["id"], int)
    assert first.json()["id"] != second.json()["id"]


def test_get_todo_not_found(client):
    response = client.get("/todos/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Todo 999 not found"}


def test_create_and_retrieve_todo(client):
    created = client.post("/todos", json={"title": "Write tests", "done": True}).json()
    response = client.get(f"/todos/{created['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": created["id"], "title": "Write tests", "done": True}


def test_delete_todo(client, db):
    todo_id = client.post("/todos", json={"title": "Temporary"}).json()["id"]
    response = client.delete(f"/todos/{todo_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/todos/{todo_id}").status_code == 404
    assert db.count("todos") == 0


def test_delete_nonexistent_todo(client):
    response = client.delete("/todos/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Todo 999 not found"}


def test_create_todo_invalid_input(client, db):
    for body in ({}, {"title": ""}, {"title": "   "}, {"title": "x" * 201}, {"title": 42}):
        response = client.post("/todos", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"] == ["body", "title"], body
    assert db.count("todos") == 0


def test_full_crud_flow(client):
    created = client.post("/todos", json={"title": "Learn integration tests"})
    assert created.status_code == 201
    todo = created.json()
    assert client.get("/todos").json() == [todo]

    updated = client.put(f"/todos/{todo['id']}", json={"title": "Teach them", "done": True})
    assert updated.status_code == 200
    assert updated.json() == {"id": todo["id"], "title": "Teach them", "done": True}
    assert client.get(f"/todos/{todo['id']}").json() == updated.json()

    assert client.delete(f"/todos/{todo['id']}").status_code == 204
    assert client.get("/todos").json() == []


# --- Alter it -----------------------------------------------------------------------------------


def test_update_todo_title_and_done(client, db):
    todo_id = client.post("/todos", json={"title": "Draft"}).json()["id"]
    response = client.put(f"/todos/{todo_id}", json={"title": "Final", "done": True})
    assert response.status_code == 200
    assert response.json() == {"id": todo_id, "title": "Final", "done": True}
    assert db.rows("todos", "title", "done") == [("Final", True)]

    response = client.put(f"/todos/{todo_id}", json={"title": "Final", "done": False})
    assert response.status_code == 200
    assert response.json()["done"] is False
    assert db.rows("todos", "title", "done") == [("Final", False)]


def test_update_missing_todo_is_404(client, db):
    response = client.put("/todos/999", json={"title": "Ghost", "done": True})
    assert response.status_code == 404
    assert response.json() == {"detail": "Todo 999 not found"}
    assert db.count("todos") == 0


def test_update_todo_validates_title(client):
    todo_id = client.post("/todos", json={"title": "Keep me"}).json()["id"]
    response = client.put(f"/todos/{todo_id}", json={"title": " ", "done": True})
    assert response.status_code == 422
    assert client.get(f"/todos/{todo_id}").json() == {
        "id": todo_id,
        "title": "Keep me",
        "done": False,
    }


def test_list_returns_all_five_todos(client):
    titles = [f"Todo {n}" for n in range(1, 6)]
    created = [client.post("/todos", json={"title": title}).json() for title in titles]
    response = client.get("/todos")
    assert response.status_code == 200
    assert response.json() == created
    assert [todo["title"] for todo in response.json()] == titles


def test_filter_done_true(client):
    client.post("/todos", json={"title": "Open"})
    closed = client.post("/todos", json={"title": "Closed", "done": True}).json()
    response = client.get("/todos", params={"done": "true"})
    assert response.status_code == 200
    assert response.json() == [closed]


def test_filter_done_false(client):
    still_open = client.post("/todos", json={"title": "Open"}).json()
    client.post("/todos", json={"title": "Closed", "done": True})
    response = client.get("/todos", params={"done": "false"})
    assert response.status_code == 200
    assert response.json() == [still_open]


def test_title_is_trimmed(client):
    response = client.post("/todos", json={"title": "  Padded  "})
    assert response.status_code == 201
    assert response.json()["title"] == "Padded"


def test_title_of_200_characters_is_accepted(client):
    response = client.post("/todos", json={"title": "x" * 200})
    assert response.status_code == 201
    assert response.json()["title"] == "x" * 200


def test_ids_are_not_reused_after_delete(client):
    first = client.post("/todos", json={"title": "One"}).json()["id"]
    client.delete(f"/todos/{first}")
    second = client.post("/todos", json={"title": "Two"}).json()["id"]
    assert second != first


def test_update_with_unknown_field_is_rejected(client, db):
    todo_id = client.post("/todos", json={"title": "Mine"}).json()["id"]
    response = client.put(f"/todos/{todo_id}", json={"title": "Ours", "done": True, "owner": "eve"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "owner"]
    assert db.rows("todos", "title", "done") == [("Mine", False)]
