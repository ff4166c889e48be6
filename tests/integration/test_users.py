"""Users: side effects verified in the database itself, not only through the API (lesson 2)."""


def test_create_user_persists_to_database(client, db):
    response = client.post("/users", json={"name": "Alice", "email": "alice@test.com"})
    assert response.status_code == 201
    user = response.json()
    assert user == {"id": user["id"], "name": "Alice", "email": "alice@test.com"}
    assert db.rows("users", "id", "name", "email") == [(user["id"], "Alice", "alice@test.com")]

    fetched = client.get(f"/users/{user['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == user


def test_get_nonexistent_user_returns_404(client):
    response = client.get("/users/9999")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 9999 not found"}


def test_duplicate_email_rejected_with_409(client, db):
    first = client.post("/users", json={"name": "User1", "email": "dup@test.com"})
    assert first.status_code == 201
    response = client.post("/users", json={"name": "User2", "email": "dup@test.com"})
    assert response.status_code == 409
    assert response.json() == {"detail": "A user with email dup@test.com already exists"}
    assert db.rows("users", "name") == [("User1",)]


def test_list_three_users(client):
    for n in range(3):
        client.post("/users", json={"name": f"User {n}", "email": f"user{n}@test.com"})
    response = client.get("/users")
    assert response.status_code == 200
    assert [user["email"] for user in response.json()] == [
        "user0@test.com",
        "user1@test.com",
        "user2@test.com",
    ]
    assert len({user["id"] for user in response.json()}) == 3


def test_user_without_email_is_rejected_and_not_stored(client, db):
    before = db.count("users")
    response = client.post("/users", json={"name": "No Email"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert db.count("users") == before


def test_user_with_invalid_email_or_blank_name_is_rejected(client, db):
    bad_email = client.post("/users", json={"name": "Bob", "email": "not-an-email"})
    assert bad_email.status_code == 422
    assert bad_email.json()["detail"][0]["loc"] == ["body", "email"]
    blank_name = client.post("/users", json={"name": "  ", "email": "bob@test.com"})
    assert blank_name.status_code == 422
    assert blank_name.json()["detail"][0]["loc"] == ["body", "name"]
    assert db.count("users") == 0


def test_list_users_empty(client):
    response = client.get("/users")
    assert response.status_code == 200
    assert response.json() == []


def test_api_keeps_working_after_a_duplicate_email(client, db):
    client.post("/users", json={"name": "User1", "email": "dup@test.com"})
    assert client.post("/users", json={"name": "User2", "email": "dup@test.com"}).status_code == 409
    response = client.post("/users", json={"name": "User3", "email": "other@test.com"})
    assert response.status_code == 201
    assert response.json()["name"] == "User3"
    assert [user["name"] for user in client.get("/users").json()] == ["User1", "User3"]
    assert db.rows("users", "name") == [("User1",), ("User3",)]


def test_user_with_unknown_field_is_rejected_and_not_stored(client, db):
    response = client.post(
        "/users", json={"name": "Eve", "email": "eve@test.com", "is_admin": True}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "is_admin"]
    assert db.count("users") == 0
