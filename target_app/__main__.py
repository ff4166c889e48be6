"""python -m target_app: serve the todo API on http://127.0.0.1:8000 (Swagger UI at /docs)."""

import uvicorn


def main() -> None:
    uvicorn.run("target_app.main:app", host="127.0.0.1", port=8000)


if __name__ == "__main__":
    main()
