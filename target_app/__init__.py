"""A small todo API (with users) on a real SQLite database: the code breakit breaks."""

from target_app.app import create_app

__all__ = ["create_app"]
