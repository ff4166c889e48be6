"""The app served by `python -m target_app`, on a file-backed SQLite database.

The file is `$TODO_DB_PATH`, or `todos.db` in the current directory.
"""

import os

from target_app.app import create_app

DEFAULT_DB_PATH = "todos.db"


def database_url() -> str:
    return f"sqlite:///{os.environ.get('TODO_DB_PATH', DEFAULT_DB_PATH)}"


app = create_app(database_url())
