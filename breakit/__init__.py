"""breakit: prove that a test suite catches the bugs it claims to catch."""

__version__ = "0.1.0"
